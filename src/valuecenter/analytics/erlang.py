"""Agents needed per interval: Erlang C (M/M/n) and Erlang A (M/M/n+M), vectorised (issue 21).

**The queue.** Calls arrive as a Poisson stream of rate ``λ`` (calls per second), each is
handled in an exponential time of mean ``AHT = 1/μ`` by one of ``n`` agents, in order of
arrival. The offered load is ``A = λ·AHT`` Erlangs (calls in the interval × AHT ÷ interval
length); the agents' occupancy is the carried load ÷ ``n``.

**Erlang C** (no abandonment; Gans, Koole & Mandelbaum 2003, "Telephone call centers:
tutorial, review, and research prospects", *Manufacturing & Service Operations Management*
5(2), 79–141, §4.1). With Erlang's loss formula ``B(n, A)`` (computed by the recursion
``B(k) = A·B(k−1) / (k + A·B(k−1))`` or, for one ``n``, as the Poisson ratio
``pmf(n; A) / cdf(n; A)`` from :func:`scipy.special.pdtr` in log space, so no factorial ever
overflows), for ``n > A``:

- ``P(wait) = C(n, A) = n·B / (n − A·(1 − B))``;
- service level (answered within ``T``) ``= 1 − C·exp(−(n − A)·T / AHT)``;
- ASA ``= C·AHT / (n − A)``; occupancy ``= A / n``.

With ``n ≤ A`` the queue grows without bound: ``P(wait) = 1``, service level 0, ASA infinite.

**Erlang A** (exponential patience of mean ``1/θ``; Garnett, Mandelbaum & Reiman 2002,
"Designing a call center with impatient customers", *M&SOM* 4(3), 208–227; the formulas of
Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of performance measures", Technion note,
and Zeltyn's thesis, for exponential patience). With ``x = nμ/θ``, ``y = λ/θ``,
``ρ = λ/(nμ)`` and Kummer's function ``S(x, y) = ₁F₁(1; x+1; y) = Σ_k y^k / ((x+1)…(x+k))
= x·e^y·y^(−x)·γ(x, y)`` (``γ`` the lower incomplete gamma; the waiting states' weights of
the birth–death chain add up to it):

- ``P(wait) = S·B / (1 + (S − 1)·B)`` (B = Erlang B of ``n`` agents);
- ``P(abandon | wait > t) = 1 − (S_t − 1)/(ρ_t·S_t)`` with ``y_t = y·e^(−θt)``,
  ``ρ_t = ρ·e^(−θt)``, ``S_t = S(x, y_t)``; ``P(abandon) = P(wait)·P(abandon | wait > 0)``;
- ``P(W > t) = P(wait)·exp(−(nμ + θ)t + y(1 − e^(−θt)))·S_t / S`` (``W`` the time a call
  waits, up to its answer or its abandonment);
- service level, abandoned calls counted as failures (answered within ``T`` ÷ offered):
  ``1 − P(abandon) − P(W > T)·(1 − P(abandon | W > T))``;
- ASA ``= E[W] = P(abandon)/θ`` (Little's law: ``θ·E[queue] = λ·P(abandon)``): the mean
  wait of every offered call, the abandoned ones up to their abandonment; it tends to Erlang
  C's ASA as patience grows;
- occupancy ``= ρ·(1 − P(abandon))`` (the carried load ÷ ``n``).

``S`` comes from :func:`scipy.special.gammainc` in log space; where ``γ`` underflows (``y``
far below ``x``: long patience, many idle agents) or ``y < 1``, from its series, which then
converges quickly. The formulas were checked against the chain's matrix exponential and
the discrete-event simulation of :mod:`valuecenter.analytics.queue_simulation` (tests).

**Sizing**: the smallest ``n`` (``> A`` for Erlang C) whose service level reaches the target
and, if given, whose occupancy stays at or below the cap; then the agents to schedule,
``⌈n / (1 − shrinkage)⌉`` (computed so that 14 / 0.7 gives 20, not 21). An interval
without calls needs no agent. Erlang C's search starts at Halfin & Whitt's square-root
staffing ``n ≈ A + β·√A`` and steps by Erlang B's recursion to the smallest ``n`` (checked
against ``n − 1``); for many intervals Erlang B at the start comes from a Taylor series
around nodes shared by neighbouring loads, and whole-number calls are sized once per
distinct count.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped]

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

MAX_TRAFFIC_ERLANGS = 100_000.0
"""The largest offered load of one interval: beyond it the input is surely wrong."""
MAX_INTERVALS = 10_000_000
"""The most intervals of one call."""
MAX_PATIENCE_SECONDS = 1e7
"""The longest mean patience (about 116 days): longer is Erlang C."""
_RELATIVE = 1e-12
"""Float tolerance of the integer boundaries (14 / 0.7 is 20.000000000000004)."""
_TINY = 1e-280
"""Below this an incomplete gamma ratio is computed by its series instead."""
_BLOCK = 16
"""Series terms computed per step."""


@dataclass(frozen=True)
class Metrics:
    """The queue's figures for a given number of agents, each an array of the input's shape.

    ``abandon_rate`` is None for Erlang C (no abandonment)."""

    traffic_erlangs: Floats
    agents: Ints
    service_level: Floats
    p_wait: Floats
    asa_seconds: Floats
    occupancy: Floats
    abandon_rate: Floats | None


@dataclass(frozen=True)
class Sizing:
    """The agents each interval needs and the figures they reach, arrays of the input's
    shape (float64; ``agents`` and ``agents_with_shrinkage`` int64); ``abandon_rate`` is None
    for Erlang C."""

    traffic_erlangs: Floats
    agents: Ints
    service_level: Floats
    p_wait: Floats
    asa_seconds: Floats
    occupancy: Floats
    agents_with_shrinkage: Ints
    abandon_rate: Floats | None


# --- input ---------------------------------------------------------------------------------


def _finite(value: npt.ArrayLike, field: str) -> Floats:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(N_("%(field)s: must be numbers"), field=field) from None
    if not np.all(np.isfinite(array)):
        raise InputError(N_("%(field)s: must be finite numbers"), field=field)
    return array


def _scalar(value: float, field: str) -> float:
    array = _finite(value, field)
    if array.ndim != 0:
        raise InputError(N_("%(field)s: must be one number"), field=field)
    return float(array)


def _check_size(array: npt.NDArray[np.generic], field: str) -> None:
    if array.size > MAX_INTERVALS:
        raise InputError(
            N_("%(field)s: at most %(max)s intervals at once"), field=field, max=MAX_INTERVALS
        )


def _check_traffic(traffic: Floats) -> None:
    if np.any(traffic < 0):
        raise InputError(N_("traffic: cannot be negative"))
    if np.any(traffic > MAX_TRAFFIC_ERLANGS):
        raise InputError(
            N_("traffic: at most %(max)s Erlangs per interval"), max=int(MAX_TRAFFIC_ERLANGS)
        )


def _check_aht(aht: Floats) -> None:
    if np.any(aht <= 0):
        raise InputError(N_("aht_seconds: must be > 0"))


def _check_target(target_seconds: float) -> float:
    target = _scalar(target_seconds, "target_seconds")
    if target < 0:
        raise InputError(N_("target_seconds: cannot be negative"))
    return target


def _check_patience(patience_seconds: float) -> float:
    patience = _scalar(patience_seconds, "patience_seconds")
    if not 0 < patience <= MAX_PATIENCE_SECONDS:
        raise InputError(
            N_("patience_seconds: must be > 0 and at most %(max)s"),
            max=int(MAX_PATIENCE_SECONDS),
        )
    return patience


def _agents(agents: npt.ArrayLike) -> Ints:
    array = _finite(agents, "agents")
    if np.any(array < 0) or np.any(array != np.round(array)):
        raise InputError(N_("agents: must be whole numbers ≥ 0"))
    if np.any(array > 10 * MAX_TRAFFIC_ERLANGS):
        raise InputError(N_("agents: at most %(max)s"), max=int(10 * MAX_TRAFFIC_ERLANGS))
    return array.astype(np.int64)


# --- the special functions -----------------------------------------------------------------


def _series(ratio: Callable[[Floats], Floats], rows: int) -> Floats:
    """``Σ_{k≥0} Π_{i=1..k} r_i`` per row, ``ratio(i)`` giving the ``(rows, len(i))`` ratios
    ``r_i``, which must fall below 1 and keep falling (so the terms decrease)."""
    total = np.ones(rows)
    last = np.ones(rows)
    start = 1
    while True:
        steps = np.arange(start, start + _BLOCK, dtype=np.float64)
        terms = last[:, None] * np.cumprod(ratio(steps), axis=1)
        total += terms.sum(axis=1)
        last = terms[:, -1]
        start += _BLOCK
        if np.all(last <= 1e-17 * total):
            return total


def _log_poisson(n: Floats, a: Floats) -> Floats:
    """``log pmf(n; a)`` of the Poisson law, ``n ≥ 0`` whole, ``a > 0``, in Loader's
    saddle-point form (C. Loader 2000, "Fast and accurate computation of binomial
    probabilities"; R's ``dpois``): ``−stirlerr(n) − ½·log(2πn) − (n·log(n/a) + a − n)``.
    ``n·log a − a − log n!`` would lose about ``n·log a`` ulps: 1e-10 at 100,000 Erlangs."""
    whole = np.maximum(n, 1.0)
    inverse2 = 1 / whole**2
    poly = np.zeros(whole.shape)
    for coefficient in _STIRLING:
        poly = poly * inverse2 + coefficient
    stirlerr = poly / whole
    small = whole < 15
    if np.any(small):
        w = whole[small]
        stirlerr[small] = special.gammaln(w + 1) - (w + 0.5) * np.log(w) + w - _HALF_LOG_2PI
    log_ratio = np.log1p((whole - a) / a)  # log(n/a), its digits kept where n ≈ a
    far = np.abs(whole - a) >= 0.5 * a
    if np.any(far):
        log_ratio[far] = np.log(whole[far] / a[far])
    deviance = whole * log_ratio + (a - whole)  # n·log(n/a) + a − n ≥ 0
    log_pmf = -stirlerr - 0.5 * np.log(2 * math.pi * whole) - deviance
    none = n == 0
    if np.any(none):
        log_pmf[none] = -a[none]
    return np.asarray(log_pmf, dtype=np.float64)


_STIRLING = (1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12)
"""``stirlerr(n) = log n! − (n + ½)·log n + n − ½·log 2π ≈ 1/(12n) − 1/(360n³) + …`` (highest
power first), to 1e-16 from ``n = 15``; below, from ``log n!``."""
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def erlang_b(traffic: Floats, agents: Floats) -> Floats:
    """Erlang's loss formula ``B(n, A)`` for ``n ≥ 0``, ``A > 0``: ``pmf(n; A) / cdf(n; A)``
    of the Poisson law in log space; where the cdf underflows (``n`` far below ``A``),
    ``1/B = Σ_j n!/((n−j)!·A^j)``, a series that then converges quickly."""
    traffic, agents = np.broadcast_arrays(traffic, agents)
    log_pmf = _log_poisson(agents, traffic)
    cdf = special.pdtr(agents, traffic)
    ok = cdf > _TINY
    with np.errstate(divide="ignore"):
        result = np.exp(log_pmf - np.log(np.where(ok, cdf, 1.0)))
    if not np.all(ok):
        a, n = traffic[~ok], agents[~ok]
        inverse = _series(
            lambda i: np.maximum(n[:, None] - i[None, :] + 1, 0.0) / a[:, None], len(a)
        )
        result[~ok] = 1.0 / inverse
    return np.asarray(np.minimum(result, 1.0), dtype=np.float64)


def kummer(x: Floats, y: Floats) -> tuple[Floats, Floats]:
    """``log S`` and ``(S − 1)/(y·S)`` of ``S = ₁F₁(1; x+1; y) = x·e^y·y^(−x)·γ(x, y)`` for
    ``x > 0``, ``y ≥ 0`` (Mandelbaum & Zeltyn's ``A(x, y)`` of Erlang A; ``S`` overflows when
    ``y ≫ x``, so its log): from the regularised incomplete gamma in log space or, where that
    underflows or ``y < 1``, from the series ``(S − 1)/y = Σ_k y^k / ((x+1)…(x+k+1))``."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    log_s = np.zeros(x.shape)
    ratio = np.zeros(x.shape)
    big = y >= 1.0
    p = np.zeros(x.shape)
    p[big] = special.gammainc(x[big], y[big])
    gamma_route = big & (p > _TINY)
    if np.any(gamma_route):
        xs, ys = x[gamma_route], y[gamma_route]
        logs = special.gammaln(xs + 1) + np.log(p[gamma_route]) + ys - xs * np.log(ys)
        log_s[gamma_route] = logs
        ratio[gamma_route] = -np.expm1(-logs) / ys
    rest = ~gamma_route
    if np.any(rest):
        xs, ys = x[rest], y[rest]
        tail = _series(lambda i: ys[:, None] / (xs[:, None] + 1 + i[None, :]), len(xs))
        d = tail / (xs + 1)
        log_s[rest] = np.log1p(ys * d)
        ratio[rest] = d / (1 + ys * d)
    return log_s, ratio


# --- the figures for given agents ------------------------------------------------------------


def _erlang_c(
    traffic: Floats, agents: Ints, aht: Floats, target: float, loss: Floats | None = None
) -> Metrics:
    """Erlang C's figures; ``loss``: Erlang B of these agents, when already known."""
    n = agents.astype(np.float64)
    shape = traffic.shape
    p_wait = np.ones(shape)
    service = np.zeros(shape)
    asa = np.full(shape, np.inf)
    occupancy = np.ones(shape)
    idle = traffic == 0
    p_wait[idle], service[idle], asa[idle], occupancy[idle] = 0.0, 1.0, 0.0, 0.0
    stable = ~idle & (n > traffic)
    if np.any(stable):
        a, k, h = traffic[stable], n[stable], aht[stable]
        b = erlang_b(a, k) if loss is None else loss[stable]
        figures = _erlang_c_stable(a, k, h, target, b)
        p_wait[stable], service[stable], asa[stable], occupancy[stable] = figures
    return Metrics(traffic, agents, service, p_wait, asa, occupancy, None)


def _erlang_a(
    traffic: Floats, agents: Ints, aht: Floats, target: float, patience: float
) -> Metrics:
    n = agents.astype(np.float64)
    shape = traffic.shape
    p_wait = np.zeros(shape)
    service = np.ones(shape)
    asa = np.zeros(shape)
    occupancy = np.zeros(shape)
    abandon = np.zeros(shape)
    nobody = (traffic > 0) & (n == 0)  # every call waits and abandons
    p_wait[nobody], service[nobody], abandon[nobody], asa[nobody] = 1.0, 0.0, 1.0, patience
    live = (traffic > 0) & (n > 0)
    if np.any(live):
        a, k, h = traffic[live], n[live], aht[live]
        sl, pw, ab, occ = _erlang_a_core(a, k, h, target, patience)
        service[live], p_wait[live], abandon[live], occupancy[live] = sl, pw, ab, occ
        asa[live] = ab * patience
    return Metrics(traffic, agents, service, p_wait, asa, occupancy, abandon)


def _erlang_a_core(
    a: Floats, k: Floats, h: Floats, target: float, patience: float
) -> tuple[Floats, Floats, Floats, Floats]:
    """(service level, P(wait), P(abandon), occupancy) of ``k ≥ 1`` agents, load ``a > 0``."""
    x = k * patience / h  # nμ/θ
    y = a * patience / h  # λ/θ
    u = target / patience  # θT
    b = erlang_b(a, k)
    log_s, ratio = kummer(x, y)
    p_wait = b / (b + (1 - b) * np.exp(-log_s))  # S·B / (1 + (S − 1)·B)
    abandon = p_wait * np.clip(1 - x * ratio, 0.0, 1.0)
    log_s_t, ratio_t = kummer(x, y * math.exp(-u))
    served_after = np.clip(x * ratio_t, 0.0, 1.0)  # P(answered | still waiting at T)
    exponent = -(x + 1) * u - y * math.expm1(-u) + log_s_t - log_s
    late = p_wait * np.exp(np.minimum(exponent, 0.0))  # P(W > T)
    service = np.clip(1 - abandon - late * served_after, 0.0, 1.0)
    occupancy = (a / k) * (1 - abandon)
    return service, np.clip(p_wait, 0.0, 1.0), abandon, occupancy


def _load(
    traffic: npt.ArrayLike, agents: npt.ArrayLike, aht: npt.ArrayLike
) -> tuple[Floats, Ints, Floats]:
    a = _finite(traffic, "traffic")
    h = _finite(aht, "aht_seconds")
    k = _agents(agents)
    _check_traffic(a)
    _check_aht(h)
    try:
        a, k, h = np.broadcast_arrays(a, k, h)
    except ValueError:
        raise InputError(N_("agents: must have the shape of traffic")) from None
    _check_size(a, "traffic")
    return a.astype(np.float64), k.astype(np.int64), h.astype(np.float64)


def erlang_c_metrics(
    traffic: npt.ArrayLike, agents: npt.ArrayLike, aht: npt.ArrayLike, target: float
) -> Metrics:
    """Erlang C's figures (Gans, Koole & Mandelbaum 2003) of ``agents`` for an offered load of
    ``traffic`` Erlangs with handling time ``aht`` and answer target ``target`` (seconds);
    arrays broadcast together. ``agents ≤ traffic``: P(wait) 1, service level 0, ASA
    infinite, occupancy 1."""
    a, k, h = _load(traffic, agents, aht)
    return _erlang_c(a, k, h, _check_target(target))


def erlang_a_metrics(
    traffic: npt.ArrayLike,
    agents: npt.ArrayLike,
    aht: npt.ArrayLike,
    target: float,
    patience: float,
) -> Metrics:
    """Erlang A's figures (Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn) of
    ``agents`` for ``traffic`` Erlangs, handling time ``aht``, answer target ``target`` and
    mean patience ``patience`` (seconds). Any number of agents is stable (callers abandon);
    with none every call abandons after its patience."""
    a, k, h = _load(traffic, agents, aht)
    return _erlang_a(a, k, h, _check_target(target), _check_patience(patience))


MAX_AGENTS = 1_000_000
"""The most agents one interval may need (an occupancy cap far below the load asks for more)."""


# --- sizing --------------------------------------------------------------------------------


def _smallest_within(load: Floats, cap: float) -> Ints:
    """The smallest whole ``n`` with ``load / n ≤ cap`` (up to float noise)."""
    n = np.ceil(load / cap)
    fewer = (n - 1 > 0) & ((n - 1) * cap >= load * (1 - _RELATIVE))
    return np.where(fewer, n - 1, n).astype(np.int64)


def with_shrinkage(agents: npt.ArrayLike, shrinkage: float) -> Ints:
    """Agents to schedule so that ``agents`` are on the phones: ``⌈agents / (1 − shrinkage)⌉``,
    14 at 30% shrinkage giving 20 (14 / 0.7 is 20.000000000000004 in floats)."""
    n = np.asarray(agents, dtype=np.float64)
    if shrinkage == 0:
        return n.astype(np.int64)
    return _smallest_within(n, 1 - shrinkage)


def _square_root_staffing(a: Floats, h: Floats, target: float, level: float) -> Floats:
    """Halfin & Whitt's (1981) square-root staffing ``n ≈ A + β·√A`` for the service level:
    in their regime ``P(wait) ≈ (1 + β·Φ(β)/φ(β))^(−1)`` (Gans, Koole & Mandelbaum 2003,
    §4.1), so ``β`` solves ``ln(1 + β·Φ(β)/φ(β)) + β·√A·T/AHT = −ln(1 − SL)``, read off a
    table of ``β``. Only a guess to start the exact search from: it falls short by one
    agent in about a third of the intervals of the benchmark, never more there."""
    wanted = -math.log1p(-level)
    if wanted <= 0:
        return a
    # s(β) = (wanted − ln(1 + β·Φ/φ))/β falls as β rises: interpolate β at each √A·T/AHT.
    slope = (wanted - _LOG_HW) / _BETAS
    beta = np.interp(np.sqrt(a) * (target / h), slope[::-1], _BETAS[::-1])
    return np.asarray(a + beta * np.sqrt(a), dtype=np.float64)


_BETAS = np.linspace(1e-3, 8.0, 800)
_LOG_HW = np.log1p(_BETAS * special.ndtr(_BETAS) * math.sqrt(2 * math.pi) * np.exp(_BETAS**2 / 2))


def _erlang_b_many(a: Floats, n: Floats) -> Floats:
    """Erlang B of many loads ``a > 0`` (best sorted) at ``n`` agents around their
    square-root staffing, with few calls of the Poisson ratio (:func:`erlang_b`):

    - ``A < ½`` and at most 8 agents: the recursion ``B(k) = A·B(k−1) / (k + A·B(k−1))``
      from ``B(0) = 1``;
    - ``A ≥ ½`` and ``n`` within ``8·√A₀`` of ``A₀ = (j/64)²``, the node nearest ``√A``:
      Erlang B at the node (one per run of loads with the same node and ``n``) and the
      Taylor series of ``R = 1/B(n, ·)`` from it. ``R = cdf/pmf`` of the Poisson law, so
      ``A·R′ = (A − n)·R − A``; with ``A = A₀ + x``, ``A₀(k+1)·r_{k+1} = (A₀ − n − k)·r_k
      + r_{k−1}`` less ``A₀`` for ``k = 0`` and 1 for ``k = 1``. With ``|x| ≤ √A₀/128``
      each term is some 40 times smaller than the one before, so ten at most reach the
      float precision: it agrees with the Poisson ratio to about 1e-13, and both with
      Erlang B in exact decimals to 5e-13 up to 100,000 Erlangs (tests);
    - otherwise the Poisson ratio."""
    result = np.empty(a.shape)
    root = np.sqrt(a)
    small = root < _TAYLOR_ROOT
    few, rest = _split(small)
    if np.any(small):
        load, k = a[few], n[few]
        if k.max() <= _FEW:
            b = np.ones(load.size)
            for step in range(1, int(k.max()) + 1):
                b = np.where(step <= k, load * b / (step + load * b), b)
            result[few] = b
        else:
            result[few] = erlang_b(load, k)
    result[rest] = _taylor_b(a[rest], n[rest], np.round(root[rest] * _GRID))
    return result


def _split(mask: npt.NDArray[np.bool_]) -> tuple[slice | Ints, slice | Ints]:
    """Where ``mask`` holds and where not: two slices when it holds on a prefix (the loads
    come sorted), so no copies are taken; else two index arrays."""
    count = int(np.count_nonzero(mask))
    if not mask[count:].any():
        return slice(0, count), slice(count, None)
    return np.flatnonzero(mask), np.flatnonzero(~mask)


def _taylor_b(a: Floats, n: Floats, index: Floats) -> Floats:
    """Erlang B by the Taylor series of :func:`_erlang_b_many` around the nodes
    ``(index/64)²``, with as many terms as the largest one left out stays below 1e-17;
    where ``n`` lies more than ``8·√A₀`` from the node's load, the Poisson ratio."""
    new = np.ones(a.size, dtype=bool)  # a run with the same node and n shares it
    np.not_equal(index[1:], index[:-1], out=new[1:])
    new[1:] |= n[1:] != n[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(starts, append=a.size)
    a0, k0 = (index[starts] / _GRID) ** 2, n[starts]
    far = np.abs(k0 - a0) > _TAYLOR_BETA * np.sqrt(a0)
    if np.any(far):
        a0[far], k0[far] = 1.0, 1.0  # harmless nodes; their loads get the Poisson ratio
    b0 = erlang_b(a0, k0)
    terms = np.empty((_TAYLOR_TERMS + 1, a0.size))  # of R(A₀ + x)/R(A₀)
    terms[0] = 1.0
    terms[1] = (a0 - k0 - a0 * b0) / a0
    for order in range(1, _TAYLOR_TERMS):
        terms[order + 1] = (
            (a0 - k0 - order) * terms[order] + terms[order - 1] - (b0 if order == 1 else 0)
        ) / (a0 * (order + 1))
    reach = ((index[starts] + 0.5) / _GRID) ** 2 - a0  # the farthest load from its node
    size = np.abs(terms[:, ~far]) * reach[~far] ** np.arange(_TAYLOR_TERMS + 1)[:, None]
    last = int(np.flatnonzero(size.max(axis=1, initial=0.0) > 1e-17).max(initial=0))
    x = a - np.repeat(a0, counts)
    poly = np.repeat(terms[last], counts)
    for order in range(last - 1, -1, -1):
        poly *= x
        poly += np.repeat(terms[order], counts)
    result = np.repeat(b0, counts)
    result /= poly
    if np.any(far):
        away = np.flatnonzero(np.repeat(far, counts))
        result[away] = erlang_b(a[away], n[away])
    return result


_FEW = 8
"""Up to this many agents Erlang B comes from its recursion."""
_GRID = 64
"""Taylor nodes per unit of ``√A`` (``√A/32`` Erlangs apart)."""
_TAYLOR_ROOT = 1 / math.sqrt(2)
"""The smallest ``√A`` computed by the Taylor series (nearer 0 its radius, ``A₀``, shrinks)."""
_TAYLOR_BETA = 8.0
"""How many ``√A`` ``n`` may lie from the node's load for the Taylor series."""
_TAYLOR_TERMS = 10


def _scheduled(agents: Ints, shrinkage: float) -> Ints:
    """:func:`with_shrinkage` of many agent counts, each distinct count once by a table
    (they are few: at most the largest)."""
    if agents.size == 0 or shrinkage == 0 or agents.max() > 4 * agents.size + 1024:
        return with_shrinkage(agents, shrinkage)
    return with_shrinkage(np.arange(agents.max() + 1), shrinkage)[agents]


def _size_erlang_c(
    a: Floats, h: Floats, target: float, level: float, start: Ints
) -> tuple[Ints, Floats]:
    """The smallest ``n ≥ start`` (``start > a``) reaching ``level``, and its Erlang B.

    The search starts at the square-root staffing guess (at least ``start``); from there
    Erlang B's recursion ``B(k) = A·B(k−1) / (k + A·B(k−1))`` steps up while the target is
    missed or, solved for ``B(k−1) = k·B(k) / (A·(1 − B(k)))``, down while one agent fewer
    still meets it (never below ``start``): the guess only decides where the search
    begins, each ``n`` found is checked against ``n − 1``."""
    threshold = level - _RELATIVE
    scale = target / h
    n = np.maximum(np.ceil(_square_root_staffing(a, h, target, level)), start)
    b = _erlang_b_many(a, n)
    met = _service(a, n, b, scale) >= threshold
    up = np.flatnonzero(~met)
    while up.size:  # one agent more until the target is met
        k, load, loss = n[up] + 1, a[up], b[up]
        loss = load * loss / (k + load * loss)
        n[up], b[up] = k, loss
        up = up[_service(load, k, loss, scale[up]) < threshold]
    down = np.flatnonzero(met & (n > start))
    while down.size:  # one agent fewer while that still meets it
        k, load, loss = n[down] - 1, a[down], b[down]
        loss = (k + 1) * loss / (load * (1 - loss))
        still = _service(load, k, loss, scale[down]) >= threshold
        down = down[still]
        n[down], b[down] = k[still], loss[still]
        down = down[n[down] > start[down]]
    return n.astype(np.int64), b


def _service(a: Floats, n: Floats, b: Floats, scale: Floats) -> Floats:
    """Erlang C's service level (unclipped) of ``n > a`` agents of Erlang B ``b``;
    ``scale``: the target ÷ AHT."""
    c = n * b / (n - a * (1 - b))
    return np.asarray(1 - c * np.exp(-(n - a) * scale), dtype=np.float64)


def _erlang_c_stable(
    a: Floats, n: Floats, h: Floats, target: float, b: Floats
) -> tuple[Floats, Floats, Floats, Floats]:
    """(P(wait), service level, ASA, occupancy) of ``n > a > 0`` agents of Erlang B ``b``."""
    c = np.clip(n * b / (n - a * (1 - b)), 0.0, 1.0)
    service = np.clip(1 - c * np.exp(-(n - a) * target / h), 0.0, 1.0)
    return c, service, c * h / (n - a), a / n


def _size_erlang_a(
    a: Floats,
    h: Floats,
    target: float,
    level: float,
    patience: float,
    cap: float | None,
    low: Ints,
    guess: Ints,
) -> Ints:
    """The smallest ``n ≥ low`` meeting the target (and the occupancy cap), searched from
    ``guess``: galloping down (or up) to bracket it, then bisection. Both the service level
    and (1 − the occupancy) rise with ``n``."""

    def feasible(index: Ints, n: Ints) -> npt.NDArray[np.bool_]:
        k = n.astype(np.float64)
        service, _pw, _abandon, occupancy = _erlang_a_core(a[index], k, h[index], target, patience)
        ok = service >= level - _RELATIVE
        if cap is not None:
            ok &= occupancy <= cap * (1 + _RELATIVE)
        return np.asarray(ok)

    if a.size > 4 * _SAMPLE:
        guess = _interpolated_guess(a, h, target, level, patience, cap, low, guess)
    every = np.arange(a.size)
    guess = np.maximum(guess, low)
    good = feasible(every, guess)
    hi = np.where(good, guess, -1)  # feasible
    lo = np.where(good, -1, guess)  # infeasible (low − 1: known infeasible)
    at_low = good & (guess == low)
    lo[at_low] = low[at_low] - 1
    step = np.ones(a.size, dtype=np.int64)
    # Gallop: down from a feasible guess, up from an infeasible one, to a bracket.
    open_ = np.flatnonzero((lo < 0) | (hi < 0))
    while open_.size:
        down = hi[open_] >= 0
        probe = np.where(
            down,
            np.maximum(hi[open_] - step[open_], low[open_]),
            lo[open_] + step[open_],
        )
        ok = feasible(open_, probe)
        hi[open_] = np.where(ok, probe, hi[open_])
        lo[open_] = np.where(ok, lo[open_], probe)
        floor_hit = down & ok & (probe == low[open_])
        lo[open_[floor_hit]] = low[open_[floor_hit]] - 1
        step[open_] *= 2
        open_ = open_[(lo[open_] < 0) | (hi[open_] < 0)]
    # Bisect.
    open_ = np.flatnonzero(hi - lo > 1)
    while open_.size:
        mid = (lo[open_] + hi[open_]) // 2
        ok = feasible(open_, mid)
        hi[open_] = np.where(ok, mid, hi[open_])
        lo[open_] = np.where(ok, lo[open_], mid)
        open_ = open_[hi[open_] - lo[open_] > 1]
    return hi


_SAMPLE = 128
"""Loads sized first when there are many, to guess the rest from."""


def _interpolated_guess(
    a: Floats,
    h: Floats,
    target: float,
    level: float,
    patience: float,
    cap: float | None,
    low: Ints,
    erlang_c: Ints,
) -> Ints:
    """A guess of Erlang A's agents for many intervals: size a sample of them exactly, then
    carry over, by load, how far above the load Erlang A staffs compared with Erlang C. A
    guess only saves probes: the search from it still finds the smallest ``n``."""
    order = np.argsort(a, kind="stable")
    picked = order[np.linspace(0, a.size - 1, _SAMPLE).round().astype(np.int64)]
    sized = _size_erlang_a(
        a[picked], h[picked], target, level, patience, cap, low[picked], erlang_c[picked]
    )
    share = (sized - a[picked]) / (erlang_c[picked] - a[picked])
    guess = a + np.interp(a, a[picked], share) * (erlang_c - a)
    return np.round(guess).astype(np.int64)


def _distinct(
    offered: Floats, traffic: Floats, aht: Floats, one_aht: bool, interval: float
) -> tuple[Floats, Floats, npt.NDArray[np.intp]]:
    """The loads to size (with their AHT) and, per interval, which one is its: each distinct
    (load, AHT) once where loads repeat (a year of whole-number forecasts repeats them a
    lot), counted by a table when the calls are whole numbers and the AHT one number; with
    fractional calls (every load different) all of them, ordered by their Taylor node
    (:func:`_erlang_b_many`) by a radix sort."""
    if not one_aht:
        pairs, where = np.unique(traffic + 1j * aht.ravel().astype(np.float64), return_inverse=True)
        return pairs.real.copy(), pairs.imag.copy(), where
    value = float(aht.ravel()[0]) if aht.size else 1.0  # one AHT: aht is it, broadcast
    if offered.size and np.array_equal(offered, np.floor(offered)):
        whole = offered.astype(np.int64)
        if whole.max() <= 4 * whole.size + 1024:
            present = np.flatnonzero(np.bincount(whole))
            lookup = np.empty(int(present[-1]) + 1, dtype=np.intp)
            lookup[present] = np.arange(present.size)
            # Computed as the intervals' traffic is, so each load is the very same float.
            loads = present.astype(np.float64) * value / interval
            return loads, np.full(loads.size, value), lookup[whole]
    # A third of a node's span (node j: [j − ½, j + ½)/64 of √A), so the agents, which rise
    # with the load, rarely alternate within a run; 192·√100,000 + 1.5 < 2¹⁶.
    key = (np.sqrt(traffic) * (3 * _GRID) + 1.5).astype(np.uint16)
    order = np.argsort(key, kind="stable")
    where = np.empty(order.size, dtype=np.intp)
    where[order] = np.arange(order.size)
    return traffic[order], np.full(order.size, value), where


def size_agents(
    calls: npt.ArrayLike,
    *,
    interval_seconds: float,
    aht_seconds: npt.ArrayLike,
    target_seconds: float,
    service_level: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
) -> Sizing:
    """The agents each interval needs: Erlang C, or Erlang A when ``patience_seconds`` (the
    callers' mean patience) is given.

    ``calls`` are the calls offered per interval of ``interval_seconds``, ``aht_seconds``
    their average handling time (one number or one per interval); the target is
    ``service_level`` (a fraction) of the calls answered within ``target_seconds``, for
    Erlang A out of all offered calls (abandoned ones fail). ``max_occupancy`` caps the
    agents' busy share; ``shrinkage`` is the share of paid time off the phones (breaks,
    training, absence). An interval without calls needs no agent."""
    offered = _finite(calls, "calls")
    if np.any(offered < 0):
        raise InputError(N_("calls: cannot be negative"))
    interval = _scalar(interval_seconds, "interval_seconds")
    if interval <= 0:
        raise InputError(N_("interval_seconds: must be > 0"))
    aht = _finite(aht_seconds, "aht_seconds")
    _check_aht(aht)
    target = _check_target(target_seconds)
    level = _scalar(service_level, "service_level")
    if not 0 <= level < 1:
        raise InputError(N_("service_level: must be between 0 and 1 (below 1)"))
    cap = None
    if max_occupancy is not None:
        cap = _scalar(max_occupancy, "max_occupancy")
        if not 0 < cap <= 1:
            raise InputError(N_("max_occupancy: must be between 0 and 1"))
    shrink = _scalar(shrinkage, "shrinkage")
    if not 0 <= shrink < 1:
        raise InputError(N_("shrinkage: must be in [0, 1)"))
    patience = None if patience_seconds is None else _check_patience(patience_seconds)
    try:
        offered, aht = np.broadcast_arrays(offered, aht)
    except ValueError:
        raise InputError(N_("aht_seconds: must be one number or one per interval")) from None
    _check_size(offered, "calls")
    with np.errstate(over="ignore"):  # a load past any float is refused just below
        traffic = offered * aht / interval
    _check_traffic(traffic)
    if cap is not None and traffic.size and float(traffic.max()) / cap > MAX_AGENTS:
        raise InputError(
            N_("max_occupancy: too low for this load (more than %(n)s agents needed)"),
            n=MAX_AGENTS,
        )

    shape = traffic.shape
    one_aht = np.ndim(aht_seconds) == 0
    loads, times, where = _distinct(offered.ravel(), traffic.ravel(), aht, one_aht, interval)
    agents = np.zeros(loads.size, dtype=np.int64)
    _idle, busy = _split(loads == 0)
    a, h = loads[busy], times[busy]
    start = np.floor(a).astype(np.int64) + 1  # the smallest n > A
    if cap is not None:
        start = np.maximum(start, _smallest_within(a, cap))
    erlang_c, loss = _size_erlang_c(a, h, target, level, start)
    if patience is None:
        agents[busy] = erlang_c
        # An interval without calls: nobody waits, all answered at once, nobody busy.
        p_wait, asa, occupancy = np.zeros(loads.size), np.zeros(loads.size), np.zeros(loads.size)
        service = np.ones(loads.size)
        figures = _erlang_c_stable(a, erlang_c.astype(np.float64), h, target, loss)
        p_wait[busy], service[busy], asa[busy], occupancy[busy] = figures
        abandon = None
    else:
        low = np.maximum(np.floor(level * a).astype(np.int64), 1)  # SL ≤ n/A
        agents[busy] = _size_erlang_a(a, h, target, level, patience, cap, low, erlang_c)
        metrics = _erlang_a(loads, agents, times, target, patience)
        p_wait, service, asa = metrics.p_wait, metrics.service_level, metrics.asa_seconds
        occupancy, abandon = metrics.occupancy, metrics.abandon_rate
    where = where.reshape(shape)

    def spread(values: Floats) -> Floats:
        return np.asarray(values[where], dtype=np.float64)

    return Sizing(
        traffic_erlangs=np.asarray(traffic, dtype=np.float64),
        agents=np.asarray(agents[where], dtype=np.int64),
        service_level=spread(service),
        p_wait=spread(p_wait),
        asa_seconds=spread(asa),
        occupancy=spread(occupancy),
        agents_with_shrinkage=np.asarray(_scheduled(agents, shrink)[where], dtype=np.int64),
        abandon_rate=None if abandon is None else spread(abandon),
    )
