"""The next-best-action's reasons in words (issue 16, part 2: "reasons in words").

An agent reads the reasons while the customer is on the line, so no model input appears under
its internal name ("wait minutes", "own top3", "act=copy-paper-bulk"): :func:`feature_label`
turns every input of the propensity models (the customer's feature row, ``offers/features.py``;
the contact's part, ``arbitration.context_features``; the action-relative inputs,
``offers/inputs.py``) into a phrase, through the gettext catalogue (``valuecenter.i18n``).
An input this module does not know is said as "another customer trait", never by its name;
a test walks every input name the product makes and checks each has its own phrase.

Money lines follow one rule: a euro figure is a sum of euros. The manager's levers weigh an
action's *rank*, not its value, so :func:`expected_line` never multiplies a lever weight into
a euro amount, and :func:`lever_phrase` says the weight beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from valuecenter.formatting import money_exact
from valuecenter.i18n import format_percent
from valuecenter.i18n import gettext as _
from valuecenter.offers.inputs import ACT, OWN_HELD, OWN_SHARE, OWN_TOP

Phrase = Callable[[float], str]


def _minutes(value: float) -> str:
    return _("waited %(n)s minutes", n=f"{value:.0f}")


def _yes_no(yes: str, no: str) -> Phrase:
    return lambda value: yes if value else no


def _phrases() -> dict[str, Phrase]:
    """The fixed inputs and their phrases (built per call: the locale may differ)."""
    return {
        # the customer's feature row
        "b2b": _yes_no(_("a business customer"), _("a consumer")),
        "tenure_years": lambda v: _("customer for %(n)s years", n=f"{v:.1f}"),
        "log_revenue_12m": lambda v: _("his revenue of the last 12 months"),
        "orders_12m": lambda v: _("%(n)s orders in the last 12 months", n=f"{v:.0f}"),
        "days_since_order": lambda v: _("%(n)s days since his last order", n=f"{v:.0f}"),
        "contract_active": _yes_no(_("has a running contract"), _("has no contract")),
        "contract_ending": _yes_no(
            _("his contract ends soon"), _("his contract does not end soon")
        ),
        "open_case": _yes_no(_("has an open case"), _("has no open case")),
        "open_complaint": _yes_no(_("has an open complaint"), _("has no open complaint")),
        "nps_known": _yes_no(_("answered a survey"), _("never answered a survey")),
        "nps": lambda v: _("his last NPS answer was %(n)s", n=f"{v:.0f}"),
        "contacts_90d": lambda v: _("%(n)s contacts in the last 90 days", n=f"{v:.0f}"),
        "complaints_365d": lambda v: _("%(n)s complaints in the last year", n=f"{v:.0f}"),
        "campaigns_received": lambda v: _("received %(n)s campaigns", n=f"{v:.0f}"),
        "campaign_response_rate": lambda v: _(
            "answers campaigns (%(share)s of them)", share=f"{v:.0%}"
        ),
        "nba_accepts_365d": lambda v: _("accepted %(n)s offers this year", n=f"{v:.0f}"),
        "nba_rejects_365d": lambda v: _("turned down %(n)s offers this year", n=f"{v:.0f}"),
        "log_clv": lambda v: _("his customer value (CLV)"),
        "p_alive": lambda v: (
            _("no value score yet")
            if v < 0
            else _("still an active buyer (%(share)s likely)", share=f"{v:.0%}")
        ),
        # the contact
        "outbound": _yes_no(_("we call him"), _("he contacts us")),
        "intent_none": _yes_no(
            _("the reason of the contact is not known yet"), _("a known reason")
        ),
        "intent_service": _yes_no(_("he has a service question"), _("no service question")),
        "intent_order": _yes_no(_("he places an order now"), _("not placing an order")),
        "intent_cancel": _yes_no(_("he wants to cancel"), _("does not want to cancel")),
        "monday_morning": _yes_no(_("Monday morning"), _("not Monday morning")),
        "weekend": _yes_no(_("at the weekend"), _("on a weekday")),
        "hour_local": lambda v: _("at %(n)s o'clock", n=f"{v * 24:.0f}"),
        "wait_minutes": _minutes,
        # the action-relative inputs
        OWN_SHARE: lambda v: _(
            "buys in this offer's category (%(share)s of his order lines this year)",
            share=f"{v:.0%}",
        ),
        OWN_TOP: _yes_no(
            _("this offer's category is one of his three biggest"),
            _("this offer's category is not among his biggest"),
        ),
        OWN_HELD: _yes_no(
            _("bought this product this year"), _("has not bought this product this year")
        ),
    }


FIXED_INPUTS: frozenset[str] = frozenset(_phrases())
"""The input names :func:`feature_label` has a phrase of its own for (besides the families)."""


def feature_label(name: str, value: float, names: Mapping[str, str] | None = None) -> str:
    """A model input in words, for the reasons an agent reads. ``names`` maps the codes in
    the input families (products, categories, actions) to their names where known."""
    known = names or {}

    def named(code: str) -> str:
        return known.get(code, code)

    if name.startswith(ACT):
        return _("customers often accept this offer")
    if name.startswith("held:"):
        return _("bought %(product)s this year", product=named(name[5:]))
    if name.startswith("share:"):
        return _(
            "buys %(category)s (%(share)s of his order lines this year)",
            category=named(name[6:]),
            share=f"{value:.0%}",
        )
    if name.startswith("segment="):
        return _("customer segment %(segment)s", segment=name[8:])
    if name.startswith("country="):
        return _("customer in %(country)s", country=name[8:])
    if name.startswith("ch:"):
        return _("in contact by %(channel)s", channel=name[3:])
    phrase = _phrases().get(name)
    return phrase(value) if phrase is not None else _("another customer trait")


def open_case_phrase(since: datetime) -> str:
    """Why a retention action leads: the customer's open save case."""
    return _(
        "open save case since %(day)s: he told us he wants to cancel",
        day=f"{since:%Y-%m-%d}",
    )


def lever_phrase(name: str, weight: float) -> str:
    """One lever that applied: it weighs the action's rank, not its euros."""
    return _("“%(lever)s” weighs its rank ×%(weight)s", lever=name, weight=f"{weight:g}")


def expected_line(
    *,
    expected_cents: float,
    incremental: float,
    value_cents: float,
    p_accept: float,
    cost_cents: float,
    contact_cost_cents: float,
) -> str:
    """The expected net value of showing the action, as a sum of euros (no lever weight)."""
    line = _(
        "expected %(expected)s = %(incremental)s × %(value)s − %(p)s × %(cost)s",
        expected=money_exact(expected_cents),
        incremental=format_percent(incremental, decimals=1),
        value=money_exact(value_cents),
        p=format_percent(p_accept, decimals=1),
        cost=money_exact(cost_cents),
    )
    if contact_cost_cents:
        line += " − " + money_exact(contact_cost_cents)
    return line
