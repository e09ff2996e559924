"""The provenance of the P&L's lines in the reader's language: what each key of a line's
``provenance`` means and how its value reads (money, shares, moments, words) — one source for
the P&L page and the monthly report. An unknown key is shown as it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from valuecenter.i18n import _, format_datetime, format_money, format_number, lazy_gettext

# What the provenance's keys mean, in the reader's language (an unknown key is shown as it is).
PROVENANCE_LABELS = {
    "experiments": lazy_gettext("experiments (control groups)"),
    "score_runs": lazy_gettext("score runs (customer values)"),
    "desk_cases": lazy_gettext("desk cases"),
    "control_cases": lazy_gettext("control cases"),
    "gross_saves": lazy_gettext("customers kept (gross)"),
    "incremental_saves": lazy_gettext("saves beyond control"),
    "offer_cost_cents": lazy_gettext("offers' cost"),
    "control_share": lazy_gettext("control share"),
    "control_share_setting": lazy_gettext("control share set"),
    "treated": lazy_gettext("treated"),
    "control": lazy_gettext("control"),
    "shown": lazy_gettext("offers shown"),
    "maturing": lazy_gettext("windows still open"),
    "as_of": lazy_gettext("read as of"),
    "read_at": lazy_gettext("read at"),
    "campaigns": lazy_gettext("campaigns"),
    "without_experiment": lazy_gettext("campaigns without an experiment (left out)"),
    "pool_customers": lazy_gettext("pool customers"),
    "comparison_customers": lazy_gettext("comparison customers"),
    "pool_retention": lazy_gettext("pool retention"),
    "comparison_retention": lazy_gettext("comparison retention"),
    "comparison": lazy_gettext("comparison"),
    "self_service_sessions": lazy_gettext("self-service sessions"),
    "assisted_contacts": lazy_gettext("assisted contacts"),
    "cost_per_contact_cents": lazy_gettext("cost per assisted contact"),
    "source": lazy_gettext("source"),
    "hours": lazy_gettext("paid hours"),
    "cost_per_hour_cents": lazy_gettext("cost per hour"),
    "handled_hours": lazy_gettext("handled hours"),
    "entries": lazy_gettext("entered in"),
    "training_hours": lazy_gettext("training hours"),
    "leavers": lazy_gettext("agents who left"),
    "per_replacement_cents": lazy_gettext("cost of one replacement"),
    "save_desk_cents": lazy_gettext("save desk's offers"),
    "nba_offers_cents": lazy_gettext("next-best-action offers"),
    "holdout_eligible": lazy_gettext("global holdout: may receive campaigns"),
    "holdout_held_out": lazy_gettext("global holdout: receive none"),
    "holdout_incremental_cents": lazy_gettext("all campaigns against the global holdout"),
    "holdout_low_cents": lazy_gettext("its interval from"),
    "holdout_high_cents": lazy_gettext("to"),
}
# Provenance values that are words, not identifiers.
PROVENANCE_WORDS = {
    "schedule": lazy_gettext("the schedule's work entries"),
    "handled-time": lazy_gettext("the contacts' handled time"),
    "customers without an account manager (not randomised)": lazy_gettext(
        "customers without an account manager (not randomised)"
    ),
}
SHARES = {"control_share", "control_share_setting", "pool_retention", "comparison_retention"}
STAMPS = {"as_of", "read_at"}


def provenance_value(key: str, value: object) -> str:
    """One provenance value in the reader's language."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else "–"
    if key.endswith("_cents") and isinstance(value, int):
        return format_money(value)
    if key in SHARES and isinstance(value, int | float):
        return format_number(100 * value, decimals=1) + "%"
    if key in STAMPS and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), fmt="d MMM yyyy HH:mm") + " UTC"
        except ValueError:
            return value
    if isinstance(value, float):
        return format_number(value, decimals=1)
    if isinstance(value, int):
        return format_number(value)
    words = PROVENANCE_WORDS.get(str(value)) if key in {"source", "comparison"} else None
    return str(words) if words is not None else str(value)


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    value: str
    mono: bool  # identifiers (runs, experiments, campaigns)


def provenance(items: Mapping[str, object]) -> list[Fact]:
    return [
        Fact(
            key=key,
            label=str(PROVENANCE_LABELS.get(key, key.replace("_", " "))),
            value=provenance_value(key, value),
            mono=key in {"experiments", "score_runs", "campaigns", "entries"},
        )
        for key, value in items.items()
    ]
