"""Build a whole demo company: the observable frames (importer columns, one per entity) and
the hidden latent frames they were drawn from. Same preset, size and seed → identical output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from valuecenter.demo import contacts as contacts_mod
from valuecenter.demo import customers as customers_mod
from valuecenter.demo import surveys as surveys_mod
from valuecenter.demo import workforce as workforce_mod
from valuecenter.demo.contracts import generate_contracts
from valuecenter.demo.latent import CustomerLatent, draw_latent, streams
from valuecenter.demo.orders import generate_orders
from valuecenter.demo.presets import DEFAULT_END, DEFAULT_MONTHS, Preset
from valuecenter.demo.products import catalogue
from valuecenter.demo.timeline import IntArray, LoadProfile, Window
from valuecenter.errors import InvalidInput
from valuecenter.importer.entities import ENTITIES

# The importer's order: what a row refers to is loaded before the row.
ENTITY_ORDER = ENTITIES
MAX_CUSTOMERS = 5_000_000
# Seed 001: six value segments. Shares of the ranked active customers, best first.
_SEGMENT_SHARES = (0.01, 0.04, 0.10, 0.25, 1.0)


@dataclass(frozen=True)
class DemoWorld:
    """A generated company: ``frames`` per entity (in ENTITY_ORDER), the account managers'
    names, and the hidden truth (``latent`` per customer, ``agent_latent`` per agent)."""

    preset: Preset
    seed: int
    window: Window
    frames: dict[str, pd.DataFrame]
    account_managers: pd.DataFrame
    latent: CustomerLatent
    agent_latent: pd.DataFrame

    def rows(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.frames.items()}


def default_window(start: date | None = None, months: int | None = None) -> Window:
    """The history window: by default the 24 months ending 2026-10-31."""
    months = DEFAULT_MONTHS if months is None else months
    if not 1 <= months <= 120:
        raise InvalidInput("months", f"{months} is outside 1–120")
    if start is None:
        return Window.ending(DEFAULT_END, months)
    return Window(start, months)


def _segments(preset: Preset, revenue: IntArray, churned: np.ndarray) -> np.ndarray:
    labels = np.asarray(preset.segment_labels, dtype=object)
    out = np.full(len(revenue), labels[-1], dtype=object)
    active = np.flatnonzero(~churned & (revenue > 0))
    ranked = active[np.argsort(-revenue[active], kind="stable")]
    bounds = np.round(np.cumsum(_SEGMENT_SHARES) * len(ranked)).astype(np.int64)
    start = 0
    for k, stop in enumerate(bounds):
        out[ranked[start:stop]] = labels[k]
        start = stop
    return out


def build_world(
    preset: Preset,
    customers: int,
    seed: int,
    window: Window | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoWorld:
    """Generate the company. ``progress`` is called with the name of each step."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise InvalidInput("customers", f"{customers} is outside 1–{MAX_CUSTOMERS:,}")
    if seed < 0:
        raise InvalidInput("seed", "must be 0 or more")
    window = window or default_window()
    step = progress or (lambda _name: None)
    rng = streams(seed)

    step("customers")
    pop = customers_mod.population(preset, customers, rng["customers"])
    latent = draw_latent(preset, pop.ids, pop.country_index, window, rng)
    ams, am_codes = customers_mod.account_managers(preset, pop, rng["customers"])
    customer_frame = customers_mod.customers_frame(
        preset, pop, latent.int_column("since_day"), am_codes, rng["names"]
    )
    cat = catalogue(preset, rng["products"])
    office = LoadProfile(
        window, kind="office", seasonal_peak=preset.seasonal_peak, saturday=preset.kind == "b2c"
    )
    digital = LoadProfile(window, kind="digital", seasonal_peak=preset.seasonal_peak)

    step("contracts")
    contracts = generate_contracts(preset, latent, pop.ids, window, rng["contracts"])

    step("orders")
    orders = generate_orders(
        preset,
        latent,
        pop.ids,
        pop.countries,
        window,
        cat,
        rng["orders"],
        rng["lines"],
        office if preset.kind == "b2b" else digital,
        handsets=(contracts.handset_customer, contracts.handset_day),
    )

    step("contacts")

    def build_agents(teams: list[workforce_mod.Team], handled: IntArray) -> workforce_mod.Workforce:
        return workforce_mod.build_workforce(teams, handled, window, rng["agents"], rng["names"])

    contact_draw, workforce = contacts_mod.generate_contacts(
        preset,
        latent,
        pop.ids,
        pop.country_index,
        pop.languages,
        window,
        orders.customer,
        orders.local_s,
        office,
        digital,
        rng["contacts"],
        rng["reasons"],
        rng["handling"],
        build_agents,
    )

    step("surveys")
    nps = surveys_mod.nps_surveys(
        contact_draw, latent, workforce, pop.languages, window, rng["surveys"]
    )
    employee = workforce_mod.employee_surveys(workforce, window, rng["employee"])
    consent = surveys_mod.consents(preset, latent, pop.ids, window, rng["consents"])

    churned = latent.int_column("churn_day") >= 0
    customer_frame["segment"] = _segments(
        preset, orders.revenue_cents + contracts.revenue_cents, churned
    )
    frames = {
        "agents": workforce.agents,
        "customers": customer_frame,
        "products": cat.frame,
        "contracts": contracts.frame,
        "orders": orders.lines,
        "contacts": contact_draw.frame,
        "surveys": nps,
        "consents": consent,
        "employee_surveys": employee,
    }
    agent_latent = pd.DataFrame(
        {
            "agent_id": workforce.agents["agent_id"].to_numpy(),
            "engagement": workforce.engagement,
        }
    )
    return DemoWorld(
        preset=preset,
        seed=seed,
        window=window,
        frames={name: frames[name] for name in ENTITY_ORDER},
        account_managers=ams,
        latent=latent,
        agent_latent=agent_latent,
    )
