"""The Jinja2 environment of the pages and its filters.

Amounts are shown Dutch-style everywhere ("€ 1.234,56", "€ -12,50"); times in UTC as
"2 Mar 2026 09:14" (the database keeps UTC and there is no per-user zone yet).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from valuecenter import __version__

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CHANNEL_LABELS = {
    "phone": "Phone",
    "chat": "Chat",
    "email": "E-mail",
    "webcare": "Webcare",
    "sms": "SMS",
    "fax": "Fax",
    "self-service": "Self-service",
}


def grouped(n: int) -> str:
    """Thousands separated by dots: 1234567 → '1.234.567'."""
    return f"{n:,}".replace(",", ".")


def money(cents: int | None, currency: str = "EUR") -> str:
    """Integer cents → '€ 1.234,56' (negative: '€ -1.234,56'); unknown currencies by code."""
    if cents is None:
        return "–"
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    return f"{symbol} {sign}{grouped(units)},{rest:02d}"


def money_short(cents: int | None, currency: str = "EUR") -> str:
    """Whole units only, for key-figure cards: '€ 12.346'."""
    if cents is None:
        return "–"
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    sign = "-" if cents < 0 else ""
    return f"{symbol} {sign}{grouped(round(abs(cents) / 100))}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def stamp(value: datetime | None) -> str:
    if value is None:
        return "–"
    return f"{day(value)} {value:%H:%M}"


def duration(seconds: int | None) -> str:
    if not seconds:
        return "0:00"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def channel_label(channel: str | None) -> str:
    if not channel:
        return ""
    return CHANNEL_LABELS.get(channel, channel.replace("-", " ").capitalize())


def nps_class(score: int | None) -> str:
    """NPS bands: promoter 9–10, passive 7–8, detractor 0–6."""
    if score is None:
        return "none"
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def _context(request: Request) -> dict[str, Any]:
    # Only read the token here: creating one would change the session on every response.
    token = request.session.get("csrf") if "session" in request.scope else None
    return {"csrf_token": token or "", "version": __version__}


templates = Jinja2Templates(directory=str(TEMPLATES), context_processors=[_context])
templates.env.filters.update(
    money=money,
    money_short=money_short,
    day=day,
    stamp=stamp,
    duration=duration,
    grouped=grouped,
    channel_label=channel_label,
    nps_class=nps_class,
)
