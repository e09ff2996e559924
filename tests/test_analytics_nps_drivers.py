"""The NPS driver analysis (issue 20, point 3) on simulated answers with a known cause: the
answer drops with transfers and with the end-to-end days, not with the tick box — which is
ticked less often when there were transfers, so on its own it *looks* like a driver."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.nps_drivers import hc2_covariance, nps_drivers


def _answers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    transfers = rng.poisson(0.6, n)
    days = rng.exponential(2.0, n)
    wait = rng.exponential(2.0, n)
    tick = (rng.random(n) < np.where(transfers > 0, 0.5, 0.9)).astype(float)
    score = 8.3 - 1.5 * transfers - 0.5 * np.minimum(days, 8) + rng.normal(0, 1.3, n)
    return pd.DataFrame(
        {
            "answer": np.clip(np.round(score), 0, 10),
            "transfers": transfers,
            "end_to_end_days": days,
            "wait_minutes": wait,
            "first_contact_fix": tick,
        }
    )


def test_the_known_causes_rank_first_and_the_tick_box_has_no_effect() -> None:
    frame = _answers(2_000, seed=1)
    # On its own the tick box goes with higher answers (it travels with fewer transfers) …
    assert frame[["answer", "first_contact_fix"]].corr().iloc[0, 1] > 0.1
    out = nps_drivers(
        frame, "answer", ["transfers", "end_to_end_days", "wait_minutes", "first_contact_fix"]
    )
    # … but with the others held fixed it does nothing, and the causes rank first.
    assert out.ranking()[:2] == ["transfers", "end_to_end_days"]
    tick = next(d for d in out.drivers if d.name == "first_contact_fix")
    assert tick.low <= 0.0 <= tick.high
    transfers = out.drivers[0]
    assert transfers.high < 0
    assert transfers.low < -1.2
    assert 0.3 < out.r2_boosting <= out.r2_linear + 0.05
    assert transfers.curve_y[0] > transfers.curve_y[-1]  # more transfers, lower answers


def test_hc2_equals_the_textbook_on_a_tiny_design() -> None:
    x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    y = np.array([1.0, 2.0, 2.0, 5.0])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    e = y - x @ beta
    h = np.diag(x @ np.linalg.inv(x.T @ x) @ x.T)
    expected = np.linalg.inv(x.T @ x) @ x.T @ np.diag(e**2 / (1 - h)) @ x @ np.linalg.inv(x.T @ x)
    assert hc2_covariance(x, e) == pytest.approx(expected)


def test_too_few_answers_or_a_flat_driver_is_refused() -> None:
    frame = _answers(100, seed=2)
    with pytest.raises(InputError, match="answers"):
        nps_drivers(frame, "answer", ["transfers"])
    frame = _answers(400, seed=3).assign(flat=1.0)
    with pytest.raises(InputError, match="flat"):
        nps_drivers(frame, "answer", ["transfers", "flat"])


def test_a_rare_cause_still_ranks_before_a_common_companion_of_the_real_cause() -> None:
    """As on the demo world: transfers in 4% of the chains (−1.5 each), repeats in 20% that
    lengthen the chain (−0.5 per day) but do nothing themselves. A permutation-importance
    ranking would put repeats before transfers; the standardised effect does not."""
    rng = np.random.default_rng(5)
    n = 3_000
    transfers = (rng.random(n) < 0.04).astype(float)
    repeats = (rng.random(n) < 0.2).astype(float)
    days = rng.exponential(0.5, n) + 3.0 * repeats
    score = 8.3 - 1.5 * transfers - 0.5 * np.minimum(days, 8) + rng.normal(0, 1.3, n)
    frame = pd.DataFrame(
        {
            "answer": np.clip(np.round(score), 0, 10),
            "transfers": transfers,
            "repeats": repeats,
            "days": days,
        }
    )
    out = nps_drivers(frame, "answer", ["repeats", "transfers", "days"])
    assert out.ranking()[:2] == ["days", "transfers"]
    repeat = next(d for d in out.drivers if d.name == "repeats")
    assert not repeat.significant
