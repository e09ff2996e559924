"""The NPS and its interval (issue 20, point 3): hand-computed scores, variances and intervals,
the coverage of each interval method at n = 30 (exact, over every trinomial outcome, and by
simulation), the difference of two NPS, the eNPS–NPS correlation with Fisher's z interval,
and the edge cases (every answer a promoter, one answer, none)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.nps import (
    DEFAULT_METHOD,
    METHODS,
    NpsCounts,
    correlation,
    count_scores,
    estimate,
    exact_coverage,
    interval,
    nps_by_group,
    nps_difference,
    nps_of_scores,
    nps_variance,
    outcome_intervals,
    simulated_coverage,
    team_correlation,
)

Z = 1.959963984540054  # the 97.5% normal quantile
# Realistic populations (promoter share, detractor share): each category at least 5%.
POPULATIONS = [
    (0.5, 0.2),
    (0.3, 0.3),
    (0.6, 0.1),
    (0.2, 0.5),
    (0.7, 0.05),
    (0.4, 0.4),
    (0.1, 0.1),
    (0.8, 0.1),
    (0.45, 0.25),
    (0.35, 0.15),
]


def test_counts_of_the_three_categories() -> None:
    """0–6 detract, 7–8 are passive, 9–10 promote (the boundaries included)."""
    counts = count_scores([0, 6, 7, 8, 9, 10, 10, 3])
    assert counts == NpsCounts(promoters=3, passives=2, detractors=3)
    assert counts.n == 8
    assert counts.nps == 0.0
    with pytest.raises(InputError, match="answer 2 is 11"):
        count_scores([5, 11])
    with pytest.raises(InputError, match=r"answer 1 is 7\.5"):
        count_scores([7.5])
    with pytest.raises(InputError, match="answer 3"):
        count_scores([1, 2, float("nan")])
    with pytest.raises(InputError, match="negative"):
        NpsCounts(-1, 0, 0)


def test_score_variance_and_wald_interval_by_hand() -> None:
    """5 promoters, 3 passives, 2 detractors (n = 10):
    NPS = 5/10 − 2/10 = 0.3;
    Var = (0.5 + 0.2 − 0.3²)/10 = 0.61/10 = 0.061, se = √0.061 = 0.246982;
    Wald: 0.3 ± 1.959964 · 0.246982 = 0.3 ± 0.484076 → [−0.184076, 0.784076]."""
    counts = NpsCounts(5, 3, 2)
    assert counts.nps == pytest.approx(0.3)
    assert nps_variance(counts) == pytest.approx(0.061)
    lo, hi = interval(counts, "wald")
    assert (lo, hi) == (pytest.approx(-0.184076, abs=1e-6), pytest.approx(0.784076, abs=1e-6))


def test_adjusted_wald_interval_by_hand() -> None:
    """The same 5 / 3 / 2 plus ¾ detractor, 1½ passive, ¾ promoter: 5.75 / 4.5 / 2.75, ñ = 13;
    centre = (5.75 − 2.75)/13 = 3/13 = 0.230769;
    p̃_P + p̃_D = 8.5/13 = 0.653846, centre² = 0.053254, Var = (0.653846 − 0.053254)/13
    = 0.600592/13 = 0.046199, se = 0.214940;
    0.230769 ± 1.959964 · 0.214940 = 0.230769 ± 0.421275 → [−0.190506, 0.652045].
    The reported score stays the plain 0.3."""
    result = estimate(NpsCounts(5, 3, 2), "adjusted_wald")
    assert result.method == "adjusted_wald"
    assert DEFAULT_METHOD == "score"
    assert result.nps == pytest.approx(0.3)
    assert result.ci == (pytest.approx(-0.190506, abs=1e-6), pytest.approx(0.652045, abs=1e-6))
    assert result.as_json() == {
        "n": 10,
        "nps": 30.0,
        "ci95": [-19.05, 65.2],
        "promoters": 5,
        "passives": 3,
        "detractors": 2,
    }


def test_score_interval_by_hand_in_its_closed_cases() -> None:
    """Tango's score interval where it has a closed form.

    Every answer passive (n = 10): above 0, q̃ = 0 and the score is −nΔ/√(nΔ(1 − Δ)); it
    reaches −z where nΔ = z²(1 − Δ), Δ = z²/(n + z²) = 3.841459/13.841459 = 0.277533; below 0 by
    symmetry: [−0.277533, 0.277533].

    Every answer a promoter (n = 10): the upper limit is 1; below, q̃ = (1 − Δ)/2 and the
    variance n(1 − Δ²), so the score n(1 − Δ)/√(n(1 − Δ²)) reaches z where
    n(1 − Δ) = z²(1 + Δ), Δ = (n − z²)/(n + z²) = 6.158541/13.841459 = 0.444935."""
    lo, hi = interval(NpsCounts(0, 10, 0), "score")
    assert (lo, hi) == (pytest.approx(-0.277533, abs=1e-6), pytest.approx(0.277533, abs=1e-6))
    lo, hi = interval(NpsCounts(10, 0, 0), "score")
    assert (lo, hi) == (pytest.approx(0.444935, abs=1e-6), 1.0)
    lo, hi = interval(NpsCounts(0, 0, 10), "score")
    assert (lo, hi) == (-1.0, pytest.approx(-0.444935, abs=1e-6))


@pytest.mark.parametrize(("promoters", "detractors"), [(3, 7), (12, 18), (0, 5), (25, 4)])
def test_without_passives_the_score_interval_is_wilsons(promoters: int, detractors: int) -> None:
    """With no passive answer the NPS is 2·p_P − 1 of a binomial, and the restricted maximum
    likelihood keeps the passive share at 0: the score interval is Wilson's for p_P, mapped."""
    n = promoters + detractors
    wilson = stats.binomtest(promoters, n).proportion_ci(0.95, method="wilson")
    lo, hi = interval(NpsCounts(promoters, 0, detractors), "score")
    assert lo == pytest.approx(2 * wilson.low - 1, abs=1e-7)
    assert hi == pytest.approx(2 * wilson.high - 1, abs=1e-7)


def _score_statistic(counts: NpsCounts, delta: float) -> float:
    """Tango's statistic with the restricted maximum likelihood found numerically (not by the
    module's quadratic): maximise the trinomial log-likelihood over the detractor share q with
    the promoter share q + Δ."""
    n, b, c = counts.n, counts.detractors, counts.promoters
    a = n - b - c
    low, high = max(0.0, -delta), (1.0 - delta) / 2.0

    def minus_loglik(q: float) -> float:
        terms = [(b, q), (c, q + delta), (a, 1.0 - 2.0 * q - delta)]
        return -sum(k * math.log(max(p, 1e-300)) for k, p in terms if k)

    q = optimize.minimize_scalar(
        minus_loglik, bounds=(low, high), method="bounded", options={"xatol": 1e-12}
    ).x
    return (c - b - n * delta) / math.sqrt(n * (2 * q + delta * (1 - delta)))


@pytest.mark.parametrize("counts", [NpsCounts(5, 3, 2), NpsCounts(14, 9, 7), NpsCounts(2, 20, 8)])
def test_score_interval_limits_solve_the_score_equation(counts: NpsCounts) -> None:
    lo, hi = interval(counts, "score")
    assert _score_statistic(counts, lo) == pytest.approx(Z, abs=1e-4)
    assert _score_statistic(counts, hi) == pytest.approx(-Z, abs=1e-4)
    inside = np.linspace(lo + 1e-3, hi - 1e-3, 7)
    assert all(abs(_score_statistic(counts, d)) < Z for d in inside)


def test_edge_cases_one_answer_all_promoters_none() -> None:
    """One promoter: the Wald interval has no width (Var = (1 + 0 − 1)/1 = 0); the adjusted
    one is 1.75 / 1.5 / 0.75 of 4: centre 0.25, Var = (0.625 − 0.0625)/4 = 0.140625, se 0.375,
    0.25 ± 0.734986 → [−0.484986, 0.984986] — one answer says little (and this is the only n
    at which the adjusted interval misses the plain score, see the property test).
    Thirty promoters: NPS 1, the adjusted interval reaches the top: centre 30/33 = 0.909091,
    (31.5/33 − 0.826446)/33 = 0.128099/33 = 0.003882, se 0.062304, ± 0.122114: upper 1.031205
    → clipped to 1, lower 0.786977. The score interval (the default) of thirty promoters is
    Wilson's for 30/30 mapped to 2p − 1: lower 2·30/(30 + z²) − 1 = 60/33.841459 − 1
    = 0.772973."""
    one = NpsCounts(1, 0, 0)
    assert interval(one, "wald") == (1.0, 1.0)
    lo, hi = interval(one, "adjusted_wald")
    assert (lo, hi) == (pytest.approx(-0.484986, abs=1e-6), pytest.approx(0.984986, abs=1e-6))
    all_promoters = estimate(NpsCounts(30, 0, 0), "adjusted_wald")
    assert all_promoters.nps == 1.0
    assert all_promoters.variance == 0.0
    assert all_promoters.ci == (pytest.approx(0.786977, abs=1e-6), 1.0)
    assert estimate(NpsCounts(30, 0, 0)).ci == (pytest.approx(0.772973, abs=1e-6), 1.0)
    for method in METHODS:
        with pytest.raises(InputError, match="no answers"):
            interval(NpsCounts(0, 0, 0), method)
    with pytest.raises(InputError, match="no answers"):
        nps_of_scores([])
    with pytest.raises(InputError, match="method: 'exact' is not one of"):
        interval(NpsCounts(1, 1, 1), "exact")


@settings(max_examples=200, deadline=None)
@given(
    promoters=st.integers(0, 60),
    passives=st.integers(0, 60),
    detractors=st.integers(0, 60),
    method=st.sampled_from(METHODS),
)
def test_every_interval_is_ordered_bounded_and_holds_the_score(
    promoters: int, passives: int, detractors: int, method: str
) -> None:
    counts = NpsCounts(promoters, passives, detractors)
    if counts.n == 0:
        return
    lo, hi = interval(counts, method)
    assert -1.0 <= lo <= hi <= 1.0
    if counts.n >= 2 or method != "adjusted_wald":
        assert lo - 1e-9 <= counts.nps <= hi + 1e-9
    # swapping promoters and detractors mirrors the interval
    mirror = interval(NpsCounts(detractors, passives, promoters), method)
    assert mirror == (pytest.approx(-hi, abs=1e-7), pytest.approx(-lo, abs=1e-7))


def test_coverage_at_thirty_answers_exact() -> None:
    """Summed over all 496 outcomes of 30 answers: the score interval (the default) and the
    adjusted Wald interval keep ≥ 0.94 in every population of the list, the Wald interval
    does not (0.908 when 80% promote and 10% detract)."""
    coverage = {}
    for method in METHODS:
        table = outcome_intervals(method, 30)
        coverage[method] = [exact_coverage(method, 30, p, d, table=table) for p, d in POPULATIONS]
        print(method, [round(c, 4) for c in coverage[method]])
    assert min(coverage["adjusted_wald"]) >= 0.94
    assert min(coverage["score"]) >= 0.94
    assert min(coverage["wald"]) < 0.92
    assert np.mean(coverage["score"]) == pytest.approx(0.9500, abs=5e-4)
    assert np.mean(coverage["adjusted_wald"]) == pytest.approx(0.9515, abs=5e-4)
    # (0.8, 0.1): the Wald interval's worst of the list
    assert coverage["wald"][7] == pytest.approx(0.9076, abs=1e-4)


def test_exact_coverage_by_hand_for_one_answer() -> None:
    """n = 1, population 50% promoters, 20% detractors, 30% passive, true NPS 0.3. The Wald
    interval of one answer is the point 1, 0 or −1: it never holds 0.3, coverage 0. The
    adjusted interval of one promoter is [−0.485, 0.985] (holds 0.3), of one detractor
    [−0.985, 0.485] (holds), of one passive 0 ± 1.959964·√(0.5/4/4) = ±0.692952 (holds):
    coverage 1."""
    assert exact_coverage("wald", 1, 0.5, 0.2) == 0.0
    assert exact_coverage("adjusted_wald", 1, 0.5, 0.2) == pytest.approx(1.0)
    with pytest.raises(InputError):
        exact_coverage("wald", 10, 0.7, 0.4)


def test_coverage_at_thirty_answers_by_simulation() -> None:
    """2,000 samples of 30 answers in each of six populations (seed 1): the simulated coverage
    agrees with the exact one (within 4 standard errors) and, pooled over 12,000 samples, the
    default interval covers ≥ 94%."""
    pooled = []
    for p, d in POPULATIONS[:6]:
        simulated = simulated_coverage(DEFAULT_METHOD, 30, p, d, runs=2000, seed=1)
        exact = exact_coverage(DEFAULT_METHOD, 30, p, d)
        assert simulated == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 2000))
        pooled.append(simulated)
    print("simulated", [round(c, 4) for c in pooled])
    assert np.mean(pooled) >= 0.94


def test_nps_by_group() -> None:
    """Channel "chat": 10, 9, 3 → 2 promoters, 1 detractor: NPS 1/3; "phone": 7, 8, 0, 0 →
    2 passives, 2 detractors: NPS −1/2. Groups come in the order of their labels."""
    scores = [10, 7, 9, 8, 3, 0, 0]
    channel = ["chat", "phone", "chat", "phone", "chat", "phone", "phone"]
    result = nps_by_group(scores, channel)
    assert [label for label, _ in result] == ["chat", "phone"]
    chat, phone = result[0][1], result[1][1]
    assert chat.counts == NpsCounts(2, 0, 1)
    assert chat.nps == pytest.approx(1 / 3)
    assert phone.counts == NpsCounts(0, 2, 2)
    assert phone.nps == pytest.approx(-0.5)
    assert chat.ci == estimate(NpsCounts(2, 0, 1)).ci
    with pytest.raises(InputError, match="one label per answer"):
        nps_by_group([1, 2], ["a"])


def test_difference_of_two_nps_by_hand() -> None:
    """a = 5 / 3 / 2 (NPS 0.3, Var 0.061), b = 2 / 3 / 5 (NPS −0.3, Var (0.2 + 0.5 − 0.09)/10
    = 0.061): difference 0.6, se = √0.122 = 0.349285, Wald 0.6 ± 0.684586 →
    [−0.084586, 1.284586]. Adjusted: both centres ±3/13, both variances 0.046199 (above):
    6/13 = 0.461538 ± 1.959964·√0.092399 = 0.461538 ± 0.595773 → [−0.134235, 1.057312]."""
    a, b = NpsCounts(5, 3, 2), NpsCounts(2, 3, 5)
    wald = nps_difference(a, b, "wald")
    assert wald.difference == pytest.approx(0.6)
    assert wald.standard_error == pytest.approx(math.sqrt(0.122))
    assert wald.ci == (pytest.approx(-0.084586, abs=1e-6), pytest.approx(1.284586, abs=1e-6))
    adjusted = nps_difference(a, b)
    assert adjusted.difference == pytest.approx(0.6)
    assert adjusted.ci == (pytest.approx(-0.134235, abs=1e-6), pytest.approx(1.057312, abs=1e-6))
    with pytest.raises(InputError, match="one sample"):
        nps_difference(a, b, "score")
    with pytest.raises(InputError, match="at least one answer"):
        nps_difference(a, NpsCounts(0, 0, 0))


def test_correlation_by_hand_and_against_scipy() -> None:
    """Five teams, eNPS x = 1…5, customer NPS y = 2, 1, 4, 3, 5: deviations (−2, −1, 0, 1, 2)
    and (−1, −2, 1, 0, 2), Σ products 8, Σ squares 10 and 10: r = 0.8.
    atanh 0.8 = ½ ln 9 = 1.098612; se = 1/√(5 − 3) = 0.707107; ± 1.959964·0.707107 = 1.385904:
    tanh(−0.287292) = −0.279640, tanh(2.484516) = 0.986196."""
    x, y = [1, 2, 3, 4, 5], [2, 1, 4, 3, 5]
    found = correlation(x, y)
    assert found.r == pytest.approx(0.8)
    assert found.teams == 5
    assert found.ci == (pytest.approx(-0.279640, abs=1e-6), pytest.approx(0.986196, abs=1e-6))
    reference = stats.pearsonr(x, y).confidence_interval(0.95)
    assert found.ci == (pytest.approx(reference.low), pytest.approx(reference.high))
    rng = np.random.default_rng(3)
    enps = rng.normal(size=12)
    nps = 0.5 * enps + rng.normal(size=12)
    ours = correlation(enps, nps, 0.9)
    theirs = stats.pearsonr(enps, nps)
    assert ours.r == pytest.approx(theirs.statistic)
    assert ours.p_value == pytest.approx(theirs.pvalue)
    ci = theirs.confidence_interval(0.9)
    assert ours.ci == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_correlation_refuses_too_few_teams_and_flat_series() -> None:
    with pytest.raises(InputError, match=r"3 teams are too few .* at least 4"):
        correlation([1, 2, 3], [3, 1, 2])
    with pytest.raises(InputError, match="same for every team"):
        correlation([1, 1, 1, 1], [1, 2, 3, 4])
    with pytest.raises(InputError, match="two scores per team"):
        correlation([1, 2, 3, 4], [1, 2, 3])
    perfect = correlation([1, 2, 3, 4], [10, 20, 30, 40])
    assert perfect.r == pytest.approx(1.0)
    assert perfect.ci == (perfect.r, perfect.r)


def test_team_correlation_pairs_teams_and_names_the_unpaired() -> None:
    """eNPS per team from the employees' answers (nps_by_group), beside the customers' NPS."""
    employees = [10, 9, 2, 8, 7, 9, 10, 10, 3, 4, 6, 9, 10]
    team = ["a", "a", "a", "b", "b", "b", "c", "c", "d", "d", "d", "e", "e"]
    enps = {label: figures.nps for label, figures in nps_by_group(employees, team)}
    assert enps == {
        "a": pytest.approx(1 / 3),
        "b": pytest.approx(1 / 3),
        "c": 1.0,
        "d": -1.0,
        "e": 1.0,
    }
    customers = {"a": 0.1, "b": 0.2, "c": 0.5, "d": -0.3, "f": 0.0}
    found = team_correlation(enps, customers)
    assert found.teams == 4
    assert found.unpaired == ("e", "f")
    direct = correlation([enps[t] for t in "abcd"], [customers[t] for t in "abcd"])
    assert (found.r, found.ci) == (direct.r, direct.ci)
