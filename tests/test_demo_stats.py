"""``demo stats``: every figure on small hand-made frames, computed by hand here, and the same
frames loaded through the importer giving the same figures from the database (both backends).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from valuecenter.demo.stats import (
    SEED_FIGURES,
    SeedFigure,
    StatsInput,
    compute_stats,
    database_stats,
    stats_input_from_frames,
    top_shares,
    world_stats,
)
from valuecenter.errors import InvalidInput
from valuecenter.importer.entities import ENTITIES
from valuecenter.importer.service import import_frame

Frames = dict[str, pd.DataFrame]
DAY_CENTS_PER_MONTHLY_CENT = 12 / 365.25  # revenue per day of a monthly fee of 1 cent


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> pd.Timestamp:
    return pd.Timestamp(datetime(year, month, day, hour, minute, tzinfo=UTC))


def customers(n: int) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(1, n + 1)]})


def orders(rows: list[tuple[str, str, pd.Timestamp, int, float]]) -> pd.DataFrame:
    """(order_id, customer_id, ordered_at, quantity, unit_price) per line."""
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "quantity",
                                        "unit_price"])  # fmt: skip
    frame["product_id"] = "P1"
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True)
    return frame


def contacts(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Contacts with defaults: inbound phone in queue phone-nl, no transfer, no reasons."""
    base = {"customer_id": None, "channel": "phone", "direction": "inbound",
            "queue": "phone-nl", "transferred_from": None, "reasons": None}  # fmt: skip
    frame = pd.DataFrame(
        [{"contact_id": f"K{i:04d}", **base, **row} for i, row in enumerate(rows, start=1)]
    )
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True)
    return frame


def one_order_at(when: pd.Timestamp) -> pd.DataFrame:
    return orders([("O-period", "C001", when, 1, 1.0)])


def round4(x: float) -> float:
    return round(x, 4)


# ---------------------------------------------------------------- scenarios


def top_share_world() -> tuple[Frames, dict[str, object]]:
    """100 customers, 30 without orders, revenue €10,000: top 1% = €1,400, top 10% = €6,100
    (seed 001's 14% and 61%). C001's €1,400 is a €1,500 line and a €100 return."""
    when = utc(2024, 5, 6, 10)
    lines = [("O1", "C001", when, 3, 500.0), ("O1b", "C001", when, -1, 100.0),
             ("O2", "C002", when, 1, 540.0)]  # fmt: skip
    lines += [(f"O{i}", f"C{i:03d}", when, 2, 260.0) for i in range(3, 11)]  # 8 × €520
    lines += [(f"O{i}", f"C{i:03d}", when, 1, 65.0) for i in range(11, 71)]  # 60 × €65
    return {"customers": customers(100), "orders": orders(lines)}, {
        "customers": 100,
        "top1_share": 0.14,
        "top10_share": 0.61,
    }


P0 = utc(2023, 7, 1)  # the first order (C006)
T = utc(2025, 1, 1)  # the last contact


def contract_world() -> tuple[Frames, dict[str, object]]:
    """Ten customers, contracts that run, end, are cancelled or roll on, and orders in and
    out of the two 180-day windows. T − 365 d = 2024-01-02 00:00 UTC."""
    contracts = pd.DataFrame(
        [
            # active since the period start: 550 days, active a year ago and now
            ("K1", "C001", 30.00, "2023-07-01", None, "active", None),
            # ended 2024-05-01 after 61 days; not running a year ago (started later)
            ("K2", "C002", 10.00, "2024-03-01", "2024-05-01", "ended", None),
            # no end_date, cancelled 2024-02-01: runs 215 days of the period; ran a year ago
            ("K3", "C003", 20.00, "2023-01-01", None, "cancelled", "2024-02-01"),
            # ends exactly at T − 365 d: not running then; 93 days
            ("K7", "C007", 10.00, "2023-10-01", "2024-01-02", "ended", None),
            # status active with a past end_date: rolls on until T (550 days of the period)
            ("K8", "C008", 5.00, "2023-06-01", "2024-06-30", "active", None),
            # renewed, with neither end_date nor cancelled_at: runs until T, 31 days
            ("K6", "C006", 10.00, "2024-12-01", None, "renewed", None),
        ],
        columns=["contract_id", "customer_id", "monthly_fee", "start_date", "end_date",
                 "status", "cancelled_at"],
    )  # fmt: skip
    contracts["plan"] = "Unlimited"
    lines = [
        ("O2", "C002", utc(2024, 1, 1), 1, 100.00),  # in (T − 545d, T − 365d]
        ("O4", "C004", utc(2024, 12, 1), 1, 10.00),  # recent only
        ("O5a", "C005", utc(2023, 12, 1), 1, 50.00),  # a year ago …
        ("O5b", "C005", utc(2024, 12, 15), 2, 25.00),  # … and recent
        ("O6", "C006", P0, 1, 10.00),  # before T − 545 d: never active in the windows
        ("O9", "C009", T - pd.Timedelta(days=545), 1, 10.00),  # the open end: not active
        ("O10a", "C010", T - pd.Timedelta(days=365), 1, 10.00),  # the closed end: active
        ("O10b", "C010", T - pd.Timedelta(days=180), 1, 10.00),  # open end: not active at T
    ]
    frames = {
        "customers": customers(10),
        "orders": orders(lines),
        "contracts": contracts,
        "contacts": contacts([{"started_at": T, "customer_id": "C004"}]),
    }
    per_day = DAY_CENTS_PER_MONTHLY_CENT
    revenue = [
        3000 * 550 * per_day,
        10000 + 1000 * 61 * per_day,
        2000 * 215 * per_day,
        1000,
        10000,
        1000 + 1000 * 31 * per_day,
        1000 * 93 * per_day,
        500 * 550 * per_day,
        1000,
        2000,
    ]
    top = max(revenue) / sum(revenue)
    # active a year ago: C001 (contract), C002 (order), C003 (contract), C005 (order),
    # C008 (contract), C010 (order); active at T: C001, C004, C005, C006, C008
    # -> churned C002, C003 and C010: 3 / 6.
    return frames, {
        "customers": 10,
        "top1_share": round4(top),  # ceil(1% × 10) = 1 customer
        "top10_share": round4(top),  # ceil(10% × 10) = 1 customer
        "yearly_churn": 0.5,
    }


def monday_world() -> tuple[Frames, dict[str, object]]:
    """Contacts from Friday 2024-03-01 23:30 UTC (Saturday 00:30 in Amsterdam, CET = UTC+1)
    to Sunday 2024-03-17 23:30 UTC (Monday 2024-03-18 00:30 local): local days Sat 2 … Mon 18
    March, 3 Mondays, 11 weekdays. Hour 9 local (08:xx UTC): Mondays 6 + 4, Tue 2, Wed 1,
    Fri 3 -> (10 / 3) / (16 / 11)."""
    rows: list[dict[str, Any]] = []

    def at(n: int, *parts: int, **extra: Any) -> None:
        rows.extend({"started_at": utc(*parts), **extra} for _ in range(n))

    at(6, 2024, 3, 4, 8, 0)  # Monday 09:00 local
    at(4, 2024, 3, 11, 8, 59)  # Monday 09:59 local
    at(2, 2024, 3, 5, 8, 30)  # Tuesday
    at(1, 2024, 3, 6, 8, 15, channel="chat", queue="chat-nl")  # Wednesday, any channel
    at(3, 2024, 3, 15, 8, 45, channel="email", queue="email-nl")  # Friday
    at(5, 2024, 3, 4, 9, 0)  # Monday 10:00 local: another hour
    at(5, 2024, 3, 4, 7, 59)  # Monday 08:59 local: another hour
    at(7, 2024, 3, 9, 8, 30)  # Saturday 09:30 local: not a weekday
    at(9, 2024, 3, 4, 8, 30, direction="outbound")  # outbound: not counted
    at(1, 2024, 3, 17, 23, 30)  # the end of the period: Monday 00:30 local
    at(1, 2024, 3, 1, 23, 30, direction="outbound")  # the start: Saturday 00:30 local
    frames = {"customers": customers(1), "contacts": contacts(rows)}
    return frames, {"monday_peak_factor": round4((10 / 3) / (16 / 11))}


def summer_monday_world() -> tuple[Frames, dict[str, object]]:
    """After the clocks went forward (CEST = UTC+2): 07:30 UTC is 09:30 local. Mon 1 April –
    Fri 5 April 2024: 1 Monday, 5 weekdays; hour 9 local: Mon 1, Tue 1, Wed 1 -> 1 / (3/5)."""
    frames = {
        "customers": customers(1),
        "contacts": contacts(
            [
                {"started_at": utc(2024, 4, 1, 7, 30)},  # Monday 09:30 local
                {"started_at": utc(2024, 4, 1, 8, 30)},  # Monday 10:30 local
                {"started_at": utc(2024, 4, 2, 7, 15)},  # Tuesday 09:15 local
                {"started_at": utc(2024, 4, 3, 7, 59)},  # Wednesday 09:59 local
                {"started_at": utc(2024, 4, 5, 15, 0)},  # Friday afternoon
            ]
        ),
    }
    return frames, {"monday_peak_factor": round4(1 / (3 / 5))}


def contact_world() -> tuple[Frames, dict[str, object]]:
    """IVR share 5 / (5 + 5 first inbound phone calls); reasons (3 + 4 + 1) / 3 contacts."""
    when = utc(2024, 6, 3, 12)
    ivr = {"started_at": when, "channel": "self-service", "queue": "ivr"}
    rows: list[dict[str, Any]] = [dict(ivr) for _ in range(5)]
    rows += [
        {"started_at": when, "reasons": "billing;moving;invoice"},
        {"started_at": when, "reasons": "billing; moving |tariff;roaming"},
        {"started_at": when, "reasons": ""},
        {"started_at": when, "queue": "retention-nl", "reasons": "cancel", "customer_id": "C001"},
        {"started_at": when, "transferred_from": "K0006"},  # a transfer: not a first call
        {"started_at": when, "transferred_from": "K0007", "queue": "retention-nl"},
        {"started_at": when, "queue": None},  # no queue: an inbound phone contact
        {"started_at": when, "direction": "outbound", "queue": "outbound-nl"},
        {"started_at": when, "channel": "chat", "queue": "chat-nl"},
    ]
    frames = {"customers": customers(2), "contacts": contacts(rows)}
    return frames, {"ivr_share": round4(5 / 10), "reasons_per_contact": round4(8 / 3)}


def campaign_world() -> tuple[Frames, dict[str, object]]:
    """Direct mail: 2 of 40 treated respond (5%); SMS: 2 of 4 (50%); control members and an
    email campaign with only a control arm do not count."""
    start = utc(2024, 2, 1, 9)
    campaigns = pd.DataFrame(
        {
            "campaign_id": ["DM", "SMS", "EM"],
            "name": ["Mailing", "Texts", "News"],
            "channel": ["direct-mail", "sms", "email"],
            "started_at": [start, start, start],
        }
    )
    members: list[dict[str, Any]] = []
    for i in range(1, 41):
        answered = start if i <= 2 else None
        members.append({"campaign_id": "DM", "customer_id": f"C{i:03d}", "arm": "treatment",
                        "responded_at": answered})  # fmt: skip
    for i in range(41, 51):
        members.append({"campaign_id": "DM", "customer_id": f"C{i:03d}", "arm": "control",
                        "responded_at": start})  # fmt: skip
    for i in range(1, 5):
        members.append({"campaign_id": "SMS", "customer_id": f"C{i:03d}", "arm": "treatment",
                        "responded_at": start if i % 2 else None})  # fmt: skip
    for i in range(1, 6):
        members.append({"campaign_id": "EM", "customer_id": f"C{i:03d}", "arm": "control",
                        "responded_at": start})  # fmt: skip
    member_frame = pd.DataFrame(members)
    member_frame["responded_at"] = pd.to_datetime(member_frame["responded_at"], utc=True)
    frames = {
        "customers": customers(50),
        "orders": one_order_at(start),
        "campaigns": campaigns,
        "campaign_members": member_frame,
    }
    return frames, {"response_by_channel": {"direct-mail": 0.05, "sms": 0.5}}


def none_world() -> tuple[Frames, dict[str, object]]:
    """One order on a Saturday, nothing else: no IVR, reasons, campaigns, Monday, churn."""
    frames = {"customers": customers(3), "orders": one_order_at(utc(2024, 6, 1, 10))}
    return frames, {
        "customers": 3,
        "top1_share": 1.0,
        "top10_share": 1.0,
        "reasons_per_contact": None,
        "ivr_share": None,
        "response_by_channel": {},
        "monday_peak_factor": None,
        "yearly_churn": None,
    }


SCENARIOS: dict[str, Callable[[], tuple[Frames, dict[str, object]]]] = {
    "top shares": top_share_world,
    "contracts and churn": contract_world,
    "monday peak": monday_world,
    "monday peak in summer time": summer_monday_world,
    "ivr and reasons": contact_world,
    "campaigns": campaign_world,
    "none": none_world,
}


def subset(stats: dict[str, object], expected: dict[str, object]) -> dict[str, object]:
    return {key: stats[key] for key in expected}


# ---------------------------------------------------------------- frames


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_figure_from_frames_is_the_hand_computed_one(name: str) -> None:
    frames, expected = SCENARIOS[name]()
    assert subset(world_stats(frames), expected) == expected


def test_the_output_has_every_figure_and_the_seeds_beside_them() -> None:
    frames, _ = top_share_world()
    stats = world_stats(frames)
    assert list(stats) == [
        "customers", "top1_share", "top10_share", "reasons_per_contact", "ivr_share",
        "response_by_channel", "monday_peak_factor", "yearly_churn", "seeds",
    ]  # fmt: skip
    seeds = stats["seeds"]
    assert isinstance(seeds, dict)
    assert seeds["top1_share"]["value"] == 0.14
    assert seeds["top10_share"]["value"] == 0.61
    assert (seeds["reasons_per_contact"]["low"], seeds["reasons_per_contact"]["high"]) == (3, 4)
    assert seeds["ivr_share"]["value"] == 0.54
    assert seeds["response_by_channel"]["direct-mail"]["low"] == 0.03
    assert seeds["response_by_channel"]["direct-mail"]["high"] == 0.05
    assert seeds["response_by_channel"]["sms"]["value"] == 0.5
    assert seeds["monday_peak_factor"]["value"] is None
    for figure in ("top1_share", "ivr_share", "response_by_channel"):
        assert "seed 001" in str(seeds[figure])
    assert "seed 002" in str(seeds["reasons_per_contact"])
    assert "seed 002" in str(seeds["monday_peak_factor"])
    assert isinstance(SEED_FIGURES["top1_share"], SeedFigure)


def test_top_shares_take_the_ceiling_of_the_percentage() -> None:
    # 150 customers: the top 2 and the top 15; 300: exactly 3 and 30 (no float rounding up).
    revenue = np.arange(150, dtype=np.float64)
    total = float(revenue.sum())
    assert top_shares(revenue, 150) == (
        round4((149 + 148) / total),
        round4(sum(range(135, 150)) / total),
    )
    revenue = np.arange(300, dtype=np.float64)
    total = float(revenue.sum())
    assert top_shares(revenue, 300) == (
        round4((299 + 298 + 297) / total),
        round4(sum(range(270, 300)) / total),
    )
    assert top_shares(np.zeros(5), 5) == (None, None)


def test_rows_of_unknown_customers_are_left_out_as_the_importer_rejects_them() -> None:
    frames, expected = top_share_world()
    stray = orders([("X1", "C999", utc(2024, 5, 6, 10), 1, 1_000_000.0)])
    frames["orders"] = pd.concat([frames["orders"], stray], ignore_index=True)
    assert subset(world_stats(frames), expected) == expected

    frames, expected = contact_world()
    stray = contacts([{"started_at": utc(2024, 6, 3, 12), "queue": "ivr", "customer_id": "C999"}])
    frames["contacts"] = pd.concat([frames["contacts"], stray], ignore_index=True)
    assert subset(world_stats(frames), expected) == expected

    frames, expected = campaign_world()
    start = utc(2024, 2, 1, 9)
    stray_members = pd.DataFrame(
        [
            {"campaign_id": "SMS", "customer_id": "C999", "arm": "treatment",
             "responded_at": start},
            {"campaign_id": "NOPE", "customer_id": "C001", "arm": "treatment",
             "responded_at": start},
        ]
    )  # fmt: skip
    frames["campaign_members"] = pd.concat(
        [frames["campaign_members"], stray_members], ignore_index=True
    )
    assert subset(world_stats(frames), expected) == expected


def test_no_customers_is_a_one_line_error() -> None:
    with pytest.raises(InvalidInput, match="no customers"):
        world_stats({"customers": customers(0)})
    with pytest.raises(InvalidInput, match="customers"):
        world_stats({})
    with pytest.raises(InvalidInput, match="no customers"):
        compute_stats(StatsInput(customers=0, start_us=None, end_us=None))


def test_customers_without_orders_or_contacts_have_no_period() -> None:
    with pytest.raises(InvalidInput, match="period") as caught:
        world_stats({"customers": customers(3)})
    assert "\n" not in str(caught.value)


def test_a_frame_without_a_needed_column_is_a_one_line_error() -> None:
    frames, _ = top_share_world()
    frames["orders"] = frames["orders"].drop(columns=["unit_price"])
    with pytest.raises(InvalidInput, match="unit_price"):
        world_stats(frames)


def test_the_input_is_compact() -> None:
    frames, _ = monday_world()
    inp = stats_input_from_frames(frames)
    contacts_in = len(frames["contacts"])
    assert int(inp.inbound_hour_count.sum()) == contacts_in - 10  # the outbound ones
    assert len(inp.inbound_hour) < contacts_in  # counted per hour, not one per contact


# ---------------------------------------------------------------- the database


def load_frames(session: Session, frames: Frames) -> None:
    for entity in ENTITIES:
        if entity in frames and len(frames[entity]):
            _, rejected = import_frame(session, entity, frames[entity])
            assert rejected.empty, rejected.to_dict("records")
    session.flush()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_database_gives_the_figures_of_the_frames(session: Session, name: str) -> None:
    frames, expected = SCENARIOS[name]()
    load_frames(session, frames)
    from_db = database_stats(session)
    assert from_db == world_stats(frames)
    assert subset(from_db, expected) == expected


def test_an_empty_database_is_a_one_line_error(session: Session) -> None:
    with pytest.raises(InvalidInput, match="no customers"):
        database_stats(session)
