"""The save desk run for N months on the loaded demo world, with the truth beside the ledger.

Everything the desk does goes through the product's own code
(:func:`retention.desk.service.open_case` draws the arm and suggests the offer,
:func:`retention.desk.service.record_outcome` closes the case); only the *callers* and their
*answers* come from the world's truth (``truth_responses``,
action ``retention-offer``: a customer's chance to still be a customer 12 months on without an
offer, ``p_control``, and with one, ``p_treated``).

- **Who calls.** The pool is every customer active at the world's end (those with a
  ``retention-offer`` truth row). Each month each of them calls to cancel with probability
  ``c·(1 − p_control)`` — the likelier to leave, the likelier to call — with ``c`` set so that
  ``MONTHLY_RATE`` (1.5%) of the pool calls in an average month: with 5,000 customers about
  60 cancel calls a month. Months are independent: every month has its own random stream
  (callers, times, arms, agents and answers are drawn afresh; the truth's fixed ``u`` is not
  used).
- **When.** The last simulated month is the world's last full month; the others go back from
  it, so every case sits in the past. A case opens in the month's first ``OPEN_DAYS`` days and
  closes 1–4 days later, inside the same month.
- **Who answers.** A case goes to an agent of a ``retention-*`` team (a ``service-*`` team
  where the company has no retention team), drawn at random.
- **What he offers.** A desk case gets the case's suggestion (none when no offer is worth
  its cost); a control case gets none.
- **What the caller does.** He stays with probability ``p_control`` without an offer and
  ``p_offer = p_control + s_o·(p_treated − p_control)`` with offer ``o``: the truth's
  ``p_treated`` is an offer of full strength and ``STRENGTH`` scales it per offer (a 20%
  discount for a year is the full offer, a handset 0.8 of it, one free month half of it; a
  wholesaler's 5% order discount the full offer, free delivery 0.7, an account review half;
  an offer not seeded here ``DEFAULT_STRENGTH``). Sleeping dogs have ``p_treated < p_control``,
  so an offer can lose them.
- **The truth** of a month is ``Σ_desk (p_offer − p_control)`` (true incremental saves) and
  ``Σ_desk (p_offer − p_control) × value_cents`` (true incremental value): what the desk's
  cases of the month were expected to gain from the desk. :func:`compare` puts the ledger's
  month rows (which never read the truth) beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent, Team
from valuecenter.customers.models import Customer
from valuecenter.demo.offers_truth import load_demo_catalogue
from valuecenter.demo.truth_models import TruthResponse, TruthWorld, require_truth
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.offers.catalogue import check_retention_offer
from valuecenter.retention.desk.ledger import LedgerRow, ledger
from valuecenter.retention.desk.service import open_case, record_outcome
from valuecenter.retention.desk.suggestion import evidence
from valuecenter.retention.models import RetentionOffer, SaveArm, SaveCase, SaveOutcome, SaveSource
from valuecenter.retention.offers import OfferSpec, upsert_offer

ACTION = "retention-offer"
MONTHLY_RATE = 0.015
MONTHS_MAX = 240
OPEN_DAYS = 24
CLOSE_DAYS = (1.0, 4.0)
# The renewal campaigns' discount: its treatment and control groups teach the renewal list
# whom it moves (``valuecenter bootstrap`` adds it; tests score the list against the truth).
RENEWAL_OFFER = OfferSpec(
    code="renewal-discount-10",
    name="10% off the next term",
    kind="discount",
    discount_share=0.10,
    campaign_action="renewal-offer",
    prior_uplift=0.04,
    description="The renewal campaigns' discount: their treatment and control groups teach "
    "the renewal list whom it moves.",
)

# How strongly each demo retention offer (demo/catalogue/<preset>.yaml) moves a leaver, as a
# share of the truth's full offer: the simulation's hidden truth, never the catalogue's.
STRENGTH = {
    "discount-20": 1.0,
    "handset-upgrade": 0.8,
    "free-month": 0.5,
    "order-discount-5": 1.0,
    "free-delivery-6m": 0.7,
    "account-review": 0.5,
}
DEFAULT_STRENGTH = 0.5

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SavedeskMonth:
    """One simulated month: what the desk saw and the truth of its desk cases."""

    month: str  # YYYY-MM
    cases: int
    desk: int
    control: int
    kept_desk: int
    kept_control: int
    offers: dict[str, int]
    true_incremental_saves: float
    true_incremental_value_cents: float


@dataclass(frozen=True)
class SavedeskRun:
    months: list[SavedeskMonth]
    control_share: float
    seed: int
    pool: int  # customers who could call
    agents: int  # retention agents
    offers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Pool:
    customer_id: np.ndarray  # database ids
    p_control: np.ndarray
    p_treated: np.ndarray


def seed_offers(session: Session) -> list[RetentionOffer]:
    """The loaded company's retention offers (created or updated in place), from its demo
    catalogue's ``retention_offers`` — the one retention catalogue the engine's retention
    actions present too (a wholesaler offers order discounts and free delivery, an operator
    a discount on the fee or a handset)."""
    require_truth(session)
    world = session.scalar(select(TruthWorld).limit(1))
    if world is None:
        raise NotFound("no simulated company in this database (load one with `valuecenter demo`)")
    entries = load_demo_catalogue(world.preset).get("retention_offers") or []
    return [
        upsert_offer(session, check_retention_offer(entry, f"retention_offers[{i}]"))
        for i, entry in enumerate(entries)
    ]


def _pool(session: Session) -> _Pool:
    missing = _(
        "no truth for %(action)s: this database holds no simulated company "
        "(load one with `valuecenter demo --preset telecom`)",
        action=ACTION,
    )
    require_truth(session, missing)
    rows = session.execute(
        select(Customer.id, TruthResponse.p_control, TruthResponse.p_treated)
        .join(Customer, Customer.external_id == TruthResponse.customer_id)
        .where(TruthResponse.action == ACTION)
        .order_by(Customer.id)
    ).all()
    if not rows:
        raise NotFound(missing)
    table = np.asarray(rows, dtype=np.float64)
    return _Pool(table[:, 0].astype(np.int64), table[:, 1], table[:, 2])


def _retention_agents(session: Session) -> list[int]:
    """The agents of the ``retention-*`` teams; a company without a retention team (the
    wholesale preset) handles cancel calls at its ``service-*`` desks."""
    for prefix in ("retention-%", "service-%"):
        agents = list(
            session.scalars(
                select(Agent.id)
                .join(Team, Team.id == Agent.team_id)
                .where(Team.code.like(prefix))
                .order_by(Agent.id)
            )
        )
        if agents:
            return agents
    raise InvalidInput("agents", _("the world has no agents in a retention-* or service-* team"))


def _last_month(session: Session) -> date:
    missing = _("no simulated company in this database (load one with `valuecenter demo`)")
    require_truth(session, missing)
    ends = session.scalar(select(func.max(TruthWorld.ends)))
    if ends is None:
        raise NotFound(missing)
    after = ends + timedelta(days=1)
    return _month_shift(after.replace(day=1), -1)


def _month_shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _strength(code: str | None) -> float:
    return 0.0 if code is None else STRENGTH.get(code, DEFAULT_STRENGTH)


def _simulate_month(
    session: Session,
    month: date,
    pool: _Pool,
    rate: np.ndarray,
    agents: list[int],
    codes: dict[int, str],
    control_share: float,
    rng: np.random.Generator,
) -> SavedeskMonth:
    callers = np.flatnonzero(rng.random(len(rate)) < rate)
    start = datetime.combine(month, time.min, UTC)
    opens = rng.uniform(0.0, OPEN_DAYS * 86400.0, len(callers)).round()
    closes = (opens + rng.uniform(*CLOSE_DAYS, len(callers)) * 86400.0).round()
    known = evidence(session, start)
    cases = {
        int(i): open_case(
            session,
            int(pool.customer_id[callers[i]]),
            SaveSource.IVR,
            at=start + timedelta(seconds=float(opens[i])),
            control_share=control_share,
            known=known,
        )
        for i in np.argsort(opens, kind="stable")
    }
    offers: dict[str, int] = {}
    kept = {SaveArm.DESK: 0, SaveArm.CONTROL: 0}
    truth_saves = truth_value = 0.0
    for i in (int(k) for k in np.argsort(closes, kind="stable")):
        case, who = cases[i], int(callers[i])
        code = codes.get(case.suggested_offer_id or 0) if case.arm == SaveArm.DESK else None
        p0, p1 = float(pool.p_control[who]), float(pool.p_treated[who])
        p = min(max(p0 + _strength(code) * (p1 - p0), 0.0), 1.0)
        stays = bool(rng.random() < p)
        record_outcome(
            session,
            case.id,
            outcome=SaveOutcome.KEPT if stays else SaveOutcome.CANCELLED,
            offer_code=code,
            agent_id=agents[int(rng.integers(len(agents)))],
            at=start + timedelta(seconds=float(closes[i])),
        )
        kept[case.arm] += int(stays)
        if case.arm == SaveArm.DESK:
            truth_saves += p - p0
            truth_value += (p - p0) * case.value_cents
            if code is not None:
                offers[code] = offers.get(code, 0) + 1
    desk = sum(1 for c in cases.values() if c.arm == SaveArm.DESK)
    return SavedeskMonth(
        month=f"{month:%Y-%m}",
        cases=len(cases),
        desk=desk,
        control=len(cases) - desk,
        kept_desk=kept[SaveArm.DESK],
        kept_control=kept[SaveArm.CONTROL],
        offers=offers,
        true_incremental_saves=truth_saves,
        true_incremental_value_cents=truth_value,
    )


def simulate_savedesk(
    session: Session,
    months: int,
    *,
    control_share: float = 0.1,
    seed: int = 1,
    progress: Progress | None = None,
) -> SavedeskRun:
    """Run the desk for ``months`` months (oldest first) on the world in the database.

    Needs a score run (the cases' value) and a desk without history (the truth is only
    known for the cases simulated here). Flushes; the caller commits.
    """
    if not 1 <= months <= MONTHS_MAX:
        raise InvalidInput("--months", f"{months} is outside 1–{MONTHS_MAX}")
    if not 0.0 <= control_share < 1.0:
        raise InvalidInput("--control-share", f"{control_share} is not in [0, 1)")
    existing = session.scalar(select(func.count()).select_from(SaveCase)) or 0
    if existing:
        raise Conflict(
            f"the database already has {existing:,} save cases; the simulation needs a desk "
            "without history"
        )
    pool = _pool(session)
    agents = _retention_agents(session)
    last = _last_month(session)
    seed_offers(session)
    codes = {
        int(i): str(c) for i, c in session.execute(select(RetentionOffer.id, RetentionOffer.code))
    }
    leaving = 1.0 - pool.p_control
    rate = np.minimum(MONTHLY_RATE / leaving.mean() * leaving, 1.0)
    done: list[SavedeskMonth] = []
    for k in range(months):
        month = _month_shift(last, k - months + 1)
        rng = np.random.default_rng([seed, k])
        done.append(_simulate_month(session, month, pool, rate, agents, codes, control_share, rng))
        if progress is not None:
            progress(k + 1, months)
    return SavedeskRun(
        months=done,
        control_share=control_share,
        seed=seed,
        pool=len(pool.customer_id),
        agents=len(agents),
        offers=sorted(codes.values()),
    )


@dataclass(frozen=True)
class MonthCheck:
    """The ledger's month row beside the month's truth."""

    month: SavedeskMonth
    row: LedgerRow

    @property
    def saves_covered(self) -> bool:
        return self.row.incremental_saves.covers(self.month.true_incremental_saves)

    @property
    def value_covered(self) -> bool:
        return self.row.incremental_value_cents.covers(self.month.true_incremental_value_cents)

    def as_json(self) -> dict[str, object]:
        m, r = self.month, self.row
        return {
            "month": m.month,
            "cases": m.cases,
            "desk": m.desk,
            "control": m.control,
            "offers": m.offers,
            "gross_saves": r.gross_saves,
            "true_incremental_saves": round(m.true_incremental_saves, 3),
            "incremental_saves": r.incremental_saves.as_json(),
            "saves_covered": self.saves_covered,
            "true_incremental_value_cents": round(m.true_incremental_value_cents),
            "incremental_value_cents": r.incremental_value_cents.as_json(0),
            "value_covered": self.value_covered,
        }


def compare(session: Session, run: SavedeskRun) -> list[MonthCheck]:
    """The ledger's month rows (computed from the cases alone) beside each month's truth."""
    rows = {row.key: row for row in ledger(session, "month")}
    return [MonthCheck(month, rows[month.month]) for month in run.months]


def coverage(checks: list[MonthCheck]) -> dict[str, object]:
    """How many months' 95% intervals contain the month's true incremental saves and value;
    a month without an interval (too few control cases) counts as not covered."""
    return {
        "months": len(checks),
        "with_interval": sum(c.row.incremental_saves.has_interval for c in checks),
        "saves_covered": sum(c.saves_covered for c in checks),
        "value_covered": sum(c.value_covered for c in checks),
    }
