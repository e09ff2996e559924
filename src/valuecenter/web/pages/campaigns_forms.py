"""The campaign wizard's forms (``pages/campaigns.py``): each step's fields as typed (strings,
shown again on a refusal) and the schema it makes (``marketing/schemas.py``). Numbers are read
as people type them in the page's locale ("1.234,50", "8,5"); shares are typed in percent.
A field the schema refuses comes back as :class:`InvalidInput` naming the form's field, with
the schema's reason. Parsing only: the rules are the service's."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, ImmutableMultiDict, QueryParams

from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, format_input, parse_decimal
from valuecenter.marketing.schemas import CampaignDraft, Goal, SelectionSpec
from valuecenter.web.errors import readable_validation

MAX_TEXT = 5000
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # CampaignDraft.code's pattern
MAX_ITEMS = 50

Source = FormData | QueryParams | ImmutableMultiDict[str, Any]


def _text(source: Source, name: str, limit: int = 200) -> str:
    value = source.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _words(source: Source, name: str) -> tuple[str, ...]:
    return tuple(
        v.strip()[:64] for v in source.getlist(name)[:MAX_ITEMS] if isinstance(v, str) and v.strip()
    )


def number(text: str, name: str) -> float | None:
    """A typed number in the page's locale, or None for an empty field."""
    if not text.strip():
        return None
    try:
        value = float(parse_decimal(text.strip()))
    except (ValueError, ArithmeticError):
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(name, _("'%(text)s' is not a number", text=text.strip()))
    return value


def whole(text: str, name: str) -> int | None:
    value = number(text, name)
    if value is None:
        return None
    if value != int(value) or abs(value) > 1e9:
        raise InvalidInput(name, _("'%(text)s' is not a whole number", text=text.strip()))
    return int(value)


def percent_share(text: str, name: str) -> float | None:
    """A percentage as typed ("8,5") → the share (0.085)."""
    value = number(text, name)
    return None if value is None else value / 100


def shown(value: float | None) -> str:
    return "" if value is None else format_input(value)


def shown_percent(share: float | None) -> str:
    return "" if share is None else format_input(round(share * 100, 6))


def validated(model: type[BaseModel], data: Mapping[str, Any], names: Mapping[str, str]) -> Any:
    """``model`` of ``data``; a refusal names the form field (``names``: schema → form)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "form"
        own = first.get("ctx", {}).get("error")  # a validator's own (translated) words
        words = readable_validation([first]).partition(": ")[2]
        raise InvalidInput(names.get(key, key), str(own) if own else words) from None


# ---------------------------------------------------------------------- step 1: selection


@dataclass(frozen=True)
class SelectionForm:
    name: str = ""
    segments: tuple[str, ...] = ()
    rfm_segments: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    clv_min: str = ""
    clv_max: str = ""
    risk_min: str = ""
    risk_max: str = ""
    categories: tuple[str, ...] = ()
    bought_within_days: str = "365"
    contract_end_from: str = ""
    contract_end_to: str = ""

    @classmethod
    def read(cls, source: Source) -> SelectionForm:
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.type == "tuple[str, ...]":
                values[f.name] = _words(source, f.name)
            else:
                values[f.name] = _text(source, f.name) or f.default
        return cls(**values)

    def spec(self) -> SelectionSpec:
        data: dict[str, Any] = {
            "segments": list(self.segments),
            "rfm_segments": list(self.rfm_segments),
            "countries": list(self.countries),
            "kinds": list(self.kinds),
            "categories": list(self.categories),
            "clv_min_euro": number(self.clv_min, "clv_min"),
            "clv_max_euro": number(self.clv_max, "clv_max"),
            "risk_min": percent_share(self.risk_min, "risk_min"),
            "risk_max": percent_share(self.risk_max, "risk_max"),
            "bought_within_days": whole(self.bought_within_days, "bought_within_days") or 365,
            "contract_end_from": self.contract_end_from or None,
            "contract_end_to": self.contract_end_to or None,
        }
        names = {
            "clv_min_euro": "clv_min",
            "clv_max_euro": "clv_max",
        }
        spec: SelectionSpec = validated(SelectionSpec, data, names)
        return spec

    @classmethod
    def of(cls, spec: SelectionSpec, name: str = "") -> SelectionForm:
        return cls(
            name=name,
            segments=tuple(spec.segments),
            rfm_segments=tuple(spec.rfm_segments),
            countries=tuple(spec.countries),
            kinds=tuple(spec.kinds),
            clv_min=shown(spec.clv_min_euro),
            clv_max=shown(spec.clv_max_euro),
            risk_min=shown_percent(spec.risk_min),
            risk_max=shown_percent(spec.risk_max),
            categories=tuple(spec.categories),
            bought_within_days=str(spec.bought_within_days),
            contract_end_from=spec.contract_end_from.isoformat() if spec.contract_end_from else "",
            contract_end_to=spec.contract_end_to.isoformat() if spec.contract_end_to else "",
        )


# ---------------------------------------------------------------------- step 2: proposition


@dataclass(frozen=True)
class DraftForm:
    code: str = ""
    name: str = ""
    selection_id: str = ""
    action: str = ""
    channel: str = "email"
    start: str = ""
    runtime_days: str = "30"
    budget: str = ""
    fixed_cost: str = "0"
    cost_per_contact: str = "0"
    cost_per_voucher: str = "0"
    margin_share: str = ""
    vouchers: bool = False
    landing_title: str = ""
    landing_body: str = ""

    @classmethod
    def read(cls, source: Source) -> DraftForm:
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "vouchers":
                values[f.name] = _text(source, f.name) in ("on", "true", "1")
            else:
                values[f.name] = _text(
                    source, f.name, MAX_TEXT if f.name == "landing_body" else 200
                )
        return cls(**values)

    def draft(self) -> CampaignDraft:
        selection = whole(self.selection_id, "selection_id")
        if selection is None:
            raise InvalidInput("selection_id", _("choose a selection first"))
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "selection_id": selection,
            "action": self.action,
            "channel": self.channel,
            "start": self.start,
            "runtime_days": whole(self.runtime_days, "runtime_days") or 30,
            "budget_euro": number(self.budget, "budget"),
            "fixed_cost_euro": number(self.fixed_cost, "fixed_cost") or 0.0,
            "cost_per_contact_euro": number(self.cost_per_contact, "cost_per_contact") or 0.0,
            "cost_per_voucher_euro": number(self.cost_per_voucher, "cost_per_voucher") or 0.0,
            "margin_share": percent_share(self.margin_share, "margin_share"),
            "vouchers": self.vouchers,
            "landing_title": self.landing_title or None,
            "landing_body": self.landing_body or None,
        }
        if self.code and not CODE.fullmatch(self.code):
            raise InvalidInput(
                "code", _("use letters, digits, '.', '_' or '-', starting with a letter or digit")
            )
        if not self.action:
            raise InvalidInput("action", _("choose an action of the catalogue"))
        if not self.start:
            raise InvalidInput("start", _("give the day the campaign starts"))
        names = {
            "budget_euro": "budget",
            "fixed_cost_euro": "fixed_cost",
            "cost_per_contact_euro": "cost_per_contact",
            "cost_per_voucher_euro": "cost_per_voucher",
        }
        draft: CampaignDraft = validated(CampaignDraft, data, names)
        return draft


# ---------------------------------------------------------------------- step 3: goal


@dataclass(frozen=True)
class GoalForm:
    """The goal as typed: rates, α, power, treated share and ROI in percent; a revenue goal's
    baseline, effect and standard deviation in euros per member."""

    metric: str = "conversion"
    baseline: str = ""
    mde: str = ""
    sd_euro: str = ""
    alpha: str = "5"
    power: str = "80"
    treated_share: str = "50"
    min_roi: str = "0"

    @classmethod
    def read(cls, source: Source) -> GoalForm:
        return cls(**{f.name: _text(source, f.name) for f in fields(cls)}).with_defaults()

    def with_defaults(self) -> GoalForm:
        blank = GoalForm()
        return replace(
            self,
            metric=self.metric or blank.metric,
            alpha=self.alpha or blank.alpha,
            power=self.power or blank.power,
            treated_share=self.treated_share or blank.treated_share,
            min_roi=self.min_roi or blank.min_roi,
        )

    def goal(self) -> Goal:
        revenue = self.metric == "revenue"
        rate = number if revenue else percent_share
        baseline = rate(self.baseline, "baseline")
        mde = rate(self.mde, "mde")
        if baseline is None:
            raise InvalidInput("baseline", _("give the control group's expected result"))
        if mde is None:
            raise InvalidInput("mde", _("give the smallest effect worth finding"))
        data: dict[str, Any] = {
            "metric": self.metric,
            "baseline": baseline,
            "mde": mde,
            "sd_euro": number(self.sd_euro, "sd_euro") if revenue else None,
            "alpha": percent_share(self.alpha, "alpha"),
            "power": percent_share(self.power, "power"),
            "treated_share": percent_share(self.treated_share, "treated_share"),
            "min_roi": percent_share(self.min_roi, "min_roi"),
        }
        goal: Goal = validated(Goal, data, {})
        return goal

    @classmethod
    def of(cls, goal: Goal) -> GoalForm:
        revenue = goal.metric == "revenue"
        show = shown if revenue else shown_percent
        return cls(
            metric=goal.metric,
            baseline=show(goal.baseline),
            mde=show(goal.mde),
            sd_euro=shown(goal.sd_euro),
            alpha=shown_percent(goal.alpha),
            power=shown_percent(goal.power),
            treated_share=shown_percent(goal.treated_share),
            min_roi=shown_percent(goal.min_roi),
        )
