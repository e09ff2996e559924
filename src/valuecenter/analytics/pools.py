"""Account-manager pools: every B2B customer to one AM of his market, balanced and sticky
(issue 22).

**The problem.** Customers and account managers (AMs) each carry a *market* key (a country,
or country + language). Every customer goes to exactly one AM of his own market (hard). Per
market with ``n`` customers and ``k`` AMs, ``mean = n/k``; every pool size lies in
``[lo, hi]`` with ``lo = min(⌈(1 − tol)·mean⌉, ⌊mean⌋)`` and
``hi = max(⌊(1 + tol)·mean⌋, ⌈mean⌉)`` (``tol = size_tolerance``, 5% by default; the
widening to ``⌊mean⌋``/``⌈mean⌉`` only matters for pools so small that no integer lies in
the ±tol band). The pool value (sum of CLV) of every AM should lie within
``±value_tolerance`` of the market's mean pool value, which bounds its coefficient of
variation by the same figure; the workload (expected contacts) is balanced as a secondary
key. The exact form is a generalised assignment problem — a MILP that HiGHS solves for a
few thousand customers but not for 100,000 in a minute — so this module is a heuristic,
checked against the MILP (``scipy.optimize.milp``) on small cases in the tests.

**Fresh assignment** (no ``current``): per market, customers sorted by value descending are
placed one by one on the AM with the lowest pool score (value share + ``workload_weight`` ×
workload share) among those still below ``hi`` — restricted to pools below ``lo`` once the
customers left only just cover the missing floor — the longest-processing-time rule of
Graham (1969, "Bounds on multiprocessing timing anomalies", SIAM J. Appl. Math. 17, 416–429)
with a cardinality cap. Then pairwise moves and swaps between the richest and the poorest
pool (the value gap halved as nearly as the customers allow) until every pool is within the
value band; a pool no move improves (one customer worth more than a whole pool, say) is set
aside and the others are balanced around it. The value band is a target, not a hard rule.

**Sticky rebalance** (``current`` given). A customer keeps his AM when that AM is still
there and of his market. *Orphans* (new customers, ``current = -1``, and those whose AM
left or serves another market) are not counted as moves. Then (1) every pool above ``hi``
sheds its excess, unlocked customers first, those whose value best brings the pool toward
the market's mean value; (2) if the orphans and shed customers cannot fill every pool up to
``lo``, the richest pools above ``lo`` give up the rest; (3) the orphans and shed customers
are placed as in the fresh assignment; (4) the value swaps, first among customers placed in
this run (free), then among unlocked customers that have not moved — except for a pool whose
locked customers alone hold it above the value band while the market's value CV is within
the tolerance: moving a few of its customers could not bring it into the band, so nobody
moves for it. Locked customers (an open case, a recent AM contact) move only in (1)–(2),
and only when a pool's unlocked customers do not suffice.

**The theoretical minimum of moves** (a lower bound on any assignment within the size
bounds): with ``s_a`` the customers AM ``a`` keeps (his surviving, same-market customers),
``O`` the orphans, ``E = Σ max(0, s_a − hi)`` the excess and ``D = Σ max(0, lo − s_a)`` the
deficit, every excess customer must leave his pool and every missing floor place is filled
by an orphan or a moved customer, so ``moves ≥ max(E, D − O)``, summed over markets. Steps
(1)–(2) reach it exactly; only the value band can cost more (step 4). The bound ignores the
value band, so it is a floor, not always attainable.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_UNASSIGNED = -1


@dataclass(frozen=True)
class Customers:
    """The B2B customers: ``ids``, ``market`` (any hashable key per customer, e.g. "NL" or
    "BE-fr"), ``value`` (CLV, ≥ 0) and ``workload`` (expected contacts, ≥ 0)."""

    ids: IntArray
    market: npt.NDArray[np.object_] | Sequence[object]
    value: FloatArray
    workload: FloatArray


@dataclass(frozen=True)
class AccountManagers:
    """The account managers: ``ids`` (unique) and ``market`` (the key they serve)."""

    ids: IntArray
    market: npt.NDArray[np.object_] | Sequence[object]


@dataclass(frozen=True)
class MarketPools:
    """One market's figures: sizes, size bounds, spreads, moves and their lower bound."""

    market: object
    customers: int
    ams: int
    size_lo: int
    size_hi: int
    size_spread: float
    value_cv: float
    value_spread: float
    workload_cv: float
    moved: int
    min_moves: int


@dataclass(frozen=True)
class PoolAssignment:
    """The result. ``am`` holds each customer's AM id (in the order of ``customers``);
    ``size``/``value``/``workload`` are per AM in the order of ``ams``. ``size_spread`` is the
    largest relative deviation of a pool size from its market mean, ``value_cv_worst`` the
    largest per-market coefficient of variation of pool value (population sd ÷ mean),
    ``value_cv_overall`` the CV of every pool's value ÷ its market mean. ``moved`` counts
    customers whose surviving AM changed (new customers and those whose AM left are not
    moves), ``min_moves`` the lower bound of the module docstring, ``moved_mask`` marks them.
    """

    am: IntArray
    size: IntArray
    value: FloatArray
    workload: FloatArray
    markets: tuple[MarketPools, ...]
    size_spread: float
    value_cv_worst: float
    value_cv_overall: float
    workload_cv_worst: float
    moved: int
    moved_mask: BoolArray
    locked_moved: int
    min_moves: int
    seconds: float


def size_bounds(n: int, k: int, tolerance: float) -> tuple[int, int]:
    """The pool-size bounds ``[lo, hi]`` of a market with ``n`` customers and ``k`` AMs."""
    mean = n / k
    lo = min(math.ceil((1.0 - tolerance) * mean - 1e-9), math.floor(mean))
    hi = max(math.floor((1.0 + tolerance) * mean + 1e-9), math.ceil(mean))
    return max(lo, 0), hi


def min_moves(kept: IntArray, orphans: int, lo: int, hi: int) -> int:
    """The fewest moves any assignment within ``[lo, hi]`` needs: ``max(E, D − O)`` with the
    excess ``E`` and deficit ``D`` of the kept pool sizes and ``O`` orphans."""
    excess = int(np.maximum(kept - hi, 0).sum())
    deficit = int(np.maximum(lo - kept, 0).sum())
    return max(excess, deficit - orphans)


def _market_codes(
    customer_market: Sequence[object] | npt.NDArray[np.object_],
    am_market: Sequence[object] | npt.NDArray[np.object_],
) -> tuple[list[object], IntArray, IntArray]:
    keys: dict[object, int] = {}
    c_codes = np.fromiter(
        (keys.setdefault(m, len(keys)) for m in customer_market),
        dtype=np.int64,
        count=len(customer_market),
    )
    a_codes = np.fromiter(
        (keys.setdefault(m, len(keys)) for m in am_market), dtype=np.int64, count=len(am_market)
    )
    return list(keys), c_codes, a_codes


def _finite_nonnegative(values: FloatArray) -> bool:
    arr = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.isfinite(arr)) and np.all(arr >= 0))


def _validate(
    customers: Customers,
    ams: AccountManagers,
    current: IntArray | None,
    locked: BoolArray | None,
    size_tolerance: float,
    value_tolerance: float,
    workload_weight: float,
) -> None:
    n = len(customers.ids)
    if len(customers.market) != n or len(customers.value) != n or len(customers.workload) != n:
        raise InputError(N_("customers: ids, market, value and workload must have one length"))
    if len(ams.market) != len(ams.ids):
        raise InputError(N_("ams: ids and market must have one length"))
    if len(ams.ids) == 0:
        raise InputError(N_("ams: no account managers"))
    if len(np.unique(ams.ids)) != len(ams.ids):
        raise InputError(N_("ams: ids must be unique"))
    if len(np.unique(customers.ids)) != n:
        raise InputError(N_("customers: ids must be unique"))
    if not _finite_nonnegative(customers.value):
        raise InputError(N_("value: must be finite and ≥ 0 for every customer"))
    if not _finite_nonnegative(customers.workload):
        raise InputError(N_("workload: must be finite and ≥ 0 for every customer"))
    if current is not None and len(current) != n:
        raise InputError(N_("current: needs one AM id (or -1) per customer"))
    if locked is not None and len(locked) != n:
        raise InputError(N_("locked: needs one flag per customer"))
    if not 0.0 <= size_tolerance < 1.0:
        raise InputError(N_("size_tolerance: must be at least 0 and below 1"))
    if not 0.0 < value_tolerance < 1.0:
        raise InputError(N_("value_tolerance: must be above 0 and below 1"))
    if not 0.0 <= workload_weight <= 10.0 or not math.isfinite(workload_weight):
        raise InputError(N_("workload_weight: must be between 0 and 10"))


class _Market:
    """One market's working state: local customer indices, pools as local AM indices."""

    def __init__(
        self,
        value: FloatArray,
        workload: FloatArray,
        k: int,
        pool: IntArray,
        free: BoolArray,
        locked: BoolArray,
        lo: int,
        hi: int,
        workload_weight: float,
    ) -> None:
        self.value, self.workload, self.k = value, workload, k
        self.pool, self.free, self.locked, self.lo, self.hi = pool, free, locked, lo, hi
        placed = pool >= 0
        self.size = np.bincount(pool[placed], minlength=k).astype(np.int64)
        self.vsum = _sums(pool[placed], value[placed], k)
        self.wsum = _sums(pool[placed], workload[placed], k)
        self.target_v = max(float(value.sum()) / k, 1e-12)
        self.target_w = max(float(workload.sum()) / k, 1e-12)
        self.workload_weight = workload_weight

    def detach(self, idx: IntArray) -> None:
        pools = self.pool[idx]
        np.subtract.at(self.size, pools, 1)
        np.subtract.at(self.vsum, pools, self.value[idx])
        np.subtract.at(self.wsum, pools, self.workload[idx])
        self.pool[idx] = _UNASSIGNED

    def shed(self, a: int, count: int) -> IntArray:
        """Take ``count`` customers out of pool ``a``, unlocked first; values chosen to bring
        the pool's value toward the mean of a pool of its new size."""
        members = np.flatnonzero(self.pool == a)
        want = self.vsum[a] - self.target_v * (self.size[a] - count) / max(self.mean, 1e-12)
        per = max(want / count, 0.0)
        order = np.lexsort((np.abs(self.value[members] - per), self.locked[members]))
        chosen = members[order[:count]]
        self.detach(chosen)
        self.free[chosen] = True
        return chosen

    @property
    def mean(self) -> float:
        return float(len(self.value)) / self.k

    def place(self, idx: IntArray) -> None:
        """Place the customers ``idx`` (value descending) on the lowest-score pool below
        ``hi`` (below ``lo`` when the rest only just fills the floors)."""
        order = idx[np.argsort(-self.value[idx], kind="stable")]
        deficit = int(np.maximum(self.lo - self.size, 0).sum())
        left = len(order)
        ww = self.workload_weight
        for c in order:
            score = self.vsum / self.target_v + ww * self.wsum / self.target_w
            limit = self.lo if left <= deficit else self.hi
            score = np.where(self.size < limit, score, np.inf)
            a = int(np.argmin(score))
            if self.size[a] < self.lo:
                deficit -= 1
            self.pool[c] = a
            self.size[a] += 1
            self.vsum[a] += self.value[c]
            self.wsum[a] += self.workload[c]
            left -= 1

    def balance_values(self, tolerance: float, allow_moves: bool, max_steps: int) -> None:
        """Moves and swaps between the richest and the poorest pool while the worst value
        deviation exceeds ``tolerance``; ``allow_moves`` lets unmoved (sticky) customers go.
        A pool that cannot improve with its partner (say, one customer worth more than a
        whole pool) is set aside, so the others still get balanced."""
        open_ = np.ones(self.k, dtype=bool)
        for _ in range(max_steps):
            if open_.sum() < 2:
                return
            live = np.flatnonzero(open_)
            dev = np.abs(self.vsum[live] - self.target_v) / self.target_v
            if dev.max() <= tolerance:
                return
            h = int(live[np.argmax(self.vsum[live])])
            low = int(live[np.argmin(self.vsum[live])])
            if h == low:
                return
            if allow_moves and _cv(self.vsum) <= tolerance and self._out_of_reach(h, tolerance):
                # Its locked customers hold it above the band and the market's CV is within
                # the tolerance: moving some of its customers would buy little for the moves.
                open_[h] = False
                continue
            if not self._improve(h, low, allow_moves):
                high_worse = self.vsum[h] - self.target_v >= self.target_v - self.vsum[low]
                open_[h if high_worse else low] = False

    def _out_of_reach(self, a: int, tolerance: float) -> bool:
        """Whether pool ``a`` stays above the value band even when every customer that may
        move (placed in this run, or not locked) leaves it: moving some of them would then
        only cost moves without bringing it into the band."""
        movable = self._candidates(a, True)
        rest = float(self.vsum[a]) - float(self.value[movable].sum())
        return rest > (1.0 + tolerance) * self.target_v

    def _candidates(self, a: int, allow_moves: bool) -> IntArray:
        members = np.flatnonzero(self.pool == a)
        ok = self.free[members] | (allow_moves & ~self.locked[members])
        return members[ok]

    def _improve(self, h: int, low: int, allow_moves: bool) -> bool:
        gap = self.vsum[h] - self.vsum[low]
        half = gap / 2.0
        old = max(abs(self.vsum[h] - self.target_v), abs(self.vsum[low] - self.target_v))
        xs = self._candidates(h, allow_moves)
        ys = self._candidates(low, allow_moves)
        best: tuple[float, int, int] | None = None
        if len(xs) and self.size[h] > self.lo and self.size[low] < self.hi:
            i = int(np.argmin(np.abs(self.value[xs] - half)))
            best = (self._after(h, low, self.value[xs[i]]), int(xs[i]), -1)
        if len(xs) and len(ys):
            yv = self.value[ys]
            order = np.argsort(yv)
            ys_sorted, yv_sorted = ys[order], yv[order]
            want = self.value[xs] - half
            pos = np.clip(np.searchsorted(yv_sorted, want), 1, len(ys_sorted) - 1)
            if len(ys_sorted) == 1:
                pos = np.zeros_like(pos)
            left_better = np.abs(yv_sorted[pos - 1] - want) < np.abs(yv_sorted[pos] - want)
            pick = np.where((len(ys_sorted) > 1) & left_better, pos - 1, pos)
            delta = self.value[xs] - yv_sorted[pick]
            i = int(np.argmin(np.abs(delta - half)))
            score = self._after(h, low, float(delta[i]))
            if best is None or score < best[0]:
                best = (score, int(xs[i]), int(ys_sorted[pick[i]]))
        if best is None or best[0] >= old - 1e-9 * self.target_v:
            return False
        _score, x, y = best
        self._transfer(x, low)
        if y >= 0:
            self._transfer(y, h)
        return True

    def _after(self, h: int, low: int, delta: float) -> float:
        high = float(self.vsum[h]) - delta - self.target_v
        return max(abs(high), abs(float(self.vsum[low]) + delta - self.target_v))

    def _transfer(self, c: int, to: int) -> None:
        frm = int(self.pool[c])
        self.size[frm] -= 1
        self.vsum[frm] -= self.value[c]
        self.wsum[frm] -= self.workload[c]
        self.pool[c] = to
        self.size[to] += 1
        self.vsum[to] += self.value[c]
        self.wsum[to] += self.workload[c]
        self.free[c] = True


def _sums(pool: IntArray, weights: FloatArray, k: int) -> FloatArray:
    return np.asarray(np.bincount(pool, weights=weights, minlength=k), dtype=np.float64)


def _cv(x: FloatArray) -> float:
    mean = float(x.mean())
    return float(x.std() / mean) if mean > 0 else 0.0


def assign_pools(
    customers: Customers,
    ams: AccountManagers,
    *,
    current: IntArray | None = None,
    locked: BoolArray | None = None,
    size_tolerance: float = 0.05,
    value_tolerance: float = 0.05,
    workload_weight: float = 0.25,
    max_value_steps: int = 20_000,
) -> PoolAssignment:
    """Assign every customer to an AM of his market; fresh, or a sticky rebalance of
    ``current`` (AM id per customer, ``-1`` for a new one) keeping ``locked`` customers
    where they are unless their AM left (or a pool's unlocked customers cannot cover its
    excess). See the module docstring for the method and the lower bound of moves."""
    began = time.perf_counter()
    _validate(customers, ams, current, locked, size_tolerance, value_tolerance, workload_weight)
    n = len(customers.ids)
    value = np.asarray(customers.value, dtype=np.float64)
    workload = np.asarray(customers.workload, dtype=np.float64)
    am_ids = np.asarray(ams.ids, dtype=np.int64)
    lock = np.zeros(n, dtype=bool) if locked is None else np.asarray(locked, dtype=bool)
    keys, c_market, a_market = _market_codes(customers.market, ams.market)
    # Current AM as a global AM index; -1 when new, gone or of another market.
    cur_idx = np.full(n, _UNASSIGNED, dtype=np.int64)
    if current is not None:
        cur = np.asarray(current, dtype=np.int64)
        order = np.argsort(am_ids)
        pos = np.clip(np.searchsorted(am_ids[order], cur), 0, len(am_ids) - 1)
        found = am_ids[order][pos] == cur
        cand = order[pos]
        same = found & (a_market[cand] == c_market)
        cur_idx[same] = cand[same]
    result = np.full(n, _UNASSIGNED, dtype=np.int64)
    moved_mask = np.zeros(n, dtype=bool)
    stats: list[MarketPools] = []
    for code, key in enumerate(keys):
        cust = np.flatnonzero(c_market == code)
        team = np.flatnonzero(a_market == code)
        if len(cust) and not len(team):
            raise InputError(N_("ams: market %(market)s has customers but no AM"), market=key)
        if not len(cust):
            continue
        stats.append(
            _solve_market(
                key,
                cust,
                team,
                value,
                workload,
                cur_idx,
                lock,
                result,
                moved_mask,
                size_tolerance,
                value_tolerance,
                workload_weight,
                max_value_steps,
            )
        )
    k = len(am_ids)
    assigned = result >= 0
    size = np.bincount(result[assigned], minlength=k).astype(np.int64)
    vsum = _sums(result[assigned], value[assigned], k)
    wsum = _sums(result[assigned], workload[assigned], k)
    ratios = []
    for code in range(len(keys)):
        team = np.flatnonzero(a_market == code)
        if len(team) and vsum[team].mean() > 0:
            ratios.append(vsum[team] / vsum[team].mean())
    overall = _cv(np.concatenate(ratios)) if ratios else 0.0
    return PoolAssignment(
        am=am_ids[result] if n else np.zeros(0, dtype=np.int64),
        size=size,
        value=vsum,
        workload=wsum,
        markets=tuple(stats),
        size_spread=max((s.size_spread for s in stats), default=0.0),
        value_cv_worst=max((s.value_cv for s in stats), default=0.0),
        value_cv_overall=overall,
        workload_cv_worst=max((s.workload_cv for s in stats), default=0.0),
        moved=int(moved_mask.sum()),
        moved_mask=moved_mask,
        locked_moved=int((moved_mask & lock).sum()),
        min_moves=sum(s.min_moves for s in stats),
        seconds=time.perf_counter() - began,
    )


def _solve_market(
    key: object,
    cust: IntArray,
    team: IntArray,
    value: FloatArray,
    workload: FloatArray,
    cur_idx: IntArray,
    lock: BoolArray,
    result: IntArray,
    moved_mask: BoolArray,
    size_tolerance: float,
    value_tolerance: float,
    workload_weight: float,
    max_value_steps: int,
) -> MarketPools:
    k = len(team)
    lo, hi = size_bounds(len(cust), k, size_tolerance)
    local_of = np.full(int(team.max()) + 1, _UNASSIGNED, dtype=np.int64)
    local_of[team] = np.arange(k)
    cur = cur_idx[cust]
    original = np.where(cur >= 0, local_of[np.maximum(cur, 0)], _UNASSIGNED)
    pool = original.copy()
    free = pool < 0
    market = _Market(
        value[cust], workload[cust], k, pool, free, lock[cust], lo, hi, workload_weight
    )
    orphans = int(free.sum())
    bound = min_moves(market.size.copy(), orphans, lo, hi)
    loose: list[IntArray] = [np.flatnonzero(free)]
    for a in np.flatnonzero(market.size > hi):
        loose.append(market.shed(int(a), int(market.size[a] - hi)))
    pending = sum(len(x) for x in loose)
    missing = int(np.maximum(lo - market.size, 0).sum()) - pending
    while missing > 0:
        donors = np.flatnonzero(market.size > lo)
        donor = int(donors[np.argmax(market.vsum[donors])])
        take = min(missing, int(market.size[donor] - lo), max(1, missing // max(len(donors), 1)))
        loose.append(market.shed(donor, take))
        missing -= take
    market.place(np.concatenate(loose))
    market.balance_values(value_tolerance, False, max_value_steps)
    market.balance_values(value_tolerance, True, max_value_steps)
    final = market.pool
    moved_local = (original >= 0) & (final != original)
    moved_mask[cust] = moved_local
    result[cust] = team[final]
    mean = len(cust) / k
    sizes = market.size.astype(np.float64)
    return MarketPools(
        market=key,
        customers=len(cust),
        ams=k,
        size_lo=lo,
        size_hi=hi,
        size_spread=float(np.abs(sizes - mean).max() / mean),
        value_cv=_cv(market.vsum),
        value_spread=float(np.abs(market.vsum - market.target_v).max() / market.target_v),
        workload_cv=_cv(market.wsum),
        moved=int(moved_local.sum()),
        min_moves=bound,
    )
