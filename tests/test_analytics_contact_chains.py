"""Contact chains (issue 20, point 1): which contacts form one chain, and the measured FCR
beside the tick box, repeats, transfers, reopens and the Customer Speed Index — on a small
hand-made set whose figures are worked out in the comments."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuecenter.analytics.contact_chains import DAY, chain_figures, chain_ids
from valuecenter.analytics.errors import InputError

H = 3600.0


def test_chains_by_case_and_by_reason_within_the_window() -> None:
    # customer 1: billing on day 0 and day 3 (one chain), billing again on day 20 (new chain);
    # customer 1: delivery on day 3 (another reason: its own chain);
    # customer 2: two contacts of case 7 on days 0 and 30 (one chain: the same case);
    # customer 3: no reason, no case: a chain of its own.
    customer = [1, 1, 1, 1, 2, 2, 3]
    started = np.array([0, 3, 20, 3, 0, 30, 5]) * DAY
    case = [-1, -1, -1, -1, 7, 7, -1]
    reason = ["billing", "billing", "billing", "delivery", "x", "y", None]
    labels = chain_ids(customer, started, case, reason)
    assert labels[0] == labels[1]
    assert len({labels[0], labels[2], labels[3], labels[4], labels[6]}) == 5
    assert labels[4] == labels[5]


def test_figures_by_hand() -> None:
    # Chains: A = contacts 0, 1 (billing, days 0 and 3); B = contact 2 (day 20);
    # C = contact 3 (delivery, day 3); D = case 7: contacts 4 (day 0) and 5 (day 30; the case
    # was closed on day 10, so it is reopened). The data end on day 25: chain B (day 20) is
    # censored (its 7-day window ends on day 27), so the judged chains are A, C, D: FCR 1/3.
    customer = [1, 1, 1, 1, 2, 2]
    started = np.array([0, 3, 20, 3, 0, 30]) * DAY
    ended = started + 0.5 * H
    case = [-1, -1, -1, -1, 7, 7]
    reason = ["billing", "billing", "billing", "delivery", "x", "x"]
    labels = chain_ids(customer, started, case, reason)
    resolved = [1, 1, 1, 1, 1, np.nan]  # the agents ticked "resolved" every time
    transferred = [False, True, False, False, True, True]
    closed = [np.nan] * 4 + [10 * DAY, 10 * DAY]
    out = chain_figures(labels, started, ended, resolved, transferred, closed, data_end=25 * DAY)
    assert out.chains == 4
    assert out.judged_chains == 3
    assert out.fcr == pytest.approx(1 / 3)  # only C had one contact
    assert out.fcr_tick_box == 1.0  # first contacts of A, B, C, D all ticked
    assert out.repeat_rate == pytest.approx(2 / 6)  # contacts 1 and 5 repeat
    assert out.transfers_per_contact == pytest.approx(3 / 6)
    assert out.reopen_rate == 1.0  # the one case chain got a contact after its close
    # speeds (hours): A 3 d + 0.5 h = 72.5; B 0.5; C 0.5; D: day 30 + 0.5 h = 720.5
    assert out.speed_median_hours == pytest.approx((0.5 + 72.5) / 2)
    assert out.speed_p90_hours == pytest.approx(np.quantile([72.5, 0.5, 0.5, 720.5], 0.9))


def test_bad_window_is_refused() -> None:
    with pytest.raises(InputError):
        chain_ids([1], [0.0], [-1], ["a"], window_days=0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 40), st.sampled_from(["a", "b"])),
        min_size=1,
        max_size=40,
    )
)
def test_a_reason_chain_never_spans_a_gap_longer_than_the_window(
    rows: list[tuple[int, int, str]],
) -> None:
    customer = [r[0] for r in rows]
    started = np.array([r[1] for r in rows], dtype=float) * DAY
    reason = [r[2] for r in rows]
    labels = chain_ids(customer, started, [-1] * len(rows), reason, window_days=7)
    for label in set(labels.tolist()):
        members = np.flatnonzero(labels == label)
        assert len({customer[i] for i in members}) == 1
        assert len({reason[i] for i in members}) == 1
        days = np.sort(started[members] / DAY)
        assert np.all(np.diff(days) <= 7)
    # and contacts of one customer about one reason at most 7 days apart are one chain
    for who in set(customer):
        for why in set(reason):
            idx = sorted(
                (i for i in range(len(rows)) if customer[i] == who and reason[i] == why),
                key=lambda i: started[i],
            )
            for a, b in itertools.pairwise(idx):
                if started[b] - started[a] <= 7 * DAY:
                    assert labels[a] == labels[b]


def test_a_call_back_on_a_new_case_about_the_same_reason_is_the_same_chain() -> None:
    # Case 1 (invoice, day 0), case 2 (invoice, day 2): one chain; case 3 (invoice, day 12):
    # ten days after the last one, a new chain. An abandoned call alone is not a first-contact
    # resolution, and an outbound chain is not judged.
    labels = chain_ids([1, 1, 1, 2, 3], np.array([0, 2, 12, 0, 0]) * DAY, [1, 2, 3, -1, -1],
                       ["invoice"] * 3 + ["x", "y"])  # fmt: skip
    assert labels[0] == labels[1] != labels[2]
    out = chain_figures(
        labels,
        np.array([0, 2, 12, 0, 0]) * DAY,
        np.array([0, 2, 12, 0, 0]) * DAY + 60,
        [1, 1, 1, 1, 1],
        [False] * 5,
        [np.nan] * 5,
        data_end=30 * DAY,
        handled=[True, True, True, False, True],
        inbound=[True, True, True, True, False],
    )
    # judged chains: {0,1} (2 contacts), {2} (handled: fixed), {3} (abandoned: not fixed)
    assert out.judged_chains == 3
    assert out.fcr == pytest.approx(1 / 3)
