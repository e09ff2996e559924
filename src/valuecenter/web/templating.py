"""The Jinja2 environment of the pages and its filters.

Amounts are shown Dutch-style everywhere ("€ 1.234,56", "€ -12,50"); times as
"2 Mar 2026 09:14" in ``settings.display_timezone`` (default Europe/Amsterdam). The database
and the API keep UTC; only the page filters convert, and the day of a datetime is the day in
that zone. Plain dates (contract start, customer since) are shown as they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from valuecenter import __version__
from valuecenter.formatting import grouped, money_exact, money_short
from valuecenter.i18n import gettext, ngettext
from valuecenter.users.models import Role

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

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


money = money_exact
"""Cents → '€ 1.234,56' (negative: '€ -1.234,56'); unknown currencies by code."""


def local(value: datetime, zone: tzinfo = UTC) -> datetime:
    """``value`` in ``zone``; a naive datetime is taken as UTC (what the database holds)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)


def day(value: date | datetime | None, zone: tzinfo = UTC) -> str:
    """'2 Mar 2026'; a datetime is first put in ``zone``, a date is shown as it is."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = local(value, zone)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def clock(value: datetime | None, zone: tzinfo = UTC) -> str:
    """'09:14' in ``zone``."""
    if value is None:
        return ""
    return f"{local(value, zone):%H:%M}"


def stamp(value: datetime | None, zone: tzinfo = UTC) -> str:
    """'2 Mar 2026 09:14' in ``zone``."""
    if value is None:
        return "–"
    return f"{day(value, zone)} {clock(value, zone)}"


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
    settings = request.app.state.settings
    return {
        "csrf_token": token or "",
        "version": __version__,
        "display_timezone": settings.display_timezone,
        "display_zone": settings.display_zone,
    }


def _zone(ctx: Context) -> tzinfo:
    zone = ctx["display_zone"]  # set by _context for every page
    assert isinstance(zone, tzinfo)
    return zone


@pass_context
def _day(ctx: Context, value: date | datetime | None) -> str:
    return day(value, _zone(ctx))


@pass_context
def _clock(ctx: Context, value: datetime | None) -> str:
    return clock(value, _zone(ctx))


@pass_context
def _stamp(ctx: Context, value: datetime | None) -> str:
    return stamp(value, _zone(ctx))


templates = Jinja2Templates(directory=str(TEMPLATES), context_processors=[_context])
# {% trans %} blocks and _() in templates use the request's locale (valuecenter/i18n.py).
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
# The roles that may hold API tokens (`valuecenter users token NAME`): every role, since the
# API serves each of them (web/api/); the navigation links them to the API documentation.
templates.env.globals["api_roles"] = tuple(role.value for role in Role)
templates.env.filters.update(
    money=money,
    money_short=money_short,
    day=_day,
    clock=_clock,
    stamp=_stamp,
    duration=duration,
    grouped=grouped,
    channel_label=channel_label,
    nps_class=nps_class,
)
