"""The Jinja2 environment of the pages and its filters.

Every page speaks the request's language (web/locale.py): strings through ``_``/``{% trans %}``
(the ``pages`` catalogue) and numbers, money, percentages and dates formatted by Babel (CLDR)
for that locale through :mod:`valuecenter.i18n` — nl "€ 1.234,56", "2 mrt 2026", "12,5%";
en "€1,234.56", "2 Mar 2026", "12.5%". Times are shown in ``settings.display_timezone``
(default Europe/Amsterdam). The database and the API keep UTC; only the page filters convert,
and the day of a datetime is the day in that zone. Plain dates (contract start, customer
since) are shown as they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from babel import Locale, numbers
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from valuecenter import __version__
from valuecenter.i18n import (
    FORMAT_LOCALES,
    current_locale,
    format_date,
    format_input,
    format_money,
    format_number,
    format_percent,
    format_unit_price,
    gettext,
    lazy_gettext,
    translations,
)
from valuecenter.users.models import Role

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

CHANNEL_LABELS = {
    "phone": lazy_gettext("Phone"),
    "chat": lazy_gettext("Chat"),
    "email": lazy_gettext("E-mail"),
    "webcare": lazy_gettext("Webcare"),
    "sms": lazy_gettext("SMS"),
    "fax": lazy_gettext("Fax"),
    "self-service": lazy_gettext("Self-service"),
}

ROLE_LABELS = {
    "agent": lazy_gettext("agent"),
    "account_manager": lazy_gettext("account manager"),
    "manager": lazy_gettext("manager"),
    "admin": lazy_gettext("admin"),
}


def money(cents: float | None, currency: str = "EUR") -> str:
    """Cents with cents, in the locale: nl '€ 1.234,56' (negative '€ -1.234,56'), en
    '€1,234.56' ('-€1,234.56'); None → '–'."""
    return format_money(cents, currency)


def money_short(cents: float | None, currency: str = "EUR") -> str:
    """Whole units for key figures: nl '€ 12.346', en '€12,346'; None → '–'."""
    return format_money(cents, currency, whole=True)


def grouped(n: int | float | None) -> str:
    """A count with the locale's grouping: nl '1.234.567', en '1,234,567'."""
    if n is None:
        return "–"
    return format_number(n)


def decimal(value: float | None, decimals: int = 1) -> str:
    """A figure with ``decimals`` decimals in the locale: nl '2,5', en '2.5'; None → '–'."""
    if value is None:
        return "–"
    return format_number(value, decimals=decimals)


def percent(share: float | None, decimals: int = 0) -> str:
    """A share (0.123) as a percentage in the locale: nl '12,3%', en '12.3%'; None → '–'."""
    if share is None:
        return "–"
    return format_percent(share, decimals=decimals)


def points(share: float, decimals: int = 1) -> str:
    """A difference of two shares in percentage points, signed: nl '+2,5 pt', en '+2.5 pts'."""
    sign = "+" if share > 0 else "−" if share < 0 else "±"
    return gettext(
        "%(sign)s%(n)s pts", sign=sign, n=format_number(abs(100 * share), decimals=decimals)
    )


def _time_locale(locale: str) -> dict[str, object]:
    """d3's time-format locale from CLDR: day and month names of the language (Sunday first, as
    d3 counts), 24-hour clock for Dutch."""
    cldr = Locale.parse(FORMAT_LOCALES[locale])

    def week(width: str) -> list[str]:
        names = cldr.days["format"][width]
        return [str(names[(i + 6) % 7]) for i in range(7)]  # CLDR: 0 = Monday

    def year(width: str) -> list[str]:
        names = cldr.months["format"][width]
        return [str(names[m]).rstrip(".") for m in range(1, 13)]

    return {
        "dateTime": "%a %e %B %Y %X",
        "date": "%d-%m-%Y" if locale == "nl" else "%m/%d/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": week("wide"),
        "shortDays": [d.rstrip(".") for d in week("abbreviated")],
        "months": year("wide"),
        "shortMonths": year("abbreviated"),
    }


def chart_config() -> dict[str, object]:
    """The Vega config of a chart for the request's language: d3's number locale (decimal sign,
    grouping, currency) and time locale (day and month names) from CLDR, so axis labels and
    tooltips read nl '1.234,5', 'ma 26 okt' / en '1,234.5', 'Mon 26 Oct' like the rest of the
    page (Vega's ``config.locale``)."""
    locale = current_locale()
    return {
        "locale": {
            "time": _time_locale(locale),
            "number": {
                "decimal": numbers.get_decimal_symbol(FORMAT_LOCALES[locale]),
                "thousands": numbers.get_group_symbol(FORMAT_LOCALES[locale]),
                "grouping": [3],
                "currency": ["€ " if locale == "nl" else "€", ""],
                "percent": "%",
                "minus": "-",
            },
        }
    }


def local(value: datetime, zone: tzinfo = UTC) -> datetime:
    """``value`` in ``zone``; a naive datetime is taken as UTC (what the database holds)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)


def day(value: date | datetime | None, zone: tzinfo = UTC) -> str:
    """nl '2 mrt 2026', en '2 Mar 2026'; a datetime is first put in ``zone``, a date is shown
    as it is."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = local(value, zone).date()
    return format_date(value)


def clock(value: datetime | None, zone: tzinfo = UTC) -> str:
    """'09:14' in ``zone`` (24 hours in both languages)."""
    if value is None:
        return ""
    return f"{local(value, zone):%H:%M}"


def stamp(value: datetime | None, zone: tzinfo = UTC) -> str:
    """nl '2 mrt 2026 09:14', en '2 Mar 2026 09:14' in ``zone``."""
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
    label = CHANNEL_LABELS.get(channel)
    return str(label) if label is not None else channel.replace("-", " ").capitalize()


def nps_class(score: int | None) -> str:
    """NPS bands: promoter 9–10, passive 7–8, detractor 0–6."""
    if score is None:
        return "none"
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def _template_gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def _context(request: Request) -> dict[str, Any]:
    # Only read the token here: creating one would change the session on every response.
    token = request.session.get("csrf") if "session" in request.scope else None
    settings = request.app.state.settings
    return {
        "csrf_token": token or "",
        "lang": current_locale(),
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
templates.env.policies["ext.i18n.trimmed"] = True  # as babel-pages.cfg extracts them
# Jinja's newstyle gettext fills the placeholders itself, so it gets the bare catalogue lookups.
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    _template_gettext, _template_ngettext, newstyle=True
)
templates.env.globals["role_labels"] = ROLE_LABELS
# The roles that may hold API tokens (`valuecenter users token NAME`): every role, since the
# API serves each of them (web/api/); the navigation links them to the API documentation.
templates.env.globals["api_roles"] = tuple(role.value for role in Role)
templates.env.filters.update(
    money=money,
    money_short=money_short,
    decimal=decimal,
    decimal_input=format_input,
    percent=percent,
    points=points,
    unit_price=format_unit_price,
    day=_day,
    clock=_clock,
    stamp=_stamp,
    duration=duration,
    grouped=grouped,
    channel_label=channel_label,
    nps_class=nps_class,
)
