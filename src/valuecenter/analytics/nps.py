"""The Net Promoter Score and its interval, by group; eNPS against customer NPS (issue 20).

**The score** (Reichheld 2003; seed 002). A respondent answers "How likely is it that you
would recommend us to a friend or colleague?" on 0–10: 9–10 is a *promoter*, 7–8 a *passive*,
0–6 a *detractor*. With ``P``, ``A``, ``D`` promoters, passives and detractors among
``n = P + A + D`` answers, ``NPS = P/n − D/n``, a share between −1 and 1 (×100 for display).

**Its variance.** The counts are one multinomial draw, so with ``p_P = P/n`` and ``p_D = D/n``
the estimate's variance is ``Var(NPS) = (p_P + p_D − (p_P − p_D)²) / n``: one answer scores
+1, 0 or −1, its mean is ``p_P − p_D`` and its second moment ``p_P + p_D``.

**The 95% interval** — three methods, all compared by Rocks (2016), "Interval Estimation for
the 'Net Promoter Score'", *The American Statistician* 70(4), 365–372 (arXiv:1601.07235), who
found the adjusted Wald and the iterative score interval the best of them:

- ``wald``: ``NPS ± z·√Var(NPS)``. Too narrow in small samples (zero width when every answer
  falls in one category) — kept for comparison and for readers who expect it.
- ``adjusted_wald``: the same formula after adding pseudo-observations ¾ detractor,
  1½ passive and ¾ promoter (3 in all) to the counts — the weights of the author's R package
  ``NPS`` (``nps_test(test = "adjusted.wald")``, default
  ``pseudo_observations = c(0.75, 1.50, 0.75)``), the Agresti–Coull idea carried over to the
  trinomial. The interval is centred on the adjusted score ``(P − D)/(n + 3)``; the reported
  point estimate stays the plain NPS. With one answer it misses the estimate itself.
- ``score`` (**the default**): Tango's (1998) score interval for a difference of two
  proportions of one multinomial (Statistics in Medicine 17, 891–908; the package's
  ``"iterative"``): every ``Δ`` whose score statistic ``(P − D − nΔ) / √(n(2q̃ + Δ(1 − Δ)))``
  stays within ``±z``, with ``q̃`` the detractor share's maximum likelihood under
  ``p_P − p_D = Δ`` (the positive root of ``2n·q² + (−P − D + (2n − P + D)Δ)·q − DΔ(1 − Δ) = 0``).
  Solved with Brent's method. Without passives it is Wilson's interval for the promoter share,
  mapped to ``2p − 1``.

The limits are clipped to [−1, 1]. :func:`exact_coverage` enumerates every outcome of the
trinomial to give a method's true coverage at a given ``n`` and ``(p_P, p_D)``; docs/service.md
lists the figures behind the default: at n = 30 the score and adjusted Wald intervals both keep
≥ 0.94 where every category holds ≥ 5% (the Wald interval drops to 0.88); at n = 10 and where a
category is empty in the population the score interval holds up better (worst 0.93 against
0.87 for the adjusted Wald).

**Two groups**: :func:`nps_difference` — ``NPS_a − NPS_b`` of two independent samples with the
Wald standard error ``√(Var_a + Var_b)``, after the same pseudo-observations in each group for
``adjusted_wald`` (its default, as the R package does for its two-sample test; the score
interval has no two-sample form here).

**eNPS against customer NPS**: the employees' NPS of each team (the same score on the question
"… recommend working here …") beside the customers' NPS of the team; :func:`team_correlation`
gives Pearson's r over the teams with Fisher's z interval ``tanh(atanh r ± z/√(k − 3))``
(Fisher 1921), refused below 4 teams. Each team's two scores are themselves estimates: their
sampling noise pulls r toward 0 (attenuation), which the interval does not show.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats  # type: ignore[import-untyped]

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

Method = Literal["score", "adjusted_wald", "wald"]
METHODS: tuple[Method, ...] = ("score", "adjusted_wald", "wald")
DEFAULT_METHOD: Method = "score"
"""The default interval of one NPS: the best coverage (docs/service.md)."""
DIFFERENCE_METHOD: Method = "adjusted_wald"
"""The default interval of the difference of two NPS."""

PROMOTER_FROM = 9
"""The lowest promoter answer (9 and 10 promote)."""
DETRACTOR_TO = 6
"""The highest detractor answer (0 to 6 detract)."""
PSEUDO_OBSERVATIONS = (0.75, 1.5, 0.75)
"""Added to (detractors, passives, promoters) by the adjusted Wald interval (Rocks 2016)."""
MIN_TEAMS = 4
"""Fisher's z interval needs k − 3 ≥ 1."""


@dataclass(frozen=True)
class NpsCounts:
    """The answers of one sample in the three categories."""

    promoters: int
    passives: int
    detractors: int

    def __post_init__(self) -> None:
        if min(self.promoters, self.passives, self.detractors) < 0:
            raise InputError(N_("counts: promoters, passives and detractors cannot be negative"))

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float:
        """``P/n − D/n`` (−1…1); NaN without answers."""
        return (self.promoters - self.detractors) / self.n if self.n else math.nan


@dataclass(frozen=True)
class NpsEstimate:
    """The NPS of one sample (shares, −1…1) with its interval."""

    counts: NpsCounts
    nps: float
    variance: float  # Var(NPS) = (p_P + p_D − NPS²) / n
    ci: tuple[float, float]
    method: Method
    confidence: float

    def as_json(self) -> dict[str, object]:
        """The figures a report shows: the score and its interval on the −100…100 scale."""
        c = self.counts
        return {
            "n": c.n,
            "nps": round(100 * self.nps, 2),
            "ci95": [round(100 * self.ci[0], 2), round(100 * self.ci[1], 2)],
            "promoters": c.promoters,
            "passives": c.passives,
            "detractors": c.detractors,
        }


@dataclass(frozen=True)
class NpsDifference:
    """``NPS_a − NPS_b`` of two independent samples (shares, −2…2) with its interval."""

    a: NpsCounts
    b: NpsCounts
    difference: float
    standard_error: float
    ci: tuple[float, float]
    method: Method
    confidence: float


@dataclass(frozen=True)
class Correlation:
    """Pearson's r of two per-team series with Fisher's z interval."""

    r: float
    ci: tuple[float, float]
    teams: int
    p_value: float
    confidence: float
    unpaired: tuple[Hashable, ...] = ()  # teams with only one of the two scores, left out


def _z(confidence: float) -> float:
    if not 0.5 <= confidence < 1:
        raise InputError(N_("confidence: must be at least 0.5 and below 1"))
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _method(method: str) -> Method:
    for known in METHODS:
        if method == known:
            return known
    raise InputError(
        N_("method: '%(method)s' is not one of %(choices)s"),
        method=method,
        choices=", ".join(METHODS),
    )


def count_scores(scores: npt.ArrayLike) -> NpsCounts:
    """Promoters, passives and detractors among ``scores`` (whole numbers 0–10; anything else
    is an :class:`InputError` — a front door sorts out bad answers first and counts them)."""
    values = np.asarray(scores, dtype=np.float64).ravel()
    bad = ~np.isfinite(values) | (values < 0) | (values > 10) | (values != np.round(values))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            N_("scores: answer %(position)s is %(value)s, not a whole number from 0 to 10"),
            position=first + 1,
            value=values[first],
        )
    promoters = int((values >= PROMOTER_FROM).sum())
    detractors = int((values <= DETRACTOR_TO).sum())
    return NpsCounts(promoters, len(values) - promoters - detractors, detractors)


def nps_variance(counts: NpsCounts) -> float:
    """``Var(NPS) = (p_P + p_D − (p_P − p_D)²) / n`` of the multinomial estimate."""
    n = counts.n
    if n == 0:
        raise InputError(N_("scores: no answers, so no NPS"))
    p, d = counts.promoters / n, counts.detractors / n
    return max(p + d - (p - d) ** 2, 0.0) / n


def _clip(lo: float, hi: float, bound: float = 1.0) -> tuple[float, float]:
    return max(-bound, lo), min(bound, hi)


def wald_interval(counts: NpsCounts, confidence: float = 0.95) -> tuple[float, float]:
    """``NPS ± z·√Var(NPS)``, clipped to [−1, 1]."""
    half = _z(confidence) * math.sqrt(nps_variance(counts))
    return _clip(counts.nps - half, counts.nps + half)


def _adjusted(counts: NpsCounts) -> tuple[float, float, float]:
    """(promoters, passives, detractors) with the pseudo-observations added."""
    d, a, p = PSEUDO_OBSERVATIONS
    return counts.promoters + p, counts.passives + a, counts.detractors + d


def _adjusted_moments(counts: NpsCounts) -> tuple[float, float]:
    """The adjusted score ``(P − D)/(n + 3)`` and its Wald variance on the adjusted counts."""
    p, a, d = _adjusted(counts)
    n = p + a + d
    centre = (p - d) / n
    return centre, max(p / n + d / n - centre**2, 0.0) / n


def adjusted_wald_interval(counts: NpsCounts, confidence: float = 0.95) -> tuple[float, float]:
    """The Wald interval on the counts plus ¾ detractor, 1½ passive, ¾ promoter (Rocks 2016),
    centred on ``(P − D)/(n + 3)``, clipped to [−1, 1]. Defined for n = 0 too (then it is wide:
    it is the pseudo-observations' interval)."""
    centre, variance = _adjusted_moments(counts)
    half = _z(confidence) * math.sqrt(variance)
    return _clip(centre - half, centre + half)


def _score_gap(counts: NpsCounts, delta: float, z: float, side: int) -> float:
    """``(P − D − nΔ) + side·z·se(Δ)``: zero at the score interval's limits (``side`` +1 for
    the upper, −1 for the lower); continuous on [−1, 1], so Brent's method finds its root."""
    n, b, c = counts.n, counts.detractors, counts.promoters
    big_a = 2.0 * n
    big_b = -b - c + (2.0 * n - c + b) * delta
    big_c = -b * delta * (1.0 - delta)
    q = (math.sqrt(max(big_b * big_b - 4.0 * big_a * big_c, 0.0)) - big_b) / (2.0 * big_a)
    se = math.sqrt(max(n * (2.0 * q + delta * (1.0 - delta)), 0.0))
    return (c - b - n * delta) + side * z * se


def score_interval(counts: NpsCounts, confidence: float = 0.95) -> tuple[float, float]:
    """Tango's (1998) score interval: the ``Δ`` whose score statistic lies within ±z."""
    n = counts.n
    if n == 0:
        raise InputError(N_("scores: no answers, so no NPS"))
    z = _z(confidence)
    nps = counts.nps
    # With every answer in one category the statistic is 0/0 at the estimate itself; the root
    # next to it is the limit, so the search starts a hair away from it.
    step = 1e-9 if nps_variance(counts) == 0 else 0.0
    if counts.promoters == n:
        hi = 1.0
    else:
        hi = float(optimize.brentq(lambda x: _score_gap(counts, x, z, 1), nps + step, 1.0))
    if counts.detractors == n:
        lo = -1.0
    else:
        lo = float(optimize.brentq(lambda x: _score_gap(counts, x, z, -1), -1.0, nps - step))
    return _clip(lo, hi)


def interval(
    counts: NpsCounts, method: str = DEFAULT_METHOD, confidence: float = 0.95
) -> tuple[float, float]:
    """The NPS interval by ``method`` (``score``, ``adjusted_wald`` or ``wald``)."""
    chosen = _method(method)
    if counts.n == 0:
        raise InputError(N_("scores: no answers, so no NPS"))
    if chosen == "wald":
        return wald_interval(counts, confidence)
    if chosen == "adjusted_wald":
        return adjusted_wald_interval(counts, confidence)
    return score_interval(counts, confidence)


def estimate(
    counts: NpsCounts, method: str = DEFAULT_METHOD, confidence: float = 0.95
) -> NpsEstimate:
    """The NPS of ``counts`` with its variance and interval."""
    chosen = _method(method)
    ci = interval(counts, chosen, confidence)
    return NpsEstimate(counts, counts.nps, nps_variance(counts), ci, chosen, confidence)


def nps_of_scores(
    scores: npt.ArrayLike, method: str = DEFAULT_METHOD, confidence: float = 0.95
) -> NpsEstimate:
    """The NPS of the answers ``scores`` (whole numbers 0–10)."""
    return estimate(count_scores(scores), method, confidence)


def nps_by_group(
    scores: npt.ArrayLike,
    groups: Sequence[Hashable] | npt.NDArray[np.object_],
    method: str = DEFAULT_METHOD,
    confidence: float = 0.95,
) -> list[tuple[Hashable, NpsEstimate]]:
    """The NPS of each group (segment, channel, reason, agent, team: one label per answer),
    in the order of the groups' labels as text (labels with the same text are one group),
    the answers without a label (None) last; eNPS per team is the same call on the
    employees' answers."""
    values = np.asarray(scores, dtype=np.float64).ravel()
    labels = list(groups)
    if len(labels) != len(values):
        raise InputError(
            N_("groups: needs one label per answer (%(answers)s), got %(labels)s"),
            answers=len(values),
            labels=len(labels),
        )
    count_scores(values)  # refuses bad answers, naming the first
    missing = np.fromiter((g is None for g in labels), dtype=bool, count=len(labels))
    named = np.flatnonzero(~missing)
    texts = np.array([str(labels[i]) for i in named], dtype=object)
    keys, first, inverse = np.unique(texts.astype(str), return_index=True, return_inverse=True)
    code = np.full(len(values), len(keys), dtype=np.int64)  # None: the last group
    code[named] = inverse
    groups_n = len(keys) + int(missing.any())
    category = (values >= PROMOTER_FROM).astype(np.int64) - (values <= DETRACTOR_TO)
    table = np.bincount(code * 3 + category + 1, minlength=3 * groups_n).reshape(groups_n, 3)
    found: list[Hashable] = [labels[int(named[i])] for i in first]
    if missing.any():
        found.append(None)
    return [
        (label, estimate(NpsCounts(int(p), int(a), int(d)), method, confidence))
        for label, (d, a, p) in zip(found, table, strict=True)
    ]


def nps_difference(
    a: NpsCounts, b: NpsCounts, method: str = DIFFERENCE_METHOD, confidence: float = 0.95
) -> NpsDifference:
    """``NPS_a − NPS_b`` of two independent samples, ``± z·√(Var_a + Var_b)``; for
    ``adjusted_wald`` both the centre and the variances are those of the adjusted counts
    (``score`` has no two-sample form here: it is refused)."""
    chosen = _method(method)
    if chosen == "score":
        raise InputError(N_("method: the score interval is for one sample; use adjusted_wald"))
    if a.n == 0 or b.n == 0:
        raise InputError(N_("scores: each group needs at least one answer"))
    z = _z(confidence)
    difference = a.nps - b.nps
    if chosen == "wald":
        centre, variance = difference, nps_variance(a) + nps_variance(b)
    else:
        centre_a, var_a = _adjusted_moments(a)
        centre_b, var_b = _adjusted_moments(b)
        centre, variance = centre_a - centre_b, var_a + var_b
    se = math.sqrt(variance)
    lo, hi = _clip(centre - z * se, centre + z * se, bound=2.0)
    return NpsDifference(a, b, difference, se, (lo, hi), chosen, confidence)


def correlation(x: npt.ArrayLike, y: npt.ArrayLike, confidence: float = 0.95) -> Correlation:
    """Pearson's r of two per-team series (say eNPS and customer NPS) with Fisher's z interval
    ``tanh(atanh(r) ± z/√(k − 3))`` over ``k`` teams; refused below :data:`MIN_TEAMS` teams or
    when a series does not vary."""
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    if len(xs) != len(ys):
        raise InputError(
            N_("teams: needs two scores per team, got %(x)s and %(y)s"), x=len(xs), y=len(ys)
        )
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise InputError(N_("teams: every team needs both scores as numbers"))
    k = len(xs)
    if k < MIN_TEAMS:
        raise InputError(
            N_(
                "teams: %(teams)s teams are too few for a correlation interval: Fisher's z "
                "needs at least %(least)s (its standard error is 1/√(teams − 3))"
            ),
            teams=k,
            least=MIN_TEAMS,
        )
    if np.ptp(xs) == 0 or np.ptp(ys) == 0:
        raise InputError(N_("teams: one of the two scores is the same for every team"))
    z = _z(confidence)
    result = stats.pearsonr(xs, ys)
    r = float(np.clip(result.statistic, -1.0, 1.0))
    if abs(r) == 1.0:
        ci = (r, r)
    else:
        centre, half = math.atanh(r), z / math.sqrt(k - 3)
        ci = (math.tanh(centre - half), math.tanh(centre + half))
    return Correlation(r, ci, k, float(result.pvalue), confidence)


def team_correlation(
    enps: Mapping[Hashable, float], nps: Mapping[Hashable, float], confidence: float = 0.95
) -> Correlation:
    """:func:`correlation` of the teams' eNPS and customer NPS, paired by team; a team with
    only one of the two is left out and named in ``unpaired``."""
    both = sorted(set(enps) & set(nps), key=str)
    unpaired = tuple(sorted(set(enps) ^ set(nps), key=str))
    found = correlation([enps[t] for t in both], [nps[t] for t in both], confidence)
    return Correlation(found.r, found.ci, found.teams, found.p_value, confidence, unpaired)


def _outcomes(n: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every (promoters, detractors) of ``n`` answers."""
    promoters, detractors = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = promoters + detractors <= n
    return promoters[keep].astype(np.int64), detractors[keep].astype(np.int64)


def outcome_intervals(
    method: str, n: int, confidence: float = 0.95
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Every outcome of ``n`` answers — (promoters, detractors) — with its interval by
    ``method`` (rows of ``[lo, hi]``): the table :func:`exact_coverage` sums over."""
    chosen = _method(method)
    promoters, detractors = _outcomes(n)
    limits = np.array(
        [
            interval(NpsCounts(int(p), n - int(p) - int(d), int(d)), chosen, confidence)
            for p, d in zip(promoters, detractors, strict=True)
        ],
        dtype=np.float64,
    )
    return promoters, detractors, limits


def exact_coverage(
    method: str,
    n: int,
    p_promoter: float,
    p_detractor: float,
    confidence: float = 0.95,
    *,
    table: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]
    | None = None,
) -> float:
    """The true coverage of ``method`` at sample size ``n`` when the population's shares are
    ``p_promoter`` and ``p_detractor``: the probability, summed over every trinomial outcome,
    that the interval holds ``p_promoter − p_detractor``. ``table`` (from
    :func:`outcome_intervals` with the same method, n and confidence) saves recomputing the
    intervals for several shares."""
    if not (n >= 1 and p_promoter >= 0 and p_detractor >= 0 and p_promoter + p_detractor <= 1):
        raise InputError(N_("coverage: needs n ≥ 1 and shares that add up to at most 1"))
    promoters, detractors, limits = (
        table if table is not None else outcome_intervals(method, n, confidence)
    )
    passives = n - promoters - detractors
    shares = np.array([p_promoter, 1.0 - p_promoter - p_detractor, p_detractor])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pmf = special.gammaln(n + 1) + sum(
            np.where(k > 0, k * np.log(share), 0.0) - special.gammaln(k + 1)
            for k, share in zip((promoters, passives, detractors), shares, strict=True)
        )
    weight = np.exp(log_pmf)
    truth = p_promoter - p_detractor
    held = (limits[:, 0] - 1e-12 <= truth) & (truth <= limits[:, 1] + 1e-12)
    return float(weight[held].sum())


def simulated_coverage(
    method: str,
    n: int,
    p_promoter: float,
    p_detractor: float,
    *,
    runs: int,
    seed: int,
    confidence: float = 0.95,
) -> float:
    """The share of ``runs`` simulated samples of ``n`` answers whose interval holds the true
    score (a check of :func:`exact_coverage` by drawing)."""
    chosen = _method(method)
    rng = np.random.default_rng(seed)
    shares = [p_promoter, 1.0 - p_promoter - p_detractor, p_detractor]
    draws = rng.multinomial(n, shares, size=runs)
    truth = p_promoter - p_detractor
    hits = 0
    for promoters, passives, detractors in draws:
        lo, hi = interval(
            NpsCounts(int(promoters), int(passives), int(detractors)), chosen, confidence
        )
        hits += lo - 1e-12 <= truth <= hi + 1e-12
    return hits / runs
