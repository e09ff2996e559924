"""Words for where a score came from: the run's models and their fitted parameters."""

from __future__ import annotations

from collections.abc import Mapping


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
