"""Dutch and English: the gettext catalogues, the current locale and locale-aware formatting.

The product's users are Dutch, Belgian, German and Swiss companies, so every page, reason,
error and report exists in Dutch and English. Strings are marked with :func:`gettext`
(``_``) and :func:`ngettext` in Python and with ``{% trans %}``/``_()`` in templates, and
extracted with Babel (``make i18n``) into two catalogues under ``valuecenter/locale``:

- ``pages`` — the strings of the Jinja2 templates;
- ``messages`` — the strings of the Python code (CLI output, reasons, errors, page handlers).

The English text is the message id, so the English locale needs no translation; a test checks
that every id has a Dutch translation. Catalogues are compiled from the ``.po`` files in memory
on first use (no build step, no compiled files in the repository).

The locale of the work at hand lives in a context variable: the web sets it per request (the
user's setting, else ``Accept-Language``), the CLI once per command (``VALUECENTER_LANGUAGE``,
else ``LANG``). Numbers, money and dates are formatted by Babel (CLDR) for that locale:
``nl`` gives "€ 1.234,56", ``en`` gives "€1,234.56".
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

LOCALES: tuple[str, ...] = ("en", "nl")
"""The languages the product speaks; the first is the fallback."""
DEFAULT_LOCALE = "en"
DOMAINS: tuple[str, ...] = ("pages", "messages")
LOCALE_DIR = Path(__file__).with_name("locale")

_current: ContextVar[str] = ContextVar("valuecenter_locale", default=DEFAULT_LOCALE)


def po_path(locale: str, domain: str) -> Path:
    """The ``.po`` file of one domain in one locale."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The merged catalogues of ``locale``, compiled in memory from the ``.po`` files."""
    merged: _gettext.NullTranslations = _gettext.NullTranslations()
    for domain in DOMAINS:
        path = po_path(locale, domain)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        compiled = _gettext.GNUTranslations(buffer)
        if isinstance(merged, _gettext.GNUTranslations):
            merged.add_fallback(compiled)
        else:
            merged = compiled
    return merged


def normalize(locale: str | None) -> str | None:
    """'nl_BE', 'nl-NL' or 'NL' → 'nl'; a language the product does not speak → None."""
    if not locale:
        return None
    language = locale.replace("-", "_").split("_", 1)[0].split(".", 1)[0].strip().lower()
    return language if language in LOCALES else None


@lru_cache(maxsize=256)
def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The best of :data:`LOCALES` for an HTTP ``Accept-Language`` header (RFC 9110 §12.5.4):
    the highest-weighted language the product speaks, else ``default``. Cached: browsers send
    the same few headers on every request."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        language = normalize(tag)
        if language and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else default


def current_locale() -> str:
    """The locale of the work at hand."""
    return _current.get()


def set_locale(locale: str | None) -> None:
    """Set the locale of this context (a CLI command, a request); unknown → the default."""
    _current.set(normalize(locale) or DEFAULT_LOCALE)


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Run a block in ``locale`` and restore the previous one afterwards."""
    token = _current.set(normalize(locale) or DEFAULT_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def gettext(message: str, /, **params: Any) -> str:
    """``message`` in the current locale; ``%(name)s`` placeholders filled from ``params``."""
    text = translations(current_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The singular or plural form for ``n`` in the current locale; ``%(num)s`` is ``n``."""
    text = translations(current_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def N_(message: str, /) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction without translating it now: for ids kept in tables and
    translated when shown (``gettext(PHRASES[code], **params)``)."""
    return message


def lazy_gettext(message: str, /, **params: Any) -> LazyProxy:
    """A translation resolved when it is shown, for module-level labels."""
    return LazyProxy(gettext, message, enable_cache=False, **params)


_ = gettext


FORMAT_LOCALES = {"en": "en_IE", "nl": "nl_NL"}
"""The CLDR locale that formats each language: English as written in the euro area (Ireland:
'€1,234.56', '2 Mar 2026', a 24-hour clock) rather than American ('Mar 2, 2026'), since the
product's users are European companies."""


def _babel_locale() -> Locale:
    try:
        return Locale.parse(FORMAT_LOCALES.get(current_locale(), current_locale()))
    except (UnknownLocaleError, ValueError):  # pragma: no cover - LOCALES are all known
        return Locale.parse(DEFAULT_LOCALE)


def format_number(
    value: int | float | Decimal, *, decimals: int | None = None, grouping: bool = True
) -> str:
    """A number with the locale's grouping and decimal sign: nl '1.234,5', en '1,234.5';
    ``decimals`` fixes the decimals, ``grouping=False`` leaves out the thousands separator
    (form fields: nl '1234,50')."""
    if decimals is None and grouping:
        return numbers.format_decimal(value, locale=_babel_locale())
    if decimals is None:
        return format_input(value)
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(value, format=pattern, locale=_babel_locale())


def format_input(value: int | float | Decimal) -> str:
    """A number as a form field shows it for editing: no grouping, the locale's decimal sign,
    at most six decimals and no trailing zeros: nl '0,05', en '0.05'; :func:`parse_decimal`
    reads it back."""
    return numbers.format_decimal(value, format="0.######", locale=_babel_locale())


def format_percent(share: float, *, decimals: int = 0) -> str:
    """A share (0.123) as a percentage: nl '12%', en '12%' (CLDR: no space in either)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return numbers.format_percent(share, format=pattern, locale=_babel_locale())


def format_money(cents: float | None, currency: str = "EUR", *, whole: bool = False) -> str:
    """Cents as money in the locale: nl '€ 1.234,56', en '€1,234.56'; ``whole`` rounds to
    whole units for key figures and reasons; None → '–'."""
    if cents is None:
        return "–"
    amount = Decimal(round(cents)) / 100
    locale = _babel_locale()
    if not whole:
        text = numbers.format_currency(amount, currency, locale=locale)
    else:
        pattern = locale.currency_formats["standard"].pattern.replace("0.00", "0")
        text = numbers.format_currency(
            amount.quantize(Decimal(1)),
            currency,
            format=pattern,
            locale=locale,
            currency_digits=False,
        )
    # CLDR puts a no-break space after nl's '€'; a plain one reads the same in pages, the CLI
    # and files (pages keep amounts on one line with CSS).
    return text.replace("\u00a0", " ")


def format_unit_price(ten_thousandths: int | None, currency: str = "EUR") -> str:
    """A unit price stored in ten-thousandths of the currency unit, in the locale, with its
    cents and only the further decimals it has (up to 4): nl '€ 0,001', en '€0.001',
    nl '€ 2,55'; None → '–'."""
    if ten_thousandths is None:
        return "–"
    amount = Decimal(int(ten_thousandths)) / 10_000
    text = numbers.format_currency(
        amount, currency, locale=_babel_locale(), decimal_quantization=False
    )
    return text.replace("\u00a0", " ")


def parse_decimal(text: str) -> Decimal:
    """A number as a user types it in the current locale: nl '1.234,56' or '45,00', en
    '1,234.56' or '45.00'. What the locale cannot read falls back to a plain number, so a value
    copied from a file still works: '45.00' is a decimal point and '45,5' (one comma, no dot) a
    decimal comma in every locale. Raises ``ValueError`` (with the
    text) when it is not a number."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        raise ValueError(f"'{text.strip()}' is not a number")
    try:
        value = numbers.parse_decimal(cleaned, locale=_babel_locale(), strict=True)
    except numbers.NumberFormatError:
        if cleaned.count(",") == 1 and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")  # '18,50' is a decimal comma everywhere
        try:
            value = Decimal(cleaned)
        except ArithmeticError:
            raise ValueError(f"'{text.strip()}' is not a number") from None
    if not value.is_finite():
        raise ValueError(f"'{text.strip()}' is not a number")
    return value


def format_date(value: date | datetime | None, *, fmt: str = "medium") -> str:
    """A date in the locale: nl '2 mrt 2026', en '2 Mar 2026'; None → '–'."""
    if value is None:
        return "–"
    return dates.format_date(value, format=fmt, locale=_babel_locale())


def format_datetime(value: datetime | None, *, fmt: str = "medium") -> str:
    """A moment in the locale (the caller puts it in the display zone first); None → '–'."""
    if value is None:
        return "–"
    return dates.format_datetime(value, format=fmt, locale=_babel_locale())
