"""The entered costs of the service P&L (issue 23, point 1; docs/finance.md): overhead, IT and
telephony, training and other costs per month, from a CSV file
(``valuecenter finance costs load FILE``).

Columns ``month,kind,team,channel,amount_eur,note`` — ``team`` (a team code) and ``channel``
(a contact channel) may be empty. A load replaces the entries of the (month, kind) pairs it
holds, all or nothing: loading a corrected file again gives the same books. A bad row is
refused with its row number and field, and nothing is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from valuecenter import channels
from valuecenter.agents.models import Team
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput
from valuecenter.finance.budget import amount_cents
from valuecenter.finance.models import CostEntry, CostKind
from valuecenter.i18n import _

HEADER = ("month", "kind", "team", "channel", "amount_eur", "note")


@dataclass(frozen=True)
class EntryRow:
    month: date
    kind: CostKind
    team: str | None
    channel: str | None
    amount_cents: int
    note: str | None


def _month(text: str) -> date | None:
    try:
        day = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def parse(text: str) -> list[EntryRow]:
    """The rows of a cost CSV; :class:`InvalidInput` naming the row and field."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or tuple(f.strip() for f in reader.fieldnames) != HEADER:
        raise InvalidInput("header", _("the header must be %(header)s", header=",".join(HEADER)))
    allowed = channels.values(channels.CONTACT_CHANNELS)
    kinds = [k.value for k in CostKind]
    rows = []
    for number, raw in enumerate(reader, start=2):
        where = _("row %(row)s", row=number)
        month = _month((raw.get("month") or "").strip())
        if month is None:
            raise InvalidInput(f"{where}, month", _("must be a month like 2026-10"))
        kind = (raw.get("kind") or "").strip()
        if kind not in kinds:
            raise InvalidInput(
                f"{where}, kind",
                _("'%(kind)s' is not one of %(kinds)s", kind=kind[:40], kinds=", ".join(kinds)),
            )
        channel = (raw.get("channel") or "").strip() or None
        if channel is not None and channel not in allowed:
            raise InvalidInput(
                f"{where}, channel",
                _(
                    "'%(channel)s' is not one of %(channels)s",
                    channel=channel[:40],
                    channels=", ".join(allowed),
                ),
            )
        cents = amount_cents(raw.get("amount_eur"), where)
        note = (raw.get("note") or "").strip() or None
        if note is not None and len(note) > 200:
            raise InvalidInput(f"{where}, note", _("at most 200 characters"))
        team = (raw.get("team") or "").strip() or None
        rows.append(EntryRow(month, CostKind(kind), team, channel, cents, note))
    if not rows:
        raise InvalidInput("file", _("the file holds no cost rows"))
    return rows


def load(session: Session, rows: Iterable[EntryRow]) -> int:
    """Replace the entries of the (month, kind) pairs in ``rows``; the number stored. An
    unknown team code is refused (nothing written)."""
    rows = list(rows)
    codes = {r.team for r in rows if r.team is not None}
    query = select(Team.code, Team.id).where(Team.code.in_(codes))
    teams: dict[str, int] = {str(code): int(team_id) for code, team_id in session.execute(query)}
    for number, row in enumerate(rows, start=2):
        if row.team is not None and row.team not in teams:
            raise InvalidInput(
                _("row %(row)s", row=number) + ", team",
                _("no team '%(team)s'", team=row.team[:64]),
            )
    pairs = sorted({(r.month, r.kind) for r in rows})
    session.execute(
        delete(CostEntry).where(
            or_(*(and_(CostEntry.month == m, CostEntry.kind == k) for m, k in pairs))
        )
    )
    now = utcnow()
    session.add_all(
        CostEntry(
            month=r.month,
            kind=r.kind,
            team_id=teams.get(r.team) if r.team else None,
            channel=r.channel,
            amount_cents=r.amount_cents,
            note=r.note,
            created_at=now,
        )
        for r in rows
    )
    session.flush()
    return len(rows)
