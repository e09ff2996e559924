"""Numbers and money in words the way every page, reason text and CLI line shows them, in the
current locale (valuecenter.i18n, CLDR via Babel): Dutch "1.234.567" and "€ 13.418", English
"1,234,567" and "€13,418". Plain functions, usable from domains and front doors; the locale is
the command's (CLI) or the request's (web)."""

from __future__ import annotations

from valuecenter.i18n import format_money, format_number


def grouped(n: int) -> str:
    """Thousands grouped by the locale: 1234567 → nl '1.234.567', en '1,234,567'."""
    return format_number(n, decimals=0)


def money_short(cents: float | None, currency: str = "EUR") -> str:
    """Whole units only, for key figures and reasons: nl '€ 12.346', en '€12,346'
    (negative: nl '€ -12.346', en '-€12,346'); None → '–'."""
    return format_money(cents, currency, whole=True)


def money_exact(cents: float | None, currency: str = "EUR") -> str:
    """With cents, for small amounts such as an offer's expected value: nl '€ 1.234,56',
    en '€1,234.56'; None → '–'."""
    return format_money(cents, currency)
