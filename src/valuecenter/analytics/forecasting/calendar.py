"""Calendar effects of a contact forecast: public holidays and commercial peak days (issue 21).

**Public holidays** come from the ``holidays`` package (``country_holidays(country, years,
language="nl")``), so the Dutch names read as the Dutch calendar does (Koningsdag, Eerste
kerstdag).

**Peak days** are a table the user can edit: each row a code, a name and a *rule* in one text
column. The rule grammar (case-insensitive, words separated by spaces):

- ``MM-DD`` — a fixed date (``02-14`` Valentine's Day, ``12-05`` Sinterklaas);
- ``Nth DOW MON`` — the n-th weekday of a month, ``Nth`` one of ``1st 2nd 3rd 4th 5th last``
  (``2nd sun may`` Mother's Day in the Netherlands, ``4th thu nov`` US Thanksgiving);
- ``easter`` — Easter Sunday (Western, ``dateutil.easter``);
- any of them followed by an offset ``+N`` or ``-N`` days (``4th thu nov +1`` Black Friday,
  the day after Thanksgiving; ``easter -2`` Good Friday).

A rule that has no date in a year (``02-29`` outside leap years, ``5th mon feb``) yields none
that year.
"""

from __future__ import annotations

import calendar as _cal
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_

_DOW = {name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_MONTHS = {name.lower(): i for i, name in enumerate(_cal.month_abbr) if name}
_NTH = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "last": -1}
_OFFSET = re.compile(r"^[+-]\d{1,3}$")
_FIXED = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class PeakRule:
    """A parsed peak-day rule: ``kind`` is ``fixed``, ``nth`` or ``easter``."""

    kind: str
    month: int = 0
    day: int = 0
    nth: int = 0
    weekday: int = 0
    offset: int = 0

    def date_in(self, year: int) -> date | None:
        """The rule's date in ``year``, or None when it has none that year."""
        base: date | None
        if self.kind == "fixed":
            try:
                base = date(year, self.month, self.day)
            except ValueError:
                return None
        elif self.kind == "easter":
            from dateutil.easter import easter  # type: ignore[import-untyped]

            base = easter(year)
        else:
            base = _nth_weekday(year, self.month, self.weekday, self.nth)
        return None if base is None else base + timedelta(days=self.offset)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    days = [
        date(year, month, d)
        for d in range(1, _cal.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    if nth == -1:
        return days[-1]
    return days[nth - 1] if nth <= len(days) else None


def parse_peak_rule(text: str) -> PeakRule:
    """Parse one rule of the grammar above; :class:`InputError` (field ``rule``) naming the
    rule when it does not parse."""
    words = str(text).strip().lower().split()
    offset = 0
    if len(words) > 1 and _OFFSET.match(words[-1]):
        offset = int(words.pop())
    if len(words) == 1 and words[0] == "easter":
        return PeakRule("easter", offset=offset)
    if len(words) == 1 and (fixed := _FIXED.match(words[0])):
        month, day = int(fixed.group(1)), int(fixed.group(2))
        if 1 <= month <= 12 and 1 <= day <= _cal.monthrange(2000, month)[1]:
            return PeakRule("fixed", month=month, day=day, offset=offset)
    if len(words) == 3 and words[0] in _NTH and words[1] in _DOW and words[2] in _MONTHS:
        return PeakRule(
            "nth",
            month=_MONTHS[words[2]],
            nth=_NTH[words[0]],
            weekday=_DOW[words[1]],
            offset=offset,
        )
    raise InputError(
        N_(
            "rule: '%(rule)s' is not a peak-day rule (MM-DD, 'Nth DOW MON' such as "
            "'2nd sun may', or 'easter', each with an optional +N/-N days)"
        ),
        rule=text,
    )


@dataclass(frozen=True)
class PeakDay:
    """One row of the peak-day table: a stable ``code``, a display ``name`` (an English msgid,
    shown translated) and its ``rule`` (checked when the row is made)."""

    code: str
    name: str
    rule: str

    def __post_init__(self) -> None:
        parse_peak_rule(self.rule)

    def date_in(self, year: int) -> date | None:
        """This peak's date in ``year`` (None when the rule has none)."""
        return parse_peak_rule(self.rule).date_in(year)


DEFAULT_PEAK_DAYS: tuple[PeakDay, ...] = (
    PeakDay("valentine", N_("Valentine's Day"), "02-14"),
    PeakDay("mothers_day", N_("Mother's Day"), "2nd sun may"),
    PeakDay("black_friday", N_("Black Friday"), "4th thu nov +1"),
    PeakDay("sinterklaas", N_("Sinterklaas"), "12-05"),
    PeakDay("christmas_eve", N_("Christmas Eve"), "12-24"),
    PeakDay("christmas", N_("Christmas Day"), "12-25"),
    PeakDay("boxing_day", N_("Boxing Day"), "12-26"),
)
"""The commercial peak days of a Dutch contact center (Mother's Day is the second Sunday of
May in the Netherlands; Black Friday the day after the fourth Thursday of November)."""


def peak_dates(peaks: Sequence[PeakDay], years: Iterable[int]) -> dict[date, str]:
    """Every peak day's date in ``years`` → its code (the first row wins on a shared date)."""
    found: dict[date, str] = {}
    for year in sorted(set(years)):
        for peak in peaks:
            day = peak.date_in(year)
            if day is not None and day not in found:
                found[day] = peak.code
    return found


def public_holidays(years: Iterable[int], country: str = "NL") -> dict[date, str]:
    """The public holidays of ``country`` in ``years``, named in Dutch where the ``holidays``
    package has Dutch names (``language="nl"``), else in its default language."""
    import holidays

    wanted = sorted(set(years))
    try:
        table = holidays.country_holidays(country, years=wanted, language="nl")
    except NotImplementedError:
        raise InputError(
            N_("country: '%(country)s' is not a country the holiday calendar knows"),
            country=country,
        ) from None
    return {day: str(name) for day, name in sorted(table.items())}
