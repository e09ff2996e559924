"""What came back from a campaign: responses and conversions imported from a file, voucher
redemptions from the shop or the till, or conversions observed in the orders (seed 004:
"register the costs *and* the conversions").

Files are CSV with a header. Every row is checked before anything is written; the first bad
row stops the import with one line naming the row and the field, and nothing is written.

- responses: ``customer`` (the customer's id in the source system), ``responded_at``,
  ``converted_at`` (ISO 8601 timestamps, blank when it did not happen; without a zone: UTC),
  ``revenue`` (euros, blank = 0). A member's row replaces what was recorded for him.
- redemptions: ``code``, ``redeemed_at``, ``order_ref``, ``revenue``. A redeemed voucher counts
  as a response and a conversion of its holder.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from valuecenter.campaigns.models import Campaign, CampaignMember, CampaignVoucher
from valuecenter.customers.models import Customer
from valuecenter.errors import Conflict, InvalidInput
from valuecenter.experiments.models import ExperimentStatus
from valuecenter.i18n import _
from valuecenter.marketing.service import status_of
from valuecenter.offers.models import Action
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product

MAX_ROWS = 2_000_000
MAX_REVENUE = Decimal("10000000")  # euros per member: more is a typo


@dataclass(frozen=True)
class Imported:
    rows: int
    members: int
    unknown: int  # rows of customers who are not members (counted, not written)


def _reader(text: str, needed: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [n for n in needed if n not in header]
    if missing:
        raise InvalidInput("header", _("missing column %(name)s", name=", ".join(missing)))
    reader.fieldnames = header
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise InvalidInput(f"row {number}", _("more than %(max)s rows", max=MAX_ROWS))
        yield number, {k: (v or "").strip() for k, v in row.items() if k is not None}


def _when(value: str, number: int, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"row {number}, {field}", _("%(value)s is not a timestamp (ISO 8601)", value=value[:40])
        ) from None
    if not 2000 <= parsed.year <= 2100:
        raise InvalidInput(f"row {number}, {field}", _("the year must be 2000–2100"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _euros(value: str, number: int) -> int:
    if not value:
        return 0
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(
            f"row {number}, revenue", _("%(value)s is not an amount", value=value[:40])
        ) from None
    if not amount.is_finite() or not Decimal(0) <= amount <= MAX_REVENUE:
        raise InvalidInput(f"row {number}, revenue", _("must be between 0 and 10,000,000 euros"))
    return int((amount * 100).to_integral_value())


def _launched(session: Session, campaign: Campaign) -> None:
    if status_of(session, campaign) == ExperimentStatus.DRAFT:
        raise Conflict(_("the campaign is not launched: it has no members yet"))


def import_responses(session: Session, campaign: Campaign, text: str) -> Imported:
    """Record the responses and conversions of ``text`` (see the module)."""
    _launched(session, campaign)
    parsed: list[tuple[int, str, datetime | None, datetime | None, int]] = []
    for number, row in _reader(text, ("customer", "responded_at", "converted_at", "revenue")):
        customer = row["customer"]
        if not customer or len(customer) > 64:
            raise InvalidInput(
                f"row {number}, customer", _("must be a customer id of up to 64 characters")
            )
        parsed.append(
            (
                number,
                customer,
                _when(row["responded_at"], number, "responded_at"),
                _when(row["converted_at"], number, "converted_at"),
                _euros(row["revenue"], number),
            )
        )
    ids = {e for _n, e, *_rest in parsed}
    known: dict[str, int] = {}
    names = sorted(ids)
    for i in range(0, len(names), 5_000):
        known.update(
            (str(e), int(c))
            for e, c in session.execute(
                select(Customer.external_id, Customer.id).where(
                    Customer.external_id.in_(names[i : i + 5_000])
                )
            )
        )
    members = {
        m.customer_id: m
        for m in session.scalars(
            select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
        )
    }
    written = unknown = 0
    for _number, external, responded, converted, revenue in parsed:
        member = members.get(known.get(external, -1))
        if member is None:
            unknown += 1
            continue
        member.responded_at = responded
        member.converted_at = converted
        member.revenue_cents = revenue if converted is not None else 0
        written += 1
    session.flush()
    return Imported(rows=len(parsed), members=written, unknown=unknown)


def import_redemptions(session: Session, campaign: Campaign, text: str) -> Imported:
    """Record voucher redemptions: the voucher, and its holder's response and conversion."""
    _launched(session, campaign)
    parsed: list[tuple[int, str, datetime, str | None, int]] = []
    for number, row in _reader(text, ("code", "redeemed_at", "order_ref", "revenue")):
        when = _when(row["redeemed_at"], number, "redeemed_at")
        if when is None:
            raise InvalidInput(f"row {number}, redeemed_at", _("must not be empty"))
        if len(row["code"]) > 32 or len(row["order_ref"]) > 64:
            raise InvalidInput(f"row {number}, code", _("too long"))
        parsed.append(
            (
                number,
                row["code"].upper(),
                when,
                row["order_ref"] or None,
                _euros(row["revenue"], number),
            )
        )
    vouchers = {
        v.code: v
        for v in session.scalars(
            select(CampaignVoucher).where(CampaignVoucher.campaign_id == campaign.id)
        )
    }
    members = {
        m.customer_id: m
        for m in session.scalars(
            select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
        )
    }
    written = unknown = 0
    for _number, code, when, ref, revenue in parsed:
        voucher = vouchers.get(code)
        if voucher is None:
            unknown += 1
            continue
        voucher.redeemed_at, voucher.order_ref, voucher.revenue_cents = when, ref, revenue
        member = members.get(voucher.customer_id) if voucher.customer_id is not None else None
        if member is not None:
            member.responded_at = member.responded_at or when
            if member.converted_at is None or when < member.converted_at:
                member.converted_at = when
            member.revenue_cents = max(member.revenue_cents, revenue)
        written += 1
    session.flush()
    return Imported(rows=len(parsed), members=written, unknown=unknown)


def observe_orders(
    session: Session, campaign: Campaign, *, until: datetime | None = None
) -> Imported:
    """Conversions observed in the orders: a member converts with his first order of the
    proposition's product (or category; any order when the action names neither) between
    the launch and the end of the runtime; his revenue is those lines' total. Both arms are
    observed alike — that is what makes the control group's conversions comparable."""
    _launched(session, campaign)
    start = campaign.started_at
    end = (
        min(x for x in (campaign.ended_at, until) if x is not None)
        if (campaign.ended_at or until)
        else None
    )
    action = (
        session.scalar(select(Action).where(Action.code == campaign.action))
        if campaign.action
        else None
    )
    line_filter = []
    if action is not None and action.product_id is not None:
        line_filter.append(OrderLine.product_id == action.product_id)
    elif action is not None and action.category_id is not None:
        line_filter.append(
            OrderLine.product_id.in_(
                select(Product.id).where(Product.category_id == action.category_id)
            )
        )
    window = [Order.ordered_at >= start]
    if end is not None:
        window.append(Order.ordered_at < end)
    rows = session.execute(
        select(CampaignMember.id, func.min(Order.ordered_at), func.sum(OrderLine.total_cents))
        .join(Order, and_(Order.customer_id == CampaignMember.customer_id, *window))
        .join(OrderLine, and_(OrderLine.order_id == Order.id, *line_filter))
        .where(CampaignMember.campaign_id == campaign.id)
        .group_by(CampaignMember.id)
    ).all()
    found = {int(m): (first, int(total or 0)) for m, first, total in rows}
    members = session.scalars(
        select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
    ).all()
    for member in members:
        first, total = found.get(member.id, (None, 0))
        member.converted_at = first
        member.revenue_cents = total
    session.flush()
    return Imported(rows=len(found), members=len(found), unknown=0)
