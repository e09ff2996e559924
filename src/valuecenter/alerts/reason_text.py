"""Reasons in words, in the reader's language: stored as a code with its figures, rendered
when they are shown.

An alert, a save case and a renewal candidate store their reasons as
``{"code", "params", "text"}``: ``code`` says what the reason is (a feature name, a rule),
``params`` holds the raw figures (counts, cents, fractions, ISO days) and ``text`` the English
sentence written when the reason was made — what a reader of the raw JSON, or of a row stored
before reasons had figures, sees. :func:`reason_text` renders the sentence again in the
current locale (the page's, the command's), so the same stored alert reads "Contract ends in
12 days" in English and "Contract loopt af over 12 dagen" in Dutch, and money and numbers
follow the locale ("€ 1.234" / "€1,234").

How a figure is formatted follows its name: ``…cents`` money in whole euros, ``…share`` a
percentage, ``…points`` signed percentage points, ``…day`` a date; any other whole number is
grouped ("1.234"), any other fraction shown with one decimal. The phrase is the reason's
``phrase`` when it has one, else its ``code``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from valuecenter.alerts.contract_features import FEATURE_TEXT
from valuecenter.formatting import grouped, money_short
from valuecenter.i18n import N_, format_date, format_number, format_percent, gettext, use_locale

# The renewal model's campaign-history features (retention/renewal_features.py), in words.
HISTORY_TEXT: dict[str, str] = {
    "term_months": N_("Contract term: %(n)s months"),
    "messages_365d": N_("Campaign messages in the last year: %(n)s"),
    "responses_365d": N_("Answered campaign messages in the last year: %(n)s"),
    "offers_before": N_("Renewal offers before: %(n)s"),
    "renewed_after_offer": N_("Renewed after an offer before: %(n)s×"),
}

# A churn-model feature the model found blank (no value), in words: phrase "<feature>-blank".
BLANK_TEXT: dict[str, str] = {
    "revenue_trend-blank": N_("No usual order level to compare his recent orders with"),
    "nps_last-blank": N_("Never answered an NPS survey"),
    "monthly_fee_eur-blank": N_("No monthly fee known"),
    "days_to_end-blank": N_("No contract end date known"),
    "tenure_days-blank": N_("Customer since: not known"),
}
# Every reason sentence the product writes, by phrase id (English message ids).
PHRASES: dict[str, str] = {
    **FEATURE_TEXT,
    **HISTORY_TEXT,
    **BLANK_TEXT,
    # Order rhythm (alerts/service.py).
    "rhythm-risk": N_(
        "Rhythm warning: %(risk_share)s chance of no order in the next %(window)s days"
    ),
    "overdue": N_("No order for %(days)s days; he usually orders every %(gap)s days"),
    "since-last": N_("Last order %(days)s days ago; he usually orders every %(gap)s days"),
    "fewer-orders": N_(
        "%(observed)s orders in the last %(window)s days; %(expected)s expected from his own rhythm"
    ),
    "revenue-down": N_(
        "Revenue of the last %(window)s days %(revenue_cents)s is %(share)s of his usual "
        "%(usual_cents)s"
    ),
    "below-market": N_("His market (%(market)s) is down too, but he is down more than his peers"),
    # The save desk (retention/desk.py).
    "segment": N_("Value segment %(segment)s: CLV %(clv_cents)s"),
    "churn-risk": N_("Churn model risk %(risk_share)s (alert of %(raised_day)s)"),
    # The renewal list (retention/renewal.py).
    "renewal": N_(
        "Renews %(p0_share)s without an offer, %(p1_share)s with '%(offer)s' "
        "(%(uplift_points)s points)"
    ),
    "value": N_("Next term worth %(value_cents)s"),
    "answered-of": N_("Answered %(answered)s of %(messages)s campaign messages in the last year"),
}

Params = Mapping[str, object]


def _shown(name: str, value: object) -> str:
    """One figure in the current locale, by its name (see the module's docstring)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        if name.endswith("cents"):
            return money_short(value)
        if name.endswith("share"):
            return format_percent(float(value))
        if name.endswith("points"):
            return ("+" if value >= 0 else "-") + format_number(abs(round(value)))
        if isinstance(value, int) or float(value).is_integer():
            return grouped(int(value))
        return format_number(value, decimals=1)
    if isinstance(value, str) and name.endswith("day"):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def render(phrase: str, params: Params) -> str:
    """The sentence of ``phrase`` with ``params`` in the current locale."""
    shown = {name: _shown(name, value) for name, value in params.items()}
    return gettext(PHRASES[phrase], **shown)


def reason(code: str, params: Params, *, phrase: str | None = None) -> dict[str, object]:
    """A reason to store: its code, its figures, and its English sentence."""
    with use_locale("en"):
        text = render(phrase or code, params)
    item: dict[str, object] = {"code": code, "params": dict(params), "text": text}
    if phrase is not None and phrase != code:
        item["phrase"] = phrase
    return item


def feature_reason(feature: str, value: float) -> dict[str, object]:
    """The reason of one feature of FEATURE_TEXT/HISTORY_TEXT at ``value``: money features
    (``…_eur``, in euros) as cents, ``revenue_trend`` as a share, the rest as a whole number;
    a negative ``days_to_end`` is ``days_past_end``."""
    if feature == "days_to_end" and value < 0:
        feature, value = "days_past_end", -value
    if feature.endswith("_eur"):
        return reason(feature, {"cents": round(value * 100)})
    if feature == "revenue_trend":
        return reason(feature, {"share": float(value)})
    return reason(feature, {"n": round(value)})


def blank_reason(feature: str) -> dict[str, object] | None:
    """The reason of a feature the model found blank, when there are words for it."""
    phrase = f"{feature}-blank"
    return reason(feature, {}, phrase=phrase) if phrase in BLANK_TEXT else None


def reason_text(item: Mapping[str, object]) -> str:
    """A stored reason in the current locale; one without figures (or of an unknown phrase)
    keeps its stored sentence, else its code."""
    code = str(item.get("code") or "")
    phrase = str(item.get("phrase") or code)
    params = item.get("params")
    if phrase in PHRASES and isinstance(params, Mapping):
        try:
            return render(phrase, params)
        except (KeyError, TypeError, ValueError):
            pass  # figures that do not fit the phrase: the sentence written at the time
    return str(item.get("text") or code)
