"""Words for where a score came from: the run's models and their fitted parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from valuecenter.i18n import N_


def _number(value: object) -> str:
    if value is None:
        return "∞"
    if isinstance(value, int | float):
        return f"{float(value):.3g}"
    return str(value)


def describe_models(models: Mapping[str, object]) -> str:
    """E.g. ``BG/NBD r=2.21 α=23.6 a=0.0405 b=2.63 (weeks); Gamma-Gamma p=0.463 …``."""
    parts: list[str] = []
    bg = models.get("bgnbd")
    if isinstance(bg, Mapping):
        params = " ".join(
            f"{label}={_number(bg.get(key))}"
            for key, label in (("r", "r"), ("alpha", "α"), ("a", "a"), ("b", "b"))
        )
        limit = " — degenerated to the NBD (no dropout)" if bg.get("degenerate") else ""
        parts.append(f"BG/NBD {params} ({bg.get('unit', 'week')}s){limit}")
    gg = models.get("gamma_gamma")
    if isinstance(gg, Mapping):
        params = " ".join(
            f"{label}={_number(gg.get(key))}" for key, label in (("p", "p"), ("q", "q"), ("v", "γ"))
        )
        parts.append(f"Gamma-Gamma {params}")
    sbg = models.get("sbg")
    if isinstance(sbg, Mapping):
        params = " ".join(
            f"{label}={_number(sbg.get(key))}" for key, label in (("gamma", "γ"), ("delta", "δ"))
        )
        parts.append(f"sBG {params} (contract renewals)")
    return "; ".join(parts)


@dataclass(frozen=True)
class RiskSourceInfo:
    """Where a run's risk figures came from (value/risk.py): the chosen model's key and name
    (an English message id, translated where shown), its out-of-time AUC, the horizon and the
    at-risk cut; ``auc`` None: no model could be validated, the risk is 1 − P(alive)."""

    run_id: str
    model: str | None
    name: str
    auc: float | None
    horizon_days: int | None
    cut: float | None
    validated_at: date | None
    not_covered: int
    # the next best models that gave their risk to customers the chosen one does not score:
    # name, AUC, customers
    filled: list[tuple[str, float, int]]
    reasons: list[tuple[str, str]]  # name, why it was skipped (when no model was validated)
    others: list[tuple[str, float | None]]  # the other candidates: name, AUC (None: skipped)


NOT_VALIDATED = N_("BG/NBD P(alive), not validated")


def risk_source(
    run_id: str, risk_model: str | None, models: Mapping[str, object]
) -> RiskSourceInfo:
    """The run's risk source from its stored ``models["risk"]`` (runs before issue 18: P(alive))."""
    risk = models.get("risk")
    info: Mapping[str, Any] = risk if isinstance(risk, Mapping) else {}
    candidates = [c for c in info.get("candidates", []) if isinstance(c, Mapping)]
    chosen = next((c for c in candidates if c.get("key") == risk_model), None)
    horizon = info.get("horizon_days")
    others: list[tuple[str, float | None]] = [
        (str(c.get("name")), float(c["auc"]) if "auc" in c else None)
        for c in candidates
        if c.get("key") != risk_model
    ]
    if risk_model is None or chosen is None:
        return RiskSourceInfo(
            run_id=run_id,
            model=None,
            name=NOT_VALIDATED,
            auc=None,
            horizon_days=horizon if isinstance(horizon, int) else None,
            cut=None,
            validated_at=None,
            not_covered=0,
            filled=[],
            reasons=[
                (str(c.get("name")), str(c["skipped"])) for c in candidates if c.get("skipped")
            ],
            others=others,
        )
    return RiskSourceInfo(
        run_id=run_id,
        model=risk_model,
        name=str(chosen.get("name", risk_model)),
        auc=float(chosen["auc"]),
        horizon_days=horizon if isinstance(horizon, int) else None,
        cut=float(chosen["cut"]),
        validated_at=date.fromisoformat(str(info.get("validated_at"))),
        not_covered=int(info.get("not_covered", 0)),
        filled=[
            (str(f.get("name")), float(f.get("auc", 0.0)), int(f.get("customers", 0)))
            for f in info.get("filled", [])
            if isinstance(f, Mapping) and risk_model == info.get("chosen")
        ],
        reasons=[],
        others=others,
    )
