"""A whole simulated company: its observable frames (importer columns, one per entity) and the
hidden truth they were drawn from. Same preset, size, seed and scenarios → identical output.

The world is generated in two parts, so a million customers fit in a few gigabytes:

- the **plan** (``plan_world``): everything shared — every customer's latent traits, the
  account managers, the catalogue, the campaigns, the agents (staffed from the forecast volume,
  as a planner would), the market shocks;
- **blocks** of ``BLOCK`` customers (``generate_blocks``), each with its own random streams
  (``SeedSequence(seed, spawn_key=(1000 + block,))``): their contracts, orders, contacts,
  surveys, consents and campaign members, and their truth. Ids continue from block to block.

``build_world`` concatenates the blocks for callers who want frames in memory (tests, small
companies); ``load.py`` and the CSV writer stream them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from valuecenter.demo import campaigns as campaigns_mod
from valuecenter.demo import contacts as contacts_mod
from valuecenter.demo import customers as customers_mod
from valuecenter.demo import surveys as surveys_mod
from valuecenter.demo import workforce as workforce_mod
from valuecenter.demo.contracts import generate_contracts
from valuecenter.demo.latent import (
    CHURN_CAUSES,
    RESPONSE_TYPES,
    CustomerLatent,
    active_bounds,
    draw_latent,
    streams,
)
from valuecenter.demo.orders import MONTH_DAYS, ExtraOrders, generate_orders
from valuecenter.demo.presets import CHANNELS, DEFAULT_END, DEFAULT_MONTHS, Preset
from valuecenter.demo.products import Catalogue, catalogue, truth_products
from valuecenter.demo.scenarios import Shock, seasonal_peak, shocks
from valuecenter.demo.timeline import DAY, IntArray, LoadProfile, Window, days_since_epoch
from valuecenter.demo.treatments import response_truth
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import _
from valuecenter.importer.entities import ENTITIES

# The importer's order: what a row refers to is loaded before the row.
ENTITY_ORDER = ENTITIES
GLOBAL_ENTITIES = ("agents", "customers", "products", "queues", "employee_surveys", "campaigns")
BLOCK_ENTITIES = tuple(e for e in ENTITY_ORDER if e not in GLOBAL_ENTITIES)
TRUTH_TABLES = (
    "truth_worlds",
    "truth_customers",
    "truth_responses",
    "truth_contacts",
    "truth_agents",
    "truth_nps_drivers",
    "truth_market_shocks",
    "truth_products",
)
BLOCK = 50_000
MAX_CUSTOMERS = 5_000_000
GENERATOR = "valuecenter-demo/3"
# Seed 001: six value segments. Shares of the ranked active customers, best first.
_SEGMENT_SHARES = (0.01, 0.04, 0.10, 0.25, 1.0)
_BLOCK_PROCESSES = (
    "contracts",
    "orders",
    "lines",
    "contacts",
    "reasons",
    "handling",
    "surveys",
    "consents",
    "campaigns",
    "truth",
)


def block_streams(seed: int, block: int) -> dict[str, np.random.Generator]:
    """The random streams of one block, independent of every other block's."""
    children = np.random.SeedSequence(seed, spawn_key=(1000 + block,)).spawn(len(_BLOCK_PROCESSES))
    return {
        name: np.random.default_rng(c) for name, c in zip(_BLOCK_PROCESSES, children, strict=True)
    }


def default_window(start: date | None = None, months: int | None = None) -> Window:
    """The history window: by default the 24 months ending 2026-10-31."""
    months = DEFAULT_MONTHS if months is None else months
    if not 1 <= months <= 120:
        raise InvalidInput("months", _("%(value)s is outside 1–120", value=months))
    if start is None:
        return Window.ending(DEFAULT_END, months)
    return Window(start, months)


@dataclass(frozen=True)
class Plan:
    """The shared part of a world; blocks are generated from it."""

    preset: Preset
    seed: int
    window: Window
    scenarios: tuple[str, ...]
    shocks: tuple[Shock, ...]
    population: customers_mod.Population
    latent: CustomerLatent
    account_managers: pd.DataFrame
    catalogue: Catalogue
    workforce: workforce_mod.Workforce
    office: LoadProfile
    digital: LoadProfile
    frames: dict[str, pd.DataFrame]  # the GLOBAL_ENTITIES
    truth: dict[str, pd.DataFrame]  # worlds, agents, nps drivers, market shocks

    @property
    def customers(self) -> int:
        return len(self.population.ids)

    @property
    def blocks(self) -> int:
        return -(-self.customers // BLOCK)


@dataclass
class Block:
    index: int
    frames: dict[str, pd.DataFrame]  # the BLOCK_ENTITIES
    truth: dict[str, pd.DataFrame]  # customers, responses, contacts
    latent: CustomerLatent  # the block's customers, contract-end decisions folded in


@dataclass
class _Counters:
    contract: int = 1
    order: int = 1
    contact: int = 1
    case: int = 1
    survey: int = 1


def _segments(preset: Preset, latent: CustomerLatent, window: Window) -> np.ndarray:
    """The company's own value label (seed 001: six segments), from its last ranking: expected
    revenue over the window; customers gone before the window ends are dormant."""
    lo, hi = active_bounds(latent, window)
    expected = latent.column("value_potential") * (hi - lo) / (MONTH_DAYS * DAY)
    churned = latent.int_column("churn_day") >= 0
    labels = np.asarray(preset.segment_labels, dtype=object)
    out = np.full(len(expected), labels[-1], dtype=object)
    active = np.flatnonzero(~churned & (expected > 0))
    ranked = active[np.argsort(-expected[active], kind="stable")]
    bounds = np.round(np.cumsum(_SEGMENT_SHARES) * len(ranked)).astype(np.int64)
    start = 0
    for k, stop in enumerate(bounds):
        out[ranked[start:stop]] = labels[k]
        start = stop
    return out


def _forecast(
    preset: Preset,
    latent: CustomerLatent,
    pop: customers_mod.Population,
    window: Window,
    office: LoadProfile,
    digital: LoadProfile,
    teams: list[workforce_mod.Team],
) -> IntArray:
    lo, hi = active_bounds(latent, window)
    mass = 0.5 * (office.mass(lo, hi) + digital.mass(lo, hi))
    service = latent.column("contact_rate") * window.months * mass
    months_active = (hi - lo) / (MONTH_DAYS * DAY)
    assisted = np.array([c.assisted_orders for c in preset.countries])[pop.country_index]
    orders = latent.column("order_rate") * months_active * assisted
    return workforce_mod.expected_volume(teams, pop.languages, service, orders, preset.ivr_share)


def plan_world(
    preset: Preset,
    customers: int,
    seed: int,
    window: Window | None = None,
    scenarios: tuple[str, ...] = (),
) -> Plan:
    """Draw everything the blocks share."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise InvalidInput(
            "customers",
            _(
                "%(value)s is outside 1–%(max)s",
                value=grouped(customers),
                max=grouped(MAX_CUSTOMERS),
            ),
        )
    if seed < 0:
        raise InvalidInput("seed", _("must be 0 or more"))
    window = window or default_window()
    rng = streams(seed)
    world_shocks = shocks(preset, window, scenarios)
    pop = customers_mod.population(preset, customers, rng["customers"])
    latent = draw_latent(preset, pop.ids, pop.country_index, window, rng, world_shocks)
    ams, am_codes = customers_mod.account_managers(preset, pop, rng["customers"])
    customer_frame = customers_mod.customers_frame(
        preset, pop, latent.int_column("since_day"), am_codes, rng["names"]
    )
    customer_frame["segment"] = _segments(preset, latent, window)
    cat = catalogue(preset, rng["products"])
    peak = seasonal_peak(preset, scenarios)
    office = LoadProfile(window, kind="office", seasonal_peak=peak, saturday=preset.kind == "b2c")
    digital = LoadProfile(window, kind="digital", seasonal_peak=peak)
    teams = contacts_mod.teams_for(preset)
    volume = _forecast(preset, latent, pop, window, office, digital, teams)
    workforce = workforce_mod.build_workforce(teams, volume, window, rng["agents"], rng["names"])
    employee = workforce_mod.employee_surveys(workforce, window, rng["employee"])
    frames = {
        "agents": workforce.agents,
        "customers": customer_frame,
        "products": cat.frame,
        "queues": contacts_mod.queues_frame(preset),
        "employee_surveys": employee,
        "campaigns": campaigns_mod.campaign_frame(preset, window),
    }
    truth = {
        "truth_worlds": pd.DataFrame(
            [
                {
                    "preset": preset.name,
                    "seed": seed,
                    "customers": customers,
                    "starts": window.start.isoformat(),
                    "ends": window.last_day.isoformat(),
                    "scenarios": ",".join(scenarios),
                    "generator": GENERATOR,
                }
            ]
        ),
        "truth_agents": pd.DataFrame(
            {
                "agent_id": workforce.agents["agent_id"].to_numpy(),
                "team": workforce.agents["team"].to_numpy(),
                "team_climate": workforce.climate.round(6),
                "engagement": workforce.engagement.round(6),
                "quality": workforce.quality.round(6),
            }
        ),
        "truth_nps_drivers": pd.DataFrame(
            surveys_mod.NPS_DRIVERS, columns=["driver", "effect", "unit", "note"]
        ),
        "truth_products": truth_products(cat, preset),
        "truth_market_shocks": pd.DataFrame(
            {
                "scenario": [s.scenario for s in world_shocks],
                "country": [s.country for s in world_shocks],
                "starts": [s.starts.isoformat() for s in world_shocks],
                "ends": [s.ends.isoformat() for s in world_shocks],
                "order_factor": [s.order_factor for s in world_shocks],
                "churn_factor": [s.churn_factor for s in world_shocks],
                "contact_factor": [s.contact_factor for s in world_shocks],
                "note": [s.note for s in world_shocks],
            },
        ),
    }
    return Plan(
        preset=preset,
        seed=seed,
        window=window,
        scenarios=scenarios,
        shocks=world_shocks,
        population=pop,
        latent=latent,
        account_managers=ams,
        catalogue=cat,
        workforce=workforce,
        office=office,
        digital=digital,
        frames=frames,
        truth=truth,
    )


def _block(plan: Plan, b: int, counters: _Counters) -> Block:
    preset, window = plan.preset, plan.window
    lo, hi = b * BLOCK, min((b + 1) * BLOCK, plan.customers)
    rng = block_streams(plan.seed, b)
    ids = plan.population.ids.iloc[lo:hi].reset_index(drop=True)
    country_index = plan.population.country_index[lo:hi]
    countries = plan.population.countries[lo:hi]
    languages = plan.population.languages[lo:hi]
    frame = plan.latent.frame.iloc[lo:hi].reset_index(drop=True).copy()

    contracts = generate_contracts(
        preset, CustomerLatent(frame), ids, window, rng["contracts"], counters.contract
    )
    counters.contract += len(contracts.frame)
    frame["churn_day"] = contracts.churn_day
    frame["churn_cause"] = contracts.churn_cause
    latent = CustomerLatent(frame)

    consents = surveys_mod.consents(preset, latent, ids, window, rng["consents"])
    members, conversions = campaigns_mod.members(
        preset, window, latent, ids, consents, contracts.renewals, rng["campaigns"]
    )
    codes = [code for code, _, _ in preset.categories]
    handsets = ExtraOrders(
        customer=contracts.handset_customer,
        local_s=contracts.handset_day * DAY,
        category=np.full(
            len(contracts.handset_customer), codes.index("handsets") if "handsets" in codes else 0
        ),
        subsidised=np.ones(len(contracts.handset_customer), dtype=bool),
    )
    bought = ExtraOrders(
        customer=conversions.customer,
        local_s=conversions.local_s,
        category=conversions.category,
        subsidised=np.zeros(len(conversions.customer), dtype=bool),
    )
    orders = generate_orders(
        preset,
        latent,
        ids,
        countries,
        window,
        plan.catalogue,
        rng["orders"],
        rng["lines"],
        plan.office if preset.kind == "b2b" else plan.digital,
        extras=ExtraOrders.combine(handsets, bought),
        shocks=plan.shocks,
        first_order_no=counters.order,
    )
    counters.order += len(orders.order_ids)
    campaigns_mod.fill_revenue(
        members, conversions, orders.extra_revenue_cents[len(handsets.customer) :]
    )

    draw = contacts_mod.generate_contacts(
        preset,
        latent,
        ids,
        country_index,
        languages,
        window,
        orders.customer,
        orders.local_s,
        plan.office,
        plan.digital,
        rng["contacts"],
        rng["reasons"],
        rng["handling"],
        plan.workforce,
        plan.shocks,
        counters.contact,
        counters.case,
    )
    counters.contact, counters.case = draw.next_contact_no, draw.next_case_no
    nps = surveys_mod.nps_surveys(
        draw, latent, plan.workforce, languages, window, rng["surveys"], counters.survey
    )
    counters.survey += len(nps)

    end_day = days_since_epoch(window.end)
    alive = (latent.int_column("churn_day") < 0) & (latent.int_column("since_day") < end_day)
    frames = {
        "contracts": contracts.frame,
        "orders": orders.lines,
        "contacts": draw.frame,
        "surveys": nps,
        "consents": consents,
        "campaign_members": members,
    }
    return Block(
        index=b,
        frames={name: frames[name] for name in BLOCK_ENTITIES},
        truth={
            "truth_customers": _truth_customers(latent, orders.favourites, codes),
            "truth_responses": response_truth(
                latent, alive, contracts.open_term_years, rng["truth"]
            ),
            "truth_contacts": draw.truth,
        },
        latent=latent,
    )


def _truth_customers(
    latent: CustomerLatent, favourites: IntArray, category_codes: list[str]
) -> pd.DataFrame:
    f = latent.frame
    names = np.asarray(category_codes, dtype=object)[favourites]
    favourite_text = names[:, 0] + ";" + names[:, 1] + ";" + names[:, 2]
    churn = f["churn_day"].to_numpy(dtype=np.int64)
    cause = f["churn_cause"].to_numpy(dtype=np.int64)
    churn_date = pd.to_datetime(np.maximum(churn, 0), unit="D").strftime("%Y-%m-%d").to_numpy()
    return pd.DataFrame(
        {
            "customer_id": f["customer_id"].to_numpy(),
            "value_potential": f["value_potential"].to_numpy(),
            "order_rate": f["order_rate"].round(6).to_numpy(),
            "contact_rate": f["contact_rate"].round(6).to_numpy(),
            "satisfaction": f["satisfaction"].round(6).to_numpy(),
            "offer_sensitivity": f["offer_sensitivity"].round(6).to_numpy(),
            "response_type": np.asarray(RESPONSE_TYPES, dtype=object)[
                f["response_type"].to_numpy()
            ],
            "channel_pref": np.asarray(CHANNELS, dtype=object)[f["channel_pref"].to_numpy()],
            "churn_date": np.where(churn >= 0, churn_date, None),
            "churn_cause": np.where(
                cause >= 0, np.asarray(CHURN_CAUSES, dtype=object)[np.maximum(cause, 0)], None
            ),
            "decline_days": f["decline_days"].to_numpy(),
            "basket_lines": f["basket_lines"].round(6).to_numpy(),
            "favourites": favourite_text,
        }
    )


def generate_blocks(plan: Plan) -> Iterator[Block]:
    """The blocks in order (ids continue from one to the next)."""
    counters = _Counters()
    for b in range(plan.blocks):
        yield _block(plan, b, counters)


@dataclass(frozen=True)
class DemoWorld:
    """A generated company in memory: ``frames`` per entity (in ENTITY_ORDER), the account
    managers' names, the hidden ``truth`` tables, and every customer's latent traits
    (``latent``, the contract-end decisions folded into ``churn_day``)."""

    preset: Preset
    seed: int
    window: Window
    scenarios: tuple[str, ...]
    frames: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    account_managers: pd.DataFrame
    latent: CustomerLatent

    def rows(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.frames.items()}


def build_world(
    preset: Preset,
    customers: int,
    seed: int,
    window: Window | None = None,
    progress: Callable[[str], None] | None = None,
    scenarios: tuple[str, ...] = (),
) -> DemoWorld:
    """Generate the whole company in memory. ``progress`` is called with each step's name."""
    step = progress or (lambda _name: None)
    step(_("plan"))
    plan = plan_world(preset, customers, seed, window, scenarios)
    parts: dict[str, list[pd.DataFrame]] = {}
    latents: list[pd.DataFrame] = []
    for block in generate_blocks(plan):
        step(_("block %(i)s/%(n)s", i=block.index + 1, n=plan.blocks))
        for name, frame in (block.frames | block.truth).items():
            parts.setdefault(name, []).append(frame)
        latents.append(block.latent.frame)
    joined = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    frames = {
        name: plan.frames[name] if name in plan.frames else joined[name] for name in ENTITY_ORDER
    }
    latent = pd.concat(latents, ignore_index=True)
    truth = {
        name: plan.truth[name] if name in plan.truth else joined[name] for name in TRUTH_TABLES
    }
    return DemoWorld(
        preset=preset,
        seed=seed,
        window=plan.window,
        scenarios=scenarios,
        frames=frames,
        truth=truth,
        account_managers=plan.account_managers,
        latent=CustomerLatent(latent),
    )
