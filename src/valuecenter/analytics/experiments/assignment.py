"""Deterministic, stratified assignment of units to the arms of an experiment.

Every unit gets a **hash position** in ``[0, 1)`` from the experiment's key and its own id
(BLAKE2b, so it cannot be steered and does not depend on the order of a file or of the
database). Within each stratum the units are taken in hash order and the ``k``-th is treated
when ``⌊share · k + φ⌋`` steps up at it, ``φ`` the stratum's own hash position — systematic
sampling with a random start, a deterministic version of permuted-block randomisation
(Rosenberger & Lachin, *Randomization in Clinical Trials*, 2nd ed. 2016, ch. 3). The random
start matters when strata are small: without it the first unit of every stratum would be
treated. So:

- the same units in the same experiment always land in the same arms (reproducible from the
  key alone: no stored random state);
- within every stratum the treated count is within one unit of ``share × stratum size``;
- which units are treated is as good as random, because the hash order is.

Units that arrive one at a time (a caller at the save desk, a decision of the next-best
action) get :func:`next_arm`: the same rule on the stratum's counts so far — the caller stores
the arm, so a unit that comes back keeps it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

_SCALE = float(2**64)


def hash_position(key: str, unit: str) -> float:
    """The unit's place in ``[0, 1)`` in the experiment ``key`` (BLAKE2b of ``key`` and
    ``unit``; the same pair always gives the same place)."""
    digest = hashlib.blake2b(f"{key}\x1f{unit}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def hash_positions(key: str, units: Sequence[object]) -> FloatArray:
    return np.fromiter((hash_position(key, str(u)) for u in units), np.float64, len(units))


def _check_share(share: float) -> None:
    if not 0.0 < share < 1.0:
        raise InputError(N_("share: the treated share must be between 0 and 1 (exclusive)"))


def assign(
    key: str,
    units: Sequence[object],
    share: float,
    strata: Sequence[object] | None = None,
) -> BoolArray:
    """``True`` for the units in the treated arm: within each stratum (all one stratum when
    ``strata`` is None), in hash order, each unit goes to the arm furthest behind its share."""
    _check_share(share)
    n = len(units)
    if strata is not None and len(strata) != n:
        raise InputError(N_("strata: needs one stratum per unit"))
    if len(set(map(str, units))) != n:
        raise InputError(N_("units: an experiment lists each unit once"))
    positions = hash_positions(key, units)
    labels = np.zeros(n, dtype=np.int64)
    if strata is not None:
        _, labels = np.unique(
            np.asarray([str(s) for s in strata], dtype=object), return_inverse=True
        )
    names = sorted({str(s) for s in strata}) if strata is not None else [""]
    phases = np.array([_phase(key, name) for name in names])
    order = np.lexsort((positions, labels))
    sorted_labels = labels[order]
    treated = np.zeros(n, dtype=bool)
    start = 0
    while start < n:
        label = sorted_labels[start]
        stop = int(np.searchsorted(sorted_labels, label, side="right"))
        members = order[start:stop]
        k = np.arange(0, len(members) + 1, dtype=np.float64)
        target = np.floor(share * k + phases[label])
        treated[members] = target[1:] > target[:-1]
        start = stop
    return treated


def _phase(key: str, stratum: str) -> float:
    """The stratum's random start ``φ`` in ``[0, 1)``."""
    return hash_position(f"{key}\x1estratum", stratum)


def next_arm(
    key: str, stratum: object, treated_so_far: int, total_so_far: int, share: float
) -> bool:
    """The arm of the next unit of ``stratum`` when it already holds ``total_so_far`` units,
    ``treated_so_far`` of them treated: treated when ``⌊share · k + φ⌋`` (``k`` counting this
    unit) is above the treated count — the batch rule of :func:`assign`, one unit at a time."""
    _check_share(share)
    if not 0 <= treated_so_far <= total_so_far:
        raise InputError(N_("counts: treated units must be between 0 and all units"))
    target = np.floor(share * (total_so_far + 1) + _phase(key, str(stratum)))
    return bool(target > treated_so_far)


def assign_more(
    key: str,
    units: Sequence[object],
    strata: Sequence[object],
    share: float,
    counts: dict[str, tuple[int, int]],
) -> tuple[BoolArray, dict[str, tuple[int, int]]]:
    """Assign ``units`` that join strata already holding ``counts`` (stratum → (treated,
    total)): in hash order, each by :func:`next_arm` on its stratum's running counts. From
    empty counts this gives exactly :func:`assign`'s arms; returns the arms and the new
    counts."""
    _check_share(share)
    if len(strata) != len(units):
        raise InputError(N_("strata: needs one stratum per unit"))
    positions = hash_positions(key, units)
    names = [str(s) for s in strata]
    running = dict(counts)
    phases: dict[str, float] = {}
    treated = np.zeros(len(units), dtype=bool)
    for i in sorted(range(len(units)), key=lambda j: (names[j], positions[j])):
        name = names[i]
        done, total = running.get(name, (0, 0))
        if name not in phases:
            phases[name] = _phase(key, name)
        arm = bool(np.floor(share * (total + 1) + phases[name]) > done)
        treated[i] = arm
        running[name] = (done + arm, total + 1)
    return treated, running
