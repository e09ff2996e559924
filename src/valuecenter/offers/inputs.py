"""The propensity models' input vector: one layout for training and for the real-time path.

A decision stores its features by name (the customer's feature row ``x`` and the contact's
context). The models read them in a fixed order, plus three inputs that relate the customer
to the action being scored — his share of order lines in the action's category
(``own_share``), whether he bought the action's product this year (``own_held``) and which
action it is (``act=<code>``). These let one *pooled* model learn across all offers what no
single offer has enough answers for (the same affinity drives every offer), while an action
with enough answers of its own gets its own model (``offers/training.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

OWN_SHARE = "own_share"
OWN_HELD = "own_held"
OWN_TOP = "own_top3"
TOP = 3
ACT = "act="
POOLED = "*"
"""The key of the pooled model among an engine's models."""


@dataclass(frozen=True)
class Target:
    """What an action is about, for its action-relative inputs."""

    code: str
    category: str | None
    product: str | None


def model_names(base: Iterable[str], codes: Iterable[str]) -> list[str]:
    """The names, in order: the stored features, the action-relative inputs, the actions."""
    names = sorted(set(base) - {OWN_SHARE, OWN_HELD, OWN_TOP})
    return [*names, OWN_SHARE, OWN_TOP, OWN_HELD, *(f"{ACT}{c}" for c in sorted(set(codes)))]


def top_categories(features: Mapping[str, float]) -> frozenset[str]:
    """The customer's (at most) three categories with the largest positive line shares."""
    shares = [(v, k[6:]) for k, v in features.items() if k.startswith("share:") and v > 0]
    shares.sort(key=lambda kv: (-kv[0], kv[1]))
    return frozenset(code for _v, code in shares[:TOP])


@dataclass(frozen=True)
class Layout:
    names: tuple[str, ...]
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {n: j for j, n in enumerate(self.names)})

    def base(self, features: Mapping[str, float]) -> np.ndarray:
        """The stored features in order (zeros for the action-relative inputs)."""
        index = self.index
        x = np.zeros(len(self.names), dtype=np.float64)
        for key, value in features.items():
            j = index.get(key)
            if j is not None:
                x[j] = value
        return x

    def for_action(
        self,
        base: np.ndarray,
        features: Mapping[str, float],
        target: Target,
        tops: frozenset[str] | None = None,
    ) -> np.ndarray:
        """``base`` with the action-relative inputs of ``target`` filled in (a copy);
        ``tops``: :func:`top_categories` of ``features``, when the caller has them."""
        x = base.copy()
        index = self.index
        share = index.get(OWN_SHARE)
        if share is not None and target.category is not None:
            x[share] = features.get(f"share:{target.category}", 0.0)
        top = index.get(OWN_TOP)
        if top is not None and target.category is not None:
            if tops is None:
                tops = top_categories(features)
            x[top] = 1.0 if target.category in tops else 0.0
        held = index.get(OWN_HELD)
        if held is not None and target.product is not None:
            x[held] = features.get(f"held:{target.product}", 0.0)
        act = index.get(f"{ACT}{target.code}")
        if act is not None:
            x[act] = 1.0
        return x

    def matrix(self, rows: Sequence[Mapping[str, float]], targets: Sequence[Target]) -> np.ndarray:
        """One row per (features, target): the training matrix."""
        x = np.zeros((len(rows), len(self.names)), dtype=np.float64)
        for i, (features, target) in enumerate(zip(rows, targets, strict=True)):
            x[i] = self.for_action(self.base(features), features, target)
        return x
