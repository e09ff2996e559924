"""``demo stats``: the observable figures of a company next to the figures of the seeds.

Every figure is computed from observable data only (the importer's entities: customers,
orders, contracts, contacts, campaigns, campaign members), never from the demo's latent
truth, so the same code measures a generated world (its frames) and any loaded database.

Definitions (the product's documented definitions):

- **period**: from the earliest to the latest timestamp in ``orders.ordered_at`` and
  ``contacts.started_at``; ``T`` is its end.
- **revenue per customer** = Σ ``quantity × unit_price`` of his order lines + Σ over his
  contracts of ``monthly_fee × (days the contract ran inside the period) × 12 / 365.25``. A
  contract runs from ``start_date`` (00:00 UTC) to ``end_date`` (00:00 UTC); one with status
  ``active`` runs until ``T`` (rolling on), and so does one without ``end_date`` unless it has
  a ``cancelled_at`` date, which then ends it. Days are exact (fractional) days. Customers
  without revenue count with 0.
- **top1_share** = revenue of the top ``ceil(1% × customers)`` customers / total revenue;
  **top10_share** the same with 10% (seed 001: 14% and 61%). ``None`` when the total revenue
  is not positive.
- **reasons_per_contact** = mean number of reasons over the contacts that have at least one
  reason (seed 002: three or four questions per contact). ``None`` without reasons.
- **ivr_share** = contacts in queue ``ivr`` / (those + inbound phone contacts that are not
  transfers — ``transferred_from`` empty — and not in queue ``ivr``); ``None`` when no contact
  has queue ``ivr`` (seed 001: the IVR handles 54% of incoming calls).
- **response_by_channel** = per campaign channel: treatment members with ``responded_at`` /
  treatment members, for the channels that have treatment members (seed 001: direct mail
  3–5%, SMS 50%).
- **monday_peak_factor**: inbound contacts (any channel) by local time in Europe/Amsterdam:
  (contacts starting in hour 9 on Mondays / Mondays in the period) ÷ (contacts starting in
  hour 9 on Monday–Friday / Monday–Friday days in the period), counting the calendar days of
  the period in local time (seed 002: Monday 9:00 callers have waited all weekend; no
  figure). ``None`` when the period has no Monday or no weekday contact starts in hour 9.
- **yearly_churn**: ``active(t)`` = an order in ``(t − 180 days, t]`` or a contract running at
  ``t`` (started at or before ``t``; an ``active`` or open-ended contract has not ended, any
  other ends at its end). Churned = ``active(T − 365 days)`` and not ``active(T)``;
  yearly_churn = churned / ``active(T − 365 days)``; ``None`` if nobody was active then.

Shares, rates and factors are rounded to 4 decimals.

Large data is aggregated where it lives: in the database the order lines are summed per
customer, the orders of the two 180-day windows are reduced to the customers that have one,
the reasons are counted, and the inbound contacts are counted per UTC hour (Europe/Amsterdam
is a whole number of hours from UTC, so an hour in UTC is one local hour). What is left — the
:class:`StatsInput` — is small enough for :func:`compute_stats`, which is pure numpy/pandas.
Frames are reduced to the same :class:`StatsInput`, so a world and its database load give the
same figures. Rows the importer would reject for a reference (an order, contract or contact
of an unknown customer, a member of an unknown campaign or customer) are left out of the
frames, as they are out of the database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from valuecenter.campaigns.models import Arm, Campaign, CampaignMember
from valuecenter.contacts import repository as contacts_repository
from valuecenter.contacts.models import Channel, Direction
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.customers.models import Customer
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.importer.entities import SPECS
from valuecenter.orders.models import Order, OrderLine

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]

LOCAL_ZONE = "Europe/Amsterdam"
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
ACTIVE_WINDOW_DAYS = 180
CHURN_HORIZON_DAYS = 365
PEAK_HOUR = 9
DAYS_PER_YEAR = 365.25
DECIMALS = 4
IVR_QUEUE = "ivr"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SeedFigure:
    """A reference figure from one of the seed articles, with where it comes from."""

    source: str
    value: float | None = None
    low: float | None = None
    high: float | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"source": self.source}
        if self.value is not None or (self.low is None and self.high is None):
            out["value"] = self.value
        if self.low is not None:
            out["low"] = self.low
        if self.high is not None:
            out["high"] = self.high
        return out


_SEED_001 = "seed 001 (Dutchtone, 'Pro-actief contact met de klant')"
_SEED_002 = "seed 002 (TOTE-Mf, 'Vaak is er geen strategie voor klantcontact')"

SEED_FIGURES: Mapping[str, SeedFigure | Mapping[str, SeedFigure]] = {
    "top1_share": SeedFigure(
        f"{_SEED_001}: the top 1% of customers bring 14% of revenue", value=0.14
    ),
    "top10_share": SeedFigure(
        f"{_SEED_001}: the top 10% of customers bring 61% of revenue", value=0.61
    ),
    "reasons_per_contact": SeedFigure(
        f"{_SEED_002}: customers often ask three or four questions per contact", low=3, high=4
    ),
    "ivr_share": SeedFigure(
        f"{_SEED_001}: the IVR handles 54% of incoming calls by itself", value=0.54
    ),
    "response_by_channel": {
        "direct-mail": SeedFigure(
            f"{_SEED_001}: traditional direct marketing responds 3 to 5%", low=0.03, high=0.05
        ),
        "sms": SeedFigure(f"{_SEED_001}: SMS campaigns respond about 50%", value=0.50),
    },
    "monday_peak_factor": SeedFigure(
        f"{_SEED_002}: a customer calling on Monday at nine has waited all weekend (no figure)"
    ),
}


def seed_figures_json() -> dict[str, object]:
    """:data:`SEED_FIGURES` as plain JSON values."""
    out: dict[str, object] = {}
    for name, figure in SEED_FIGURES.items():
        if isinstance(figure, SeedFigure):
            out[name] = figure.as_json()
        else:
            out[name] = {key: f.as_json() for key, f in figure.items()}
    return out


def _ints(values: Sequence[Any] = ()) -> IntArray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


@dataclass(frozen=True)
class StatsInput:
    """What the figures need, in compact form. Times are int64 microseconds since the Unix
    epoch (UTC); customers are identified by a key (a database id or a frame position)."""

    customers: int
    start_us: int | None  # earliest order or contact; None without orders and contacts
    end_us: int | None  # T, the latest order or contact
    order_customer: IntArray = field(default_factory=_ints)  # one per customer with lines
    order_revenue_cents: IntArray = field(default_factory=_ints)  # Σ quantity × unit_price
    ordered_year_ago: IntArray = field(default_factory=_ints)  # keys: order in (T−545d, T−365d]
    ordered_recently: IntArray = field(default_factory=_ints)  # keys: an order in (T−180d, T]
    contract_customer: IntArray = field(default_factory=_ints)
    contract_fee_cents: IntArray = field(default_factory=_ints)
    contract_start_us: IntArray = field(default_factory=_ints)
    contract_end_us: IntArray = field(default_factory=_ints)  # meaningless where open
    contract_open: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    reasons: int = 0  # reasons of all contacts
    contacts_with_reasons: int = 0
    ivr_contacts: int = 0  # contacts in queue 'ivr'
    inbound_phone_first: int = 0  # inbound phone, not a transfer, not in queue 'ivr'
    inbound_hour: IntArray = field(default_factory=_ints)  # UTC hours since the epoch
    inbound_hour_count: IntArray = field(default_factory=_ints)  # inbound contacts per hour
    campaign_treatment: Mapping[str, tuple[int, int]] = field(
        default_factory=dict
    )  # channel -> (treatment members, of whom responded)


# ---------------------------------------------------------------- shared rules


def activity_windows(end_us: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two order windows of yearly churn, each ``(after, up to and including)``:
    ``(T − 365d − 180d, T − 365d]`` and ``(T − 180d, T]``."""
    year_ago = end_us - CHURN_HORIZON_DAYS * US_PER_DAY
    window = ACTIVE_WINDOW_DAYS * US_PER_DAY
    return (year_ago - window, year_ago), (end_us - window, end_us)


def _us(stamp: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (stamp - _EPOCH) // timedelta(microseconds=1)


def _stamp(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


# ---------------------------------------------------------------- the figures


def _ratio(numerator: float, denominator: float) -> float | None:
    if denominator <= 0:
        return None
    return round(numerator / denominator, DECIMALS)


def _keyed_sum(keys: IntArray, values: FloatArray) -> FloatArray:
    """Per distinct key, the sum of its values (the key order does not matter here)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.float64)
    _, inverse = np.unique(keys, return_inverse=True)
    return np.bincount(inverse.reshape(-1), weights=values).astype(np.float64)


def period(inp: StatsInput) -> tuple[int, int]:
    """(start, T) of the period, or a one-line error when there is none."""
    if inp.start_us is None or inp.end_us is None:
        raise InvalidInput("period", _("there are no orders and no contacts, so no period"))
    return inp.start_us, inp.end_us


def contract_days(inp: StatsInput) -> FloatArray:
    """Days each contract ran inside the period (open contracts run until ``T``)."""
    start, end = period(inp)
    stop = np.where(inp.contract_open, end, inp.contract_end_us)
    ran = np.minimum(stop, end) - np.maximum(inp.contract_start_us, start)
    days: FloatArray = np.clip(ran, 0, None).astype(np.float64) / US_PER_DAY
    return days


def revenue_per_customer(inp: StatsInput) -> FloatArray:
    """Revenue (cents) of every customer, those without any as 0, in no particular order."""
    contract_cents = inp.contract_fee_cents * contract_days(inp) * 12 / DAYS_PER_YEAR
    keys = np.concatenate([inp.order_customer, inp.contract_customer])
    values = np.concatenate([inp.order_revenue_cents.astype(np.float64), contract_cents])
    known = _keyed_sum(keys, values)
    zeros = np.zeros(max(0, inp.customers - len(known)), dtype=np.float64)
    return np.concatenate([known, zeros])


def top_shares(revenue: FloatArray, customers: int) -> tuple[float | None, float | None]:
    """(top 1% share, top 10% share): the top ``ceil(p × customers)`` over the total."""
    ordered = np.sort(revenue)[::-1]
    total = float(ordered.sum())
    top1 = float(ordered[: -(-customers // 100)].sum())
    top10 = float(ordered[: -(-customers // 10)].sum())
    return _ratio(top1, total), _ratio(top10, total)


def _local_days(inp: StatsInput) -> tuple[int, int]:
    """(Mondays, Monday–Friday days) among the local calendar days of the period."""
    start, end = period(inp)
    zone = ZoneInfo(LOCAL_ZONE)
    first = np.datetime64(_stamp(start).astimezone(zone).date(), "D")
    last = np.datetime64(_stamp(end).astimezone(zone).date(), "D") + np.timedelta64(1, "D")
    mondays = int(np.busday_count(first, last, weekmask="1000000"))
    weekdays = int(np.busday_count(first, last, weekmask="1111100"))
    return mondays, weekdays


def monday_peak_factor(inp: StatsInput) -> float | None:
    """Hour-9 inbound contacts per Monday over hour-9 inbound contacts per weekday (local)."""
    hours = pd.to_datetime(inp.inbound_hour * 3600, unit="s", utc=True)
    local = hours.tz_convert(ZoneInfo(LOCAL_ZONE))
    at_nine = np.asarray(local.hour == PEAK_HOUR, dtype=bool)
    weekday = np.asarray(local.dayofweek, dtype=np.int64)
    monday = int(inp.inbound_hour_count[at_nine & (weekday == 0)].sum())
    workday = int(inp.inbound_hour_count[at_nine & (weekday < 5)].sum())
    mondays, weekdays = _local_days(inp)
    if mondays == 0 or weekdays == 0 or workday == 0:
        return None
    return round((monday / mondays) / (workday / weekdays), DECIMALS)


def _running_at(inp: StatsInput, at_us: int) -> IntArray:
    """Keys of the customers with a contract running at ``at_us``."""
    started = inp.contract_start_us <= at_us
    not_ended = inp.contract_open | (inp.contract_end_us > at_us)
    return np.unique(inp.contract_customer[started & not_ended])


def yearly_churn(inp: StatsInput) -> float | None:
    """Churned / active a year before ``T`` (activity: a recent order or a running contract)."""
    _, end = period(inp)
    year_ago = end - CHURN_HORIZON_DAYS * US_PER_DAY
    before = np.union1d(inp.ordered_year_ago, _running_at(inp, year_ago))
    now = np.union1d(inp.ordered_recently, _running_at(inp, end))
    churned = np.setdiff1d(before, now, assume_unique=True)
    return _ratio(float(len(churned)), float(len(before)))


def compute_stats(inp: StatsInput) -> dict[str, object]:
    """The figures of the module docstring from ``inp``, and the seeds' figures beside them."""
    if inp.customers <= 0:
        raise InvalidInput("customers", _("there are no customers to compute figures for"))
    period(inp)
    top1, top10 = top_shares(revenue_per_customer(inp), inp.customers)
    ivr = None
    if inp.ivr_contacts > 0:
        ivr = _ratio(inp.ivr_contacts, inp.ivr_contacts + inp.inbound_phone_first)
    response = {
        channel: _ratio(responded, members)
        for channel, (members, responded) in sorted(inp.campaign_treatment.items())
        if members > 0
    }
    return {
        "customers": inp.customers,
        "top1_share": top1,
        "top10_share": top10,
        "reasons_per_contact": _ratio(inp.reasons, inp.contacts_with_reasons),
        "ivr_share": ivr,
        "response_by_channel": response,
        "monday_peak_factor": monday_peak_factor(inp),
        "yearly_churn": yearly_churn(inp),
        "seeds": seed_figures_json(),
    }


# ---------------------------------------------------------------- from frames


def _column(frame: pd.DataFrame, entity: str, name: str) -> pd.Series:
    if name not in frame.columns:
        raise InvalidInput(entity, f"the frame has no column '{name}'")
    return frame[name]


def _text(values: pd.Series) -> pa.Array:
    """Trimmed text (as the importer trims it), with blanks and NaN/None as null."""
    text = pc.utf8_trim_whitespace(pa.array(values.astype("string[pyarrow]")))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def _optional(frame: pd.DataFrame, name: str) -> pa.Array:
    if name in frame.columns:
        return _text(frame[name])
    return pa.nulls(len(frame), pa.large_string())


def _choice(frame: pd.DataFrame, entity: str, name: str) -> pa.Array:
    """An enum column as the importer reads it: lower-case, aliases, blank = the default."""
    column = SPECS[entity].column(name)
    text = pc.utf8_lower(_optional(frame, name))
    for alias, value in column.aliases.items():
        text = pc.if_else(pc.equal(text, alias), value, text)
    return text if column.default is None else pc.fill_null(text, str(column.default))


def _numpy_bool(arr: pa.Array) -> BoolArray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _is(arr: pa.Array, value: str) -> BoolArray:
    return _numpy_bool(pc.equal(arr, value))


def _present(arr: pa.Array) -> BoolArray:
    return _numpy_bool(pc.is_valid(arr))


def _timestamps_us(values: pd.Series, entity: str) -> IntArray:
    try:
        stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise InvalidInput(entity, f"cannot read the timestamps of '{values.name}'") from exc
    if bool(stamps.isna().any()):
        raise InvalidInput(entity, f"'{values.name}' has an empty timestamp")
    offsets = stamps - pd.Timestamp(0, tz="UTC")
    return np.asarray(offsets // pd.Timedelta(microseconds=1), dtype=np.int64)


def _dates(values: pd.Series, entity: str) -> DayArray:
    """``YYYY-MM-DD`` dates (a time of day after them is ignored); blank = NaT."""
    text = pc.utf8_slice_codeunits(_text(values), 0, 10).to_pandas()
    try:
        parsed = pd.to_datetime(text, format="%Y-%m-%d")
    except (ValueError, TypeError) as exc:
        raise InvalidInput(entity, f"cannot read the dates of '{values.name}'") from exc
    return np.asarray(parsed.to_numpy(dtype="datetime64[ns]"), dtype="datetime64[D]")


def _optional_dates(frame: pd.DataFrame, entity: str, name: str) -> DayArray:
    if name in frame.columns:
        return _dates(frame[name], entity)
    return np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[D]")


def _cents(values: pd.Series, entity: str) -> IntArray:
    amounts = pd.to_numeric(values, errors="coerce")
    if bool(amounts.isna().any()):
        raise InvalidInput(entity, f"'{values.name}' has an empty or unreadable amount")
    return np.asarray(np.round(amounts.to_numpy(dtype=np.float64) * 100), dtype=np.int64)


def _keys(customers: pa.Array, ids: pa.Array) -> IntArray:
    """Position of each id in ``customers``; −1 when unknown or blank."""
    found = pc.fill_null(pc.index_in(ids, value_set=customers), -1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def _frame(frames: Mapping[str, pd.DataFrame], entity: str) -> pd.DataFrame:
    frame = frames.get(entity)
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SPECS[entity].names})
    return frame.reset_index(drop=True)


def _customer_ids(frames: Mapping[str, pd.DataFrame]) -> pa.Array:
    """The distinct customer ids; a customer's key is his position here."""
    if "customers" not in frames:
        raise InvalidInput("customers", "there is no customers frame")
    return pc.unique(_text(_column(frames["customers"], "customers", "customer_id")).drop_null())


@dataclass(frozen=True)
class _Orders:
    keys: IntArray  # one per kept line
    at_us: IntArray
    cents: IntArray


def _frame_orders(orders: pd.DataFrame, customers: pa.Array) -> _Orders:
    keys = _keys(customers, _text(_column(orders, "orders", "customer_id")))
    kept = orders[keys >= 0]
    quantity = pd.to_numeric(_column(kept, "orders", "quantity"), errors="coerce")
    if bool(quantity.isna().any()):
        raise InvalidInput("orders", "'quantity' has an empty or unreadable number")
    cents = quantity.to_numpy(dtype=np.int64) * _cents(
        _column(kept, "orders", "unit_price"), "orders"
    )
    at_us = _timestamps_us(_column(kept, "orders", "ordered_at"), "orders")
    return _Orders(keys[keys >= 0], at_us, np.asarray(cents, dtype=np.int64))


def _in_window(keys: IntArray, at_us: IntArray, window: tuple[int, int]) -> IntArray:
    after, until = window
    return np.unique(keys[(at_us > after) & (at_us <= until)])


def _frame_contacts(contacts: pd.DataFrame, customers: pa.Array) -> pd.DataFrame:
    """The contacts the importer would keep: anonymous or of a known customer."""
    who = _optional(contacts, "customer_id")
    known = ~_present(who) | (_keys(customers, who) >= 0)
    return contacts[known].reset_index(drop=True)


def _reason_counts(contacts: pd.DataFrame) -> IntArray:
    """Reasons per contact, split as the importer splits them: codes separated by ';' or
    '|', trimmed, blanks not counted."""
    text = pc.fill_null(_optional(contacts, "reasons"), "")
    parts = pc.split_pattern_regex(text, pattern=r"[;|]")
    rows = np.asarray(pc.list_parent_indices(parts).to_numpy(), dtype=np.int64)
    codes = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    counted = _numpy_bool(pc.not_equal(codes, ""))
    return np.bincount(rows[counted], minlength=len(contacts)).astype(np.int64)


def _hour_counts(at_us: IntArray) -> tuple[IntArray, IntArray]:
    hours, counts = np.unique(at_us // US_PER_HOUR, return_counts=True)
    return hours.astype(np.int64), counts.astype(np.int64)


@dataclass(frozen=True)
class _ContactFigures:
    reasons: int
    with_reasons: int
    ivr: int
    inbound_phone_first: int
    hours: IntArray
    hour_counts: IntArray


def _contact_figures(contacts: pd.DataFrame, started_us: IntArray) -> _ContactFigures:
    per_contact = _reason_counts(contacts)
    in_ivr = _is(_optional(contacts, "queue"), IVR_QUEUE)
    inbound = _is(_choice(contacts, "contacts", "direction"), Direction.INBOUND.value)
    phone = _is(_choice(contacts, "contacts", "channel"), Channel.PHONE.value)
    transfer = _present(_optional(contacts, "transferred_from"))
    hours, counts = _hour_counts(started_us[inbound])
    return _ContactFigures(
        reasons=int(per_contact.sum()),
        with_reasons=int((per_contact > 0).sum()),
        ivr=int(in_ivr.sum()),
        inbound_phone_first=int((inbound & phone & ~transfer & ~in_ivr).sum()),
        hours=hours,
        hour_counts=counts,
    )


@dataclass(frozen=True)
class _Contracts:
    keys: IntArray
    fee_cents: IntArray
    start_us: IntArray
    end_us: IntArray
    open: BoolArray


def _contracts(
    keys: IntArray, fees: IntArray, start: DayArray, ended: DayArray, active: BoolArray
) -> _Contracts:
    """Contracts by the end rule: ``ended`` is the end_date, else the cancelled_at date (NaT
    without either); an ``active`` contract, or one that never ended, is open."""
    if bool(np.isnat(start).any()):
        raise InvalidInput("contracts", "a contract has no start_date")
    is_open = active | np.isnat(ended)
    days = np.where(is_open, 0, ended.astype(np.int64))
    return _Contracts(
        keys=keys,
        fee_cents=fees,
        start_us=start.astype(np.int64) * US_PER_DAY,
        end_us=np.asarray(days, dtype=np.int64) * US_PER_DAY,
        open=np.asarray(is_open, dtype=np.bool_),
    )


def _frame_contracts(contracts: pd.DataFrame, customers: pa.Array) -> _Contracts:
    keys = _keys(customers, _text(_column(contracts, "contracts", "customer_id")))
    kept = contracts[keys >= 0].reset_index(drop=True)
    status = _choice(kept, "contracts", "status")
    end = _optional_dates(kept, "contracts", "end_date")
    cancelled = _optional_dates(kept, "contracts", "cancelled_at")
    return _contracts(
        keys[keys >= 0],
        _cents(_column(kept, "contracts", "monthly_fee"), "contracts"),
        _dates(_column(kept, "contracts", "start_date"), "contracts"),
        np.where(np.isnat(end), cancelled, end),
        _is(status, ContractStatus.ACTIVE.value),
    )


def _frame_campaigns(
    frames: Mapping[str, pd.DataFrame], customers: pa.Array
) -> dict[str, tuple[int, int]]:
    """(treatment members, of whom responded) per channel of the members' campaigns."""
    if "campaigns" not in frames or "campaign_members" not in frames:
        return {}
    campaigns = frames["campaigns"].reset_index(drop=True)
    ids = _text(_column(campaigns, "campaigns", "campaign_id"))
    channels = _choice(campaigns, "campaigns", "channel")
    unique_ids = pc.unique(ids.drop_null())
    first = pc.index_in(unique_ids, value_set=ids)  # the importer keeps the first row of a key
    channel_of = pc.take(channels, first)
    members = frames["campaign_members"].reset_index(drop=True)
    campaign = _keys(unique_ids, _text(_column(members, "campaign_members", "campaign_id")))
    customer = _keys(customers, _text(_column(members, "campaign_members", "customer_id")))
    treated = _is(_choice(members, "campaign_members", "arm"), Arm.TREATMENT.value)
    treated &= (campaign >= 0) & (customer >= 0)
    responded = _present(_optional(members, "responded_at"))
    # key −1 (an unknown campaign) takes the None appended at the end
    known_channels = [*channel_of.to_pylist(), None]
    channel = np.asarray(known_channels, dtype=object)[campaign]
    table = pd.DataFrame({"channel": channel[treated], "responded": responded[treated]})
    grouped = table.groupby("channel")["responded"].agg(["size", "sum"])
    return {str(c): (int(row["size"]), int(row["sum"])) for c, row in grouped.iterrows()}


def _period(*stamps: IntArray) -> tuple[int | None, int | None]:
    every = np.concatenate(stamps)
    if len(every) == 0:
        return None, None
    return int(every.min()), int(every.max())


def _assemble(base: StatsInput, contracts: _Contracts, figures: _ContactFigures) -> StatsInput:
    """``base`` with the contract rows and contact figures both front doors reduce to."""
    return dataclasses.replace(
        base,
        contract_customer=contracts.keys,
        contract_fee_cents=contracts.fee_cents,
        contract_start_us=contracts.start_us,
        contract_end_us=contracts.end_us,
        contract_open=contracts.open,
        reasons=figures.reasons,
        contacts_with_reasons=figures.with_reasons,
        ivr_contacts=figures.ivr,
        inbound_phone_first=figures.inbound_phone_first,
        inbound_hour=figures.hours,
        inbound_hour_count=figures.hour_counts,
    )


def stats_input_from_frames(frames: Mapping[str, pd.DataFrame]) -> StatsInput:
    """:class:`StatsInput` from one frame per importer entity (keyed by entity name). A
    missing frame other than ``customers`` counts as empty (no campaigns, no contracts…)."""
    customers = _customer_ids(frames)
    orders = _frame_orders(_frame(frames, "orders"), customers)
    contacts = _frame_contacts(_frame(frames, "contacts"), customers)
    started = _timestamps_us(_column(contacts, "contacts", "started_at"), "contacts")
    contracts = _frame_contracts(_frame(frames, "contracts"), customers)
    figures = _contact_figures(contacts, started)
    start_us, end_us = _period(orders.at_us, started)
    year_ago, recent = ((0, 0), (0, 0)) if end_us is None else activity_windows(end_us)
    order_keys, line_of = np.unique(orders.keys, return_inverse=True)
    order_cents = np.zeros(len(order_keys), dtype=np.int64)
    np.add.at(order_cents, line_of.reshape(-1), orders.cents)
    return _assemble(
        StatsInput(
            customers=len(customers),
            start_us=start_us,
            end_us=end_us,
            order_customer=order_keys.astype(np.int64),
            order_revenue_cents=order_cents,
            ordered_year_ago=_in_window(orders.keys, orders.at_us, year_ago),
            ordered_recently=_in_window(orders.keys, orders.at_us, recent),
            campaign_treatment=_frame_campaigns(frames, customers),
        ),
        contracts,
        figures,
    )


# ---------------------------------------------------------------- from the database


def _db_period(session: Session) -> tuple[int | None, int | None]:
    rows = [
        session.execute(select(func.min(Order.ordered_at), func.max(Order.ordered_at))).one(),
        contacts_repository.period(session),
    ]
    firsts = [_us(r[0]) for r in rows if r[0] is not None]
    lasts = [_us(r[1]) for r in rows if r[1] is not None]
    if not firsts:
        return None, None
    return min(firsts), max(lasts)


def _db_order_revenue(session: Session) -> tuple[IntArray, IntArray]:
    stmt = (
        select(Order.customer_id, func.sum(OrderLine.total_cents))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .group_by(Order.customer_id)
    )
    keys, sums = _columns(session.execute(stmt).all(), 2)
    return _ints(keys), _ints([int(total) for total in sums])


def _db_ordered_in(session: Session, window: tuple[int, int]) -> IntArray:
    after, until = window
    stmt = (
        select(Order.customer_id)
        .distinct()
        .where(Order.ordered_at > _stamp(after), Order.ordered_at <= _stamp(until))
    )
    return _ints(list(session.scalars(stmt)))


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """The columns of a query's rows (``width`` empty columns when there are none)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


def _day_array(values: Sequence[date | None]) -> DayArray:
    return np.array(values, dtype="datetime64[D]").reshape(-1)


def _db_contracts(session: Session) -> _Contracts:
    stmt = select(
        Contract.customer_id,
        Contract.monthly_fee_cents,
        Contract.start_date,
        func.coalesce(Contract.end_date, Contract.cancelled_at),
        case((Contract.status == ContractStatus.ACTIVE, 1), else_=0),
    ).order_by(Contract.id)
    keys, fees, start, ended, active = _columns(session.execute(stmt).all(), 5)
    return _contracts(
        _ints(keys),
        _ints(fees),
        _day_array(start),
        _day_array(ended),
        np.asarray(active, dtype=np.bool_).reshape(-1),
    )


def _db_contact_figures(session: Session) -> _ContactFigures:
    reasons, with_reasons = contacts_repository.reason_totals(session)
    texts, counts = _columns(contacts_repository.inbound_per_utc_hour(session), 2)
    stamps = pd.to_datetime(texts, format="%Y-%m-%d %H", utc=True)
    hours = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(hours=1)
    return _ContactFigures(
        reasons=reasons,
        with_reasons=with_reasons,
        ivr=contacts_repository.count_in_queue(session, IVR_QUEUE),
        inbound_phone_first=contacts_repository.count_first_inbound_calls(
            session, outside_queue=IVR_QUEUE
        ),
        hours=np.asarray(hours, dtype=np.int64).reshape(-1),
        hour_counts=_ints(counts),
    )


def _db_campaigns(session: Session) -> dict[str, tuple[int, int]]:
    stmt = (
        select(Campaign.channel, func.count(), func.count(CampaignMember.responded_at))
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .where(CampaignMember.arm == Arm.TREATMENT)
        .group_by(Campaign.channel)
    )
    return {str(c.value): (int(n), int(r)) for c, n, r in session.execute(stmt).all()}


def stats_input_from_database(session: Session) -> StatsInput:
    """:class:`StatsInput` from the database, aggregated in SQL where the data is large."""
    customers = int(session.scalar(select(func.count()).select_from(Customer)) or 0)
    start_us, end_us = _db_period(session)
    order_keys, order_cents = _db_order_revenue(session)
    year_ago: IntArray = _ints()
    recent: IntArray = _ints()
    if end_us is not None:
        year_window, recent_window = activity_windows(end_us)
        year_ago = _db_ordered_in(session, year_window)
        recent = _db_ordered_in(session, recent_window)
    contracts = _db_contracts(session)
    figures = _db_contact_figures(session)
    return _assemble(
        StatsInput(
            customers=customers,
            start_us=start_us,
            end_us=end_us,
            order_customer=order_keys,
            order_revenue_cents=order_cents,
            ordered_year_ago=year_ago,
            ordered_recently=recent,
            campaign_treatment=_db_campaigns(session),
        ),
        contracts,
        figures,
    )


# ---------------------------------------------------------------- wrappers


def world_stats(frames: Mapping[str, pd.DataFrame]) -> dict[str, object]:
    """The figures of a generated world's observable frames."""
    return compute_stats(stats_input_from_frames(frames))


def database_stats(session: Session) -> dict[str, object]:
    """The figures of the data in the database."""
    return compute_stats(stats_input_from_database(session))
