"""Numbers and money in words the way every page, reason text and CLI line shows them (Dutch
grouping: "1.234.567", "€ 13.418"). Plain functions, usable from domains and front doors."""

from __future__ import annotations

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def grouped(n: int) -> str:
    """Thousands separated by dots: 1234567 → '1.234.567'."""
    return f"{n:,}".replace(",", ".")


def money_short(cents: float | None, currency: str = "EUR") -> str:
    """Whole units only, for key figures and reasons: '€ 12.346' (negative: '€ -12.346')."""
    if cents is None:
        return "–"
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    sign = "-" if cents < 0 else ""
    return f"{symbol} {sign}{grouped(round(abs(cents) / 100))}"


def money_exact(cents: float | None, currency: str = "EUR") -> str:
    """With cents, for small amounts such as an offer's expected value: '€ 1.234,56'."""
    if cents is None:
        return "–"
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    sign = "-" if round(cents) < 0 else ""
    whole, part = divmod(round(abs(cents)), 100)
    return f"{symbol} {sign}{grouped(whole)},{part:02d}"
