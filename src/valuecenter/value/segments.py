"""The six value segments: a grid of value tiers (by CLV rank) × risk (the run's validated
risk model, ``risk.py``; P(alive) when none could be validated), each with its own treatment
(seed 001). The definitions live in a TOML file a manager can change (``segments.toml`` here
by default, or ``VALUECENTER_SEGMENTS_FILE``); bad files give one line naming the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

DEFAULT_FILE = Path(__file__).with_name("segments.toml")
RISKS = ("healthy", "at-risk")
NOT_SCORED = "no-purchases"


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=32)
    up_to_share: float = Field(gt=0.0, le=1.0)


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=32)
    tier: str
    risk: str
    treatment: str = Field(min_length=1)


class Segmentation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at_risk_below: float = Field(ge=0.0, le=1.0)
    tier: list[Tier] = Field(min_length=1)
    segment: list[Segment] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> Segmentation:
        shares = [t.up_to_share for t in self.tier]
        if shares != sorted(shares) or len(set(shares)) != len(shares):
            raise ValueError("tier: up_to_share must increase from tier to tier")
        if shares[-1] != 1.0:
            raise ValueError("tier: the last tier must go up to 1.0")
        tiers = {t.name for t in self.tier}
        seen: set[tuple[str, str]] = set()
        for s in self.segment:
            if s.tier not in tiers:
                raise ValueError(f"segment {s.name}: tier '{s.tier}' is not defined")
            if s.risk not in RISKS:
                raise ValueError(f"segment {s.name}: risk must be one of {', '.join(RISKS)}")
            if (s.tier, s.risk) in seen:
                raise ValueError(f"segment {s.name}: ({s.tier}, {s.risk}) is named twice")
            seen.add((s.tier, s.risk))
        missing = [(t, r) for t in tiers for r in RISKS if (t, r) not in seen]
        if missing:
            raise ValueError(f"segment: no segment for tier '{missing[0][0]}', {missing[0][1]}")
        if len({s.name for s in self.segment}) != len(self.segment):
            raise ValueError("segment: names must be unique")
        return self

    def names(self) -> list[str]:
        return [s.name for s in self.segment]

    def treatment(self, name: str) -> str | None:
        return next((s.treatment for s in self.segment if s.name == name), None)

    def assign(
        self, clv: npt.ArrayLike, p_alive: npt.ArrayLike, at_risk: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """The segment of every scored customer: tier by CLV rank (best first, ties by
        position), risk by ``at_risk`` (the run's validated risk model, value/risk.py), or,
        without it, by P(alive) < ``at_risk_below``."""
        value = np.asarray(clv, dtype=np.float64)
        alive = np.asarray(p_alive, dtype=np.float64)
        n = len(value)
        order = np.argsort(-value, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        bounds = np.ceil(np.asarray([t.up_to_share for t in self.tier]) * n)
        tier_index = np.searchsorted(bounds, rank, side="right")
        risky = alive < self.at_risk_below if at_risk is None else np.asarray(at_risk, dtype=bool)
        lookup = {(s.tier, s.risk): s.name for s in self.segment}
        names = np.asarray([[lookup[(t.name, r)] for r in RISKS] for t in self.tier], dtype=object)
        return np.asarray(names[np.minimum(tier_index, len(self.tier) - 1), risky.astype(int)])


def load_segmentation(path: Path | None = None) -> Segmentation:
    """The segment definitions of ``path`` (default: the packaged ``segments.toml``)."""
    source = path or DEFAULT_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput("segments file", _("%(file)s does not exist", file=source)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("segments file", f"{source}: {exc}") from None
    try:
        return Segmentation.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidInput("segments file", f"{source.name}: {where}: {message}") from None
