"""Simulated campaigns with a known true lift: do the intervals hold what they promise?

Each run is one campaign designed as the campaign manager designs it:

- a control response rate ``p₀`` between 3% and 50% (seed 001: direct mail answered 3–5%,
  SMS about 50%), a minimum detectable effect of 15–50% of it, a treated share of 50%, 80% or
  90%, and the planned units per arm from :func:`.design.two_proportion_sample_size`;
- a **true lift** between 0 and 1.5 × the minimum detectable effect, units arriving evenly over
  7–28 days, each treated with the design's share, each responding with probability
  ``p₀ + lift`` when treated and ``p₀`` when not;
- the same campaign once more with **no true effect** (the same units and draws; common random
  numbers), looked at every day.

With ``scenario="campaign"`` the members are all there at launch, as the campaign manager
launches them, and it is their *outcomes* that arrive: each member who converts does so after a
delay drawn from an exponential distribution (mean 2–20 days), the campaign runs 30–90 days and
is read every day at all its members (the product's readout: the confidence sequence at the
full ``n``, units in hash order, "converted by today"). The true lift on day ``d`` is
``lift × F(d)``, ``F`` the delay's distribution function. The confidence sequence's guarantee
is over units arriving, not over outcomes maturing, so this scenario checks by simulation that
the daily readout of a launched campaign stays honest.

Four figures come out: how often the always-valid interval (:mod:`.sequential`) holds the true
lift at every daily look; how often the fixed-horizon Neyman interval (:mod:`.effect`) holds it
at the planned end; and under no effect, how often daily looks ever see an interval that
excludes zero — with the always-valid interval, and with the fixed-horizon one read every day
(the peeking error of Johari et al. 2022, shown for contrast).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.experiments.design import two_proportion_sample_size
from valuecenter.analytics.experiments.effect import Z_95
from valuecenter.analytics.experiments.sequential import confidence_sequence
from valuecenter.i18n import N_

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_RUNS = 100_000
SHARES = (0.5, 0.8, 0.9)
SCENARIOS = ("arrivals", "campaign")


@dataclass(frozen=True)
class SimulationResult:
    runs: int
    coverage: float  # the always-valid interval holds the true lift at every daily look
    coverage_fixed_horizon: float  # the 95% Neyman interval holds it at the planned end
    false_positive_rate_peeking: float  # no effect: the always-valid interval ever excludes 0
    false_positive_rate_peeking_fixed: float  # no effect: the fixed interval read daily does
    units: int  # units simulated over all runs (each once with and once without an effect)

    def as_json(self) -> dict[str, float | int]:
        return {
            "runs": self.runs,
            "coverage": round(self.coverage, 4),
            "coverage_fixed_horizon": round(self.coverage_fixed_horizon, 4),
            "false_positive_rate_peeking": round(self.false_positive_rate_peeking, 4),
            "false_positive_rate_peeking_fixed": round(self.false_positive_rate_peeking_fixed, 4),
            "units": self.units,
        }


def neyman_at(outcome: FloatArray, treated: BoolArray, looks: IntArray) -> tuple[FloatArray, ...]:
    """The difference in means and its 95% Neyman interval after each look (units seen)."""
    y1 = np.cumsum(np.where(treated, outcome, 0.0))[looks - 1]
    q1 = np.cumsum(np.where(treated, outcome * outcome, 0.0))[looks - 1]
    n1 = np.cumsum(treated)[looks - 1].astype(np.float64)
    y0 = np.cumsum(np.where(treated, 0.0, outcome))[looks - 1]
    q0 = np.cumsum(np.where(treated, 0.0, outcome * outcome))[looks - 1]
    n0 = looks.astype(np.float64) - n1
    ok = (n1 >= 2) & (n0 >= 2)
    n1s, n0s = np.where(ok, n1, 2.0), np.where(ok, n0, 2.0)
    m1, m0 = y1 / n1s, y0 / n0s
    v1 = np.maximum(q1 / n1s - m1 * m1, 0.0) * n1s / (n1s - 1.0)
    v0 = np.maximum(q0 / n0s - m0 * m0, 0.0) * n0s / (n0s - 1.0)
    se = np.sqrt(v1 / n1s + v0 / n0s)
    estimate = m1 - m0
    low = np.where(ok, estimate - Z_95 * se, -np.inf)
    high = np.where(ok, estimate + Z_95 * se, np.inf)
    return estimate, low, high


def simulate_campaigns(
    runs: int,
    seed: int,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    progress: Callable[[int, int], None] | None = None,
    scenario: str = "arrivals",
) -> SimulationResult:
    """Simulate ``runs`` campaigns as the module docstring says (same seed → same figures)."""
    if scenario not in SCENARIOS:
        raise InputError(N_("scenario: must be arrivals or campaign"))
    if not 1 <= runs <= MAX_RUNS:
        raise InputError(N_("runs: must be between 1 and 100,000"))
    if alpha != 0.05:
        raise InputError(N_("alpha: the simulation checks 95% intervals (alpha 0.05)"))
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(runs)]
    if scenario == "campaign":
        return _simulate_launched(rngs, alpha=alpha, power=power, progress=progress)
    covered = covered_fixed = false_sequential = false_fixed = 0
    units = 0
    for i, rng in enumerate(rngs):
        p0, share, n, lift = _design(rng, alpha, power)
        days = int(rng.integers(7, 29))
        looks = np.unique(np.round(np.arange(1, days + 1) * n / days).astype(np.int64))
        looks = looks[looks >= 2]
        treated = rng.random(n) < share
        u = rng.random(n)
        with_effect = (u < p0 + lift * treated).astype(np.float64)
        without = (u < p0).astype(np.float64)

        cs = confidence_sequence(with_effect, treated, share, alpha=alpha, looks=looks)
        covered += bool(np.all((cs.low <= lift) & (lift <= cs.high)))
        _, low, high = neyman_at(with_effect, treated, looks[-1:])
        covered_fixed += bool(low[0] <= lift <= high[0])

        cs0 = confidence_sequence(without, treated, share, alpha=alpha, looks=looks)
        false_sequential += bool(np.any((cs0.low > 0.0) | (cs0.high < 0.0)))
        _, low0, high0 = neyman_at(without, treated, looks)
        false_fixed += bool(np.any((low0 > 0.0) | (high0 < 0.0)))
        units += n
        if progress is not None:
            progress(i + 1, runs)
    return SimulationResult(
        runs=runs,
        coverage=covered / runs,
        coverage_fixed_horizon=covered_fixed / runs,
        false_positive_rate_peeking=false_sequential / runs,
        false_positive_rate_peeking_fixed=false_fixed / runs,
        units=units,
    )


def _design(
    rng: np.random.Generator, alpha: float, power: float
) -> tuple[float, float, int, float]:
    """One campaign's design as the module docstring says: control rate, treated share, the
    planned units and the true lift."""
    p0 = float(rng.uniform(0.03, 0.50))
    mde = p0 * float(rng.uniform(0.15, 0.50))
    share = float(SHARES[int(rng.integers(len(SHARES)))])
    size = two_proportion_sample_size(
        p0, mde, alpha=alpha, power=power, control_per_treated=(1.0 - share) / share
    )
    lift = min(mde * float(rng.uniform(0.0, 1.5)), 1.0 - p0)
    return p0, share, size.total, lift


def _simulate_launched(
    rngs: list[np.random.Generator],
    *,
    alpha: float,
    power: float,
    progress: Callable[[int, int], None] | None,
) -> SimulationResult:
    """The ``campaign`` scenario: members present at launch, conversions arriving."""
    runs = len(rngs)
    covered = covered_fixed = false_sequential = false_fixed = 0
    units = 0
    for i, rng in enumerate(rngs):
        p0, share, n, lift = _design(rng, alpha, power)
        runtime = int(rng.integers(30, 91))
        mean_delay = float(rng.uniform(2.0, 20.0))
        treated = rng.random(n) < share
        u = rng.random(n)
        delay = rng.exponential(mean_delay, n)
        converts = u < p0 + lift * treated
        converts0 = u < p0
        days = np.arange(0, runtime + 1, dtype=np.float64)
        share_by_day = 1.0 - np.exp(-(days + 1.0) / mean_delay)  # converted by the end of day d
        all_in = np.array([n], dtype=np.int64)
        ever_out0 = ever_out_fixed0 = False
        ever_ok = True
        for d, f in zip(days, share_by_day, strict=True):
            by_day = delay < d + 1.0
            y = (converts & by_day).astype(np.float64)
            y0 = (converts0 & by_day).astype(np.float64)
            if min(y[treated].sum(), y[~treated].sum(), y0[treated].sum(), y0[~treated].sum()) < 1:
                continue
            cs = confidence_sequence(y, treated, share, alpha=alpha, looks=all_in)
            truth = lift * float(f)
            ever_ok &= bool(cs.low[0] <= truth <= cs.high[0])
            cs0 = confidence_sequence(y0, treated, share, alpha=alpha, looks=all_in)
            ever_out0 |= bool(cs0.low[0] > 0.0 or cs0.high[0] < 0.0)
            _, low0, high0 = neyman_at(y0, treated, all_in)
            ever_out_fixed0 |= bool(low0[0] > 0.0 or high0[0] < 0.0)
        final = (converts & (delay < runtime + 1.0)).astype(np.float64)
        _, low, high = neyman_at(final, treated, all_in)
        truth_end = lift * float(share_by_day[-1])
        covered_fixed += bool(low[0] <= truth_end <= high[0])
        covered += ever_ok
        false_sequential += ever_out0
        false_fixed += ever_out_fixed0
        units += n
        if progress is not None:
            progress(i + 1, runs)
    return SimulationResult(
        runs=runs,
        coverage=covered / runs,
        coverage_fixed_horizon=covered_fixed / runs,
        false_positive_rate_peeking=false_sequential / runs,
        false_positive_rate_peeking_fixed=false_fixed / runs,
        units=units,
    )
