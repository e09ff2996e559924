"""Contact reasons, avoidable contacts and cost-to-serve over a period (issue 20, C16).

- :func:`reasons_report` — the Pareto of reasons (every reason of every contact, and the
  primary reasons) and the reason mix on peak days against normal days;
- :func:`avoidable_report` — the contacts the avoidable rules flag, with their count, share
  and cost, in total and per rule;
- :func:`cost_report` — cost-to-serve per customer (top N), value segment, product type and
  B2B client.

The rules and their defaults are ``analytics/contact_reasons.py``'s; the cost model (cents
per handle minute per channel) and a rules file are settings. Every report carries where its
figures came from (:class:`Provenance`): the period, the contacts and reasons read, the cost
model, the rules and the score run of the segments. Never commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sqlalchemy.orm import Session

from valuecenter.analytics.contact_reasons import (
    DEFAULT_RULES,
    PEAK_QUANTILE,
    MixRow,
    ParetoRow,
    Rule,
    contact_cost_cents,
    match_rules,
    pareto,
    parse_rules,
    peak_days,
    peak_mix,
    vital_few,
)
from valuecenter.analytics.errors import InputError
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.quality.reasons_data import customer_groups, reason_frames
from valuecenter.value.repository import latest_run

GROUPS = ("customer", "segment", "product", "client")
TOP_MAX = 1000
_NONE = "\x00"  # the group of customers without a segment or product type


def load_rules(path: Path | None) -> tuple[Rule, ...]:
    """The avoidable rules of the file ``path`` (YAML or JSON), else the defaults in code."""
    if path is None:
        return DEFAULT_RULES
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput(
            "avoidable_rules_file",
            _("cannot read %(path)s: %(why)s", path=path, why=error.strerror),
        ) from None
    except yaml.YAMLError:
        raise InvalidInput(
            "avoidable_rules_file", _("%(path)s is not YAML or JSON", path=path)
        ) from None
    try:
        return parse_rules(data)
    except InputError as error:
        raise InvalidInput("avoidable_rules_file", f"{path}: {error.translated()}") from None


@dataclass(frozen=True)
class Provenance:
    since: datetime | None
    until: datetime
    contacts: int
    reasons: int
    without_reason: int  # contacts without any reason
    cost_model: Mapping[str, int] = field(default_factory=dict)  # cents per handle minute
    rules: tuple[str, ...] = ()
    score_run: str | None = None  # the run the value segments come from

    def as_json(self) -> dict[str, object]:
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": self.until.isoformat(),
            "contacts": self.contacts,
            "reasons": self.reasons,
            "contacts_without_reason": self.without_reason,
            "cost_cents_per_minute": dict(self.cost_model),
            "rules": list(self.rules),
            "score_run": self.score_run,
        }


def _check_period(since: datetime | None, until: datetime | None) -> datetime:
    end = until or utcnow()
    if since is not None and since >= end:
        raise InvalidInput("since", _("must be before --until"))
    return end


def _provenance(
    contacts: pd.DataFrame,
    reasons: pd.DataFrame,
    since: datetime | None,
    until: datetime,
    **more: object,
) -> Provenance:
    without = int(sum(1 for r in contacts["reasons"] if not r)) if len(contacts) else 0
    return Provenance(since, until, len(contacts), len(reasons), without, **more)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ReasonsReport:
    provenance: Provenance
    pareto_all: list[ParetoRow]  # every reason of every contact
    pareto_primary: list[ParetoRow]  # the first reason of each contact that has one
    vital_few_all: int  # reasons it takes to reach 80% of all reasons
    reasons_per_contact: float | None  # among contacts with a reason
    peak_quantile: float
    peak_threshold: float  # contacts a day; a peak day has more
    days: int
    peak_days: list[str]  # YYYY-MM-DD
    peak_contacts: int
    normal_contacts: int
    mix: list[MixRow]


def reasons_report(
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    peak_quantile: float = PEAK_QUANTILE,
) -> ReasonsReport:
    """The Pareto of reasons, and the reason mix on peak days (volume above the
    ``peak_quantile`` of the period's days) against the other days."""
    end = _check_period(since, until)
    if not 0.0 < peak_quantile < 1.0:
        raise InvalidInput("peak_quantile", _("must be between 0 and 1"))
    contacts, reasons = reason_frames(session, since, end)
    peaks = peak_days(contacts["day"].to_numpy(dtype=np.int64), peak_quantile)
    on_peak = contacts["day"].isin(peaks.peak).to_numpy(dtype=bool)
    with_reason = [r for r in contacts["reasons"] if r]
    rows_all = pareto(reasons["reason"].tolist())
    return ReasonsReport(
        provenance=_provenance(contacts, reasons, since, end),
        pareto_all=rows_all,
        pareto_primary=pareto(r[0] for r in with_reason),
        vital_few_all=vital_few(rows_all),
        reasons_per_contact=len(reasons) / len(with_reason) if with_reason else None,
        peak_quantile=peaks.quantile,
        peak_threshold=peaks.threshold,
        days=peaks.days,
        peak_days=[
            datetime.fromtimestamp(d * 86_400, UTC).date().isoformat() for d in sorted(peaks.peak)
        ],
        peak_contacts=int(on_peak.sum()),
        normal_contacts=int((~on_peak).sum()),
        mix=peak_mix(on_peak, contacts["reasons"].tolist()),
    )


def costed_contacts(
    session: Session,
    since: datetime | None,
    until: datetime,
    rules: tuple[Rule, ...],
    cost_model: Mapping[str, int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contacts of the period (``reason_frames``) with cost_cents and rule (the first
    avoidable rule they match, None when none), and their reasons."""
    contacts, reasons = reason_frames(session, since, until)
    try:
        cost = contact_cost_cents(
            contacts["channel"].tolist(), contacts["handle"].to_numpy(), cost_model
        )
        first, _hits = match_rules(
            rules,
            contacts["intent"].tolist(),
            contacts["reasons"].tolist(),
            contacts["channel"].tolist(),
            contacts["direction"].tolist(),
            contacts["repeat"].to_numpy(dtype=bool),
        )
    except InputError as error:
        raise InvalidInput(error.field or "contacts", error.translated()) from None
    contacts["cost_cents"] = cost
    names = np.asarray([r.name for r in rules] + [None], dtype=object)
    contacts["rule"] = names[first]  # −1 → the None at the end
    return contacts, reasons


@dataclass(frozen=True)
class RuleRow:
    rule: Rule
    contacts: int  # attributed to this rule (the first that matches)
    matches: int  # every contact this rule matches, also those of an earlier rule
    share: float | None  # of all contacts
    cost_cents: int


@dataclass(frozen=True)
class AvoidableReport:
    provenance: Provenance
    contacts: int
    avoidable: int
    share: float | None
    cost_cents: int  # every contact of the period
    avoidable_cost_cents: int
    cost_share: float | None
    by_rule: list[RuleRow]


def avoidable_report(
    session: Session,
    rules: tuple[Rule, ...],
    cost_model: Mapping[str, int],
    since: datetime | None = None,
    until: datetime | None = None,
) -> AvoidableReport:
    """The contacts the rules call avoidable: how many, their share and cost, per rule."""
    end = _check_period(since, until)
    contacts, reasons = costed_contacts(session, since, end, rules, cost_model)
    _first, hits = match_rules(
        rules,
        contacts["intent"].tolist(),
        contacts["reasons"].tolist(),
        contacts["channel"].tolist(),
        contacts["direction"].tolist(),
        contacts["repeat"].to_numpy(dtype=bool),
    )
    n = len(contacts)
    flagged = contacts["rule"].notna()
    rows = []
    for j, rule in enumerate(rules):
        mine = (contacts["rule"] == rule.name).to_numpy()
        rows.append(
            RuleRow(
                rule=rule,
                contacts=int(mine.sum()),
                matches=int(hits[:, j].sum()),
                share=float(mine.sum() / n) if n else None,
                cost_cents=int(contacts.loc[mine, "cost_cents"].sum()),
            )
        )
    total = int(contacts["cost_cents"].sum())
    avoidable_cost = int(contacts.loc[flagged, "cost_cents"].sum())
    return AvoidableReport(
        provenance=_provenance(
            contacts,
            reasons,
            since,
            end,
            cost_model=dict(cost_model),
            rules=tuple(r.name for r in rules),
        ),
        contacts=n,
        avoidable=int(flagged.sum()),
        share=float(flagged.mean()) if n else None,
        cost_cents=total,
        avoidable_cost_cents=avoidable_cost,
        cost_share=avoidable_cost / total if total else None,
        by_rule=rows,
    )


@dataclass(frozen=True)
class CostRow:
    key: str | None  # customer external id, segment, product type; None: without one
    label: str | None  # the customer's name (customer and client rows)
    contacts: int
    handle_minutes: float
    cost_cents: int
    avoidable_cost_cents: int
    cost_per_contact_cents: int | None
    top_reason: str | None  # the reason his contacts give most often


@dataclass(frozen=True)
class CostReport:
    provenance: Provenance
    by: str
    cost_cents: int  # every contact of the period, also those without a known customer
    rows: list[CostRow]
    groups: int  # rows before the top-N cut
    top: int | None


def cost_report(
    session: Session,
    by: str,
    rules: tuple[Rule, ...],
    cost_model: Mapping[str, int],
    since: datetime | None = None,
    until: datetime | None = None,
    top: int | None = 20,
) -> CostReport:
    """Cost-to-serve per ``by``: customer (the ``top`` most costly), segment (the latest
    score run's value segment), product (the customer's main product type), client (B2B
    customers, the ``top`` most costly). Rows by cost, largest first; contacts of no known
    customer form no row but count in the total."""
    return cost_reports(session, (by,), rules, cost_model, since, until, top)[by]


def cost_reports(
    session: Session,
    groupings: tuple[str, ...],
    rules: tuple[Rule, ...],
    cost_model: Mapping[str, int],
    since: datetime | None = None,
    until: datetime | None = None,
    top: int | None = 20,
) -> dict[str, CostReport]:
    """:func:`cost_report` for each of ``groupings``, from one read of the contacts."""
    for by in groupings:
        if by not in GROUPS:
            raise InvalidInput("by", _("must be one of %(names)s", names=", ".join(GROUPS)))
    if top is not None and not 1 <= top <= TOP_MAX:
        raise InvalidInput("top", _("must be 1 to %(max)s", max=TOP_MAX))
    end = _check_period(since, until)
    contacts, reasons = costed_contacts(session, since, end, rules, cost_model)
    total = int(contacts["cost_cents"].sum())
    known = contacts[contacts["customer"] >= 0]
    people = customer_groups(session, known["customer"].astype(int).tolist(), end)
    run = latest_run(session)
    joined = known.join(people, on="customer")
    joined["avoidable_cents"] = np.where(joined["rule"].notna(), joined["cost_cents"], 0)
    joined["first"] = pd.Series(
        [r[0] if r else None for r in joined["reasons"]], index=joined.index, dtype=object
    )
    out = {}
    for by in groupings:
        provenance = _provenance(
            contacts,
            reasons,
            since,
            end,
            cost_model=dict(cost_model),
            rules=tuple(r.name for r in rules),
            score_run=run.run_id if run is not None and by == "segment" else None,
        )
        rows = _cost_rows(joined, by)
        cut = top if by in ("customer", "client") else None
        out[by] = CostReport(provenance, by, total, rows[:cut] if cut else rows, len(rows), cut)
    return out


def _cost_rows(joined: pd.DataFrame, by: str) -> list[CostRow]:
    frame = joined[joined["kind"] == "b2b"] if by == "client" else joined
    key = {"customer": "ref", "client": "ref", "segment": "segment"}.get(by, "product_type")
    frame = frame.assign(
        key=pd.Series(
            [_NONE if v is None or v != v else str(v) for v in frame[key]],
            index=frame.index,
            dtype=object,
        )
    )
    if frame.empty:
        return []
    sums = frame.groupby("key", sort=False).agg(
        contacts=("cost_cents", "size"),
        handle=("handle", "sum"),
        cost=("cost_cents", "sum"),
        avoidable=("avoidable_cents", "sum"),
        name=("name", "first"),
    )
    # The primary reason given most often in each group (ties by name).
    given = frame.dropna(subset=["first"]).groupby(["key", "first"]).size().rename("n")
    ranked = given.reset_index().sort_values(["key", "n", "first"], ascending=[True, False, True])
    top = ranked.drop_duplicates("key").set_index("key")["first"].to_dict()
    named = by in ("customer", "client")
    rows = [
        CostRow(
            key=None if group == _NONE else str(group),
            label=str(name) if named and isinstance(name, str) else None,
            contacts=int(contacts),
            handle_minutes=float(handle) / 60.0,
            cost_cents=int(cost),
            avoidable_cost_cents=int(avoidable),
            cost_per_contact_cents=round(int(cost) / int(contacts)),
            top_reason=top.get(group),
        )
        for group, contacts, handle, cost, avoidable, name in sums.itertuples()
    ]
    rows.sort(key=lambda r: (-r.cost_cents, r.key is None, r.key or ""))
    return rows
