"""The demo company generator on frames (no database): determinism, the seeds' figures, and
the internal consistency the importer and later analyses rely on."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from valuecenter.demo.customers import account_managers, population
from valuecenter.demo.latent import streams
from valuecenter.demo.orders import LEAD_IN_LOG2, _lead_in
from valuecenter.demo.presets import CHANNELS, TELECOM, WHOLESALE, get_preset
from valuecenter.demo.timeline import DAY, LoadProfile, Window, local_to_utc
from valuecenter.demo.world import (
    ENTITY_ORDER,
    DemoWorld,
    build_world,
    default_window,
    generate_blocks,
    plan_world,
)
from valuecenter.errors import InvalidInput


@pytest.fixture(scope="module")
def wholesale() -> DemoWorld:
    return build_world(WHOLESALE, 1000, 1)


@pytest.fixture(scope="module")
def telecom() -> DemoWorld:
    return build_world(TELECOM, 1000, 1)


def _revenue_by_customer(world: DemoWorld) -> np.ndarray:
    orders = world.frames["orders"]
    value = orders["quantity"] * orders["unit_price"]
    per = value.groupby(orders["customer_id"]).sum()
    return per.reindex(world.frames["customers"]["customer_id"], fill_value=0.0).to_numpy()


def test_frames_come_in_importer_order_with_every_entity_filled(wholesale: DemoWorld) -> None:
    assert tuple(wholesale.frames) == ENTITY_ORDER
    assert all(len(frame) > 0 for frame in wholesale.frames.values())
    assert len(wholesale.latent.frame) == len(wholesale.frames["customers"])


def test_same_seed_gives_identical_frames_and_latent_traits(wholesale: DemoWorld) -> None:
    again = build_world(WHOLESALE, 1000, 1)
    for entity in ENTITY_ORDER:
        pd.testing.assert_frame_equal(wholesale.frames[entity], again.frames[entity])
    pd.testing.assert_frame_equal(wholesale.latent.frame, again.latent.frame)
    pd.testing.assert_frame_equal(wholesale.account_managers, again.account_managers)


def test_another_seed_gives_another_company(wholesale: DemoWorld) -> None:
    other = build_world(WHOLESALE, 1000, 2)
    assert not other.frames["orders"].equals(wholesale.frames["orders"])
    assert not other.frames["contacts"].equals(wholesale.frames["contacts"])
    assert not other.latent.frame.equals(wholesale.latent.frame)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_revenue_is_concentrated_as_in_seed_001(seed: int) -> None:
    # Seed 001: the top 1% of customers bring 14% of revenue, the top 10% bring 61%.
    world = build_world(WHOLESALE, 1000, seed)
    revenue = np.sort(_revenue_by_customer(world))[::-1]
    top1 = revenue[:10].sum() / revenue.sum()
    top10 = revenue[:100].sum() / revenue.sum()
    assert 0.55 <= top10 <= 0.67
    assert 0.09 <= top1 <= 0.20


def test_account_managers_own_pools_of_about_650_from_their_home_market() -> None:
    # Seed 000: a fixed pool of ≈650 customers per AM; a Dutch AM has a Dutch pool.
    pop = population(WHOLESALE, 20_000, streams(7)["customers"])
    managers, codes = account_managers(WHOLESALE, pop, streams(7)["customers"])
    home = dict(zip(managers["code"], managers["country"], strict=True))
    assert all(home[code] == country for code, country in zip(codes, pop.countries, strict=True))
    sizes = codes.value_counts()
    assert sizes.max() <= 650
    assert sizes.min() > 325  # ceil(n / 650) pools: never less than half full
    assert 550 <= sizes.mean() <= 650
    for country, count in pd.Series(pop.countries).value_counts().items():
        assert (managers["country"] == country).sum() == math.ceil(count / 650)


def test_customers_speak_their_countrys_language(wholesale: DemoWorld) -> None:
    customers = wholesale.frames["customers"]
    allowed = {c.code: {lang for lang, _ in c.languages} for c in WHOLESALE.countries}
    assert set(customers["country"]) == set(allowed)
    for country, language in zip(customers["country"], customers["language"], strict=True):
        assert language in allowed[country]


@pytest.mark.parametrize("name", ["wholesale", "telecom"])
def test_every_channel_and_three_to_four_reasons(name: str, request: pytest.FixtureRequest) -> None:
    # Seed 002: customers often ask three or four questions per contact.
    world: DemoWorld = request.getfixturevalue(name)
    contacts = world.frames["contacts"]
    assert set(contacts["channel"]) == set(CHANNELS)
    reasons = contacts["reasons"].str.split(";")
    assert reasons.str.len().between(1, 5).all()
    assert 3.0 <= reasons.str.len().mean() <= 4.0
    assert not reasons.map(lambda codes: len(set(codes)) != len(codes)).any()
    assert contacts["contact_id"].is_unique


def test_phone_and_fax_markets_call_more_than_the_dutch(wholesale: DemoWorld) -> None:
    # Seed 000: BE/DE/AT prefer phone and fax; NL wants online.
    contacts = wholesale.frames["contacts"]
    country = contacts["customer_id"].map(
        wholesale.frames["customers"].set_index("customer_id")["country"]
    )
    offline = contacts["channel"].isin(["phone", "fax"])
    assert offline[country == "DE"].mean() > offline[country == "NL"].mean() + 0.1


def test_ivr_handles_about_54_percent_of_telecom_calls(telecom: DemoWorld) -> None:
    contacts = telecom.frames["contacts"]
    ivr = (contacts["queue"] == "ivr").sum()
    calls = (
        (contacts["channel"] == "phone")
        & (contacts["direction"] == "inbound")
        & contacts["transferred_from"].isna()  # a transfer is the same call
    )
    share = ivr / (ivr + calls.sum())
    assert 0.48 <= share <= 0.60
    cancel_first = contacts["reasons"].str.startswith("cancel")
    assert not (cancel_first & (contacts["queue"] == "ivr")).any()


def test_transfers_and_cases_are_consistent(wholesale: DemoWorld) -> None:
    contacts = wholesale.frames["contacts"].set_index("contact_id")
    moved = contacts[contacts["transferred_from"].notna()]
    assert len(moved) > 0
    parents = contacts.loc[moved["transferred_from"]]
    assert (parents["started_at"].to_numpy() < moved["started_at"].to_numpy()).all()
    assert (parents["case_id"].to_numpy() == moved["case_id"].to_numpy()).all()
    assert (parents["resolved"] == False).all()  # noqa: E712
    assert contacts.loc[contacts["abandoned"], "agent_id"].isna().all()


def test_agents_handle_contacts_only_while_employed(wholesale: DemoWorld) -> None:
    agents = wholesale.frames["agents"].set_index("agent_id")
    contacts = wholesale.frames["contacts"].dropna(subset=["agent_id"])
    day = contacts["started_at"].dt.strftime("%Y-%m-%d")
    hired = contacts["agent_id"].map(agents["hire_date"])
    left = contacts["agent_id"].map(agents["leave_date"]).fillna("9999-12-31")
    assert (hired <= day).all()
    assert (day <= left).all()
    assert agents["leave_date"].notna().any()  # attrition


def test_nps_suffers_from_transfers(wholesale: DemoWorld) -> None:
    surveys = wholesale.frames["surveys"]
    contacts = wholesale.frames["contacts"].set_index("contact_id")
    transferred = contacts.loc[surveys["contact_id"], "transferred_from"].notna().to_numpy()
    assert surveys["nps"].between(0, 10).all()
    assert surveys.loc[transferred, "nps"].mean() < surveys.loc[~transferred, "nps"].mean()


@pytest.mark.parametrize(("room_days", "moves_later"), [(50.0, True), (6.0, False)])
def test_a_leavers_last_three_gaps_stretch_and_end_before_he_leaves(
    room_days: float, moves_later: bool
) -> None:
    """Issue 18's lead-in (``orders._lead_in``): the gaps ending at the last three orders before
    the customer leaves grow by 2 ** LEAD_IN_LOG2; his last order stays before he leaves (with
    no room after it, his history moves earlier instead); later slots are dropped."""
    gaps = np.array([5.0, 10, 10, 10, 10, 10, 100]) * DAY  # a phase, then gaps
    slots = np.array([len(gaps)], dtype=np.int64)
    pos = np.arange(len(gaps), dtype=np.int64)
    at = np.cumsum(gaps)
    end = np.full(len(gaps), at[5] + room_days * DAY)  # he leaves after slot 5
    delay, last = _lead_in(gaps, pos, at, end.astype(np.int64), slots)
    assert last.tolist() == [5]
    moved = (at + delay)[:6]
    stretched = np.diff(moved) / DAY
    assert stretched[:2] == pytest.approx([10.0, 10.0])
    assert stretched[2:] == pytest.approx([10 * 2**v for v in LEAD_IN_LOG2])
    assert moved[-1] <= end[0] - 4 * DAY
    assert (moved[0] == at[0]) == moves_later


def test_telecom_contracts_renew_cancel_and_end(telecom: DemoWorld) -> None:
    contracts = telecom.frames["contracts"]
    assert set(contracts["status"]) == {"active", "renewed", "cancelled", "ended"}
    cancelled = contracts[contracts["status"] == "cancelled"]
    assert cancelled["cancelled_at"].notna().all()
    assert cancelled["cancel_reason"].notna().all()
    renewed = contracts[contracts["status"] == "renewed"]
    assert renewed["renewed_at"].notna().all()
    assert telecom.account_managers.empty
    assert telecom.frames["customers"]["account_manager"].isna().all()


def test_consents_include_withdrawals(telecom: DemoWorld) -> None:
    consents = telecom.frames["consents"]
    assert set(consents["purpose"]) == {"service", "marketing", "profiling"}
    assert (~consents["granted"]).sum() > 0
    assert not consents.duplicated(["customer_id", "purpose", "channel", "recorded_at"]).any()


def test_load_profile_has_monday_morning_and_seasonal_peaks() -> None:
    window = Window(date(2025, 11, 1), 12)
    profile = LoadProfile(window, kind="office", seasonal_peak=0.4)

    def weight(day: date, hour: int) -> float:
        return float(profile.weights[(day - window.start).days * 24 + hour])

    monday, wednesday = date(2025, 11, 17), date(2025, 11, 19)
    assert weight(monday, 9) > 1.5 * weight(wednesday, 9)
    assert weight(date(2026, 2, 11), 10) > weight(date(2026, 1, 28), 10)  # Valentine's week
    assert weight(date(2025, 12, 19), 10) > weight(date(2025, 11, 21), 10)  # Christmas
    assert weight(date(2025, 11, 23), 10) == 0.0  # Sunday: office closed


def test_local_time_is_stored_in_utc() -> None:
    winter = np.array([pd.Timestamp("2026-01-15 09:00").value // 10**9], dtype=np.int64)
    summer = np.array([pd.Timestamp("2026-07-15 09:00").value // 10**9], dtype=np.int64)
    assert pd.Timestamp(local_to_utc(winter)[0], unit="s").hour == 8
    assert pd.Timestamp(local_to_utc(summer)[0], unit="s").hour == 7


def test_timestamps_are_utc_aware_and_inside_the_window(wholesale: DemoWorld) -> None:
    start = pd.Timestamp(wholesale.window.start, tz="UTC") - pd.Timedelta(hours=2)
    end = pd.Timestamp(wholesale.window.end, tz="UTC")
    for entity, column in (("orders", "ordered_at"), ("contacts", "started_at")):
        stamps = wholesale.frames[entity][column]
        assert str(stamps.dt.tz) == "UTC"
        assert stamps.min() >= start
        assert stamps.max() < end


def test_default_window_is_the_24_months_to_october_2026() -> None:
    window = default_window()
    assert (window.start, window.last_day) == (date(2024, 11, 1), date(2026, 10, 31))
    assert default_window(date(2020, 1, 1), 6).last_day == date(2020, 6, 30)


def test_bad_parameters_are_one_line_errors() -> None:
    with pytest.raises(InvalidInput, match="preset"):
        get_preset("bakery")
    with pytest.raises(InvalidInput, match="customers"):
        build_world(WHOLESALE, 0, 1)
    with pytest.raises(InvalidInput, match="months"):
        default_window(None, 0)


@pytest.mark.parametrize("preset", ["wholesale", "telecom"])
@pytest.mark.parametrize("customers", [1, 3])
def test_a_tiny_company_without_contracts_is_generated(preset: str, customers: int) -> None:
    """``demo --customers 3`` once failed with pandas' "No objects to concatenate" when no
    customer held a contract; a tiny world has empty contract frames instead."""
    blocks = list(generate_blocks(plan_world(get_preset(preset), customers, 1)))
    assert sum(len(b.truth["truth_customers"]) for b in blocks) == customers
    assert all(
        list(b.frames["contracts"].columns)[:2] == ["contract_id", "customer_id"] for b in blocks
    )
