"""Service quality reports over a period (issue 20): the contact chains' figures beside the
agents' tick box, per channel; and what drives NPS.

Every report carries where its figures came from: the period, the chain window, the number of
contacts, chains and answers it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.agents.models import Agent, EmployeeSurvey, Team
from valuecenter.analytics.contact_chains import ChainFigures, chain_figures
from valuecenter.analytics.errors import InputError
from valuecenter.analytics.nps import (
    Correlation,
    NpsEstimate,
    count_scores,
    nps_by_group,
    nps_difference,
    nps_of_scores,
    team_correlation,
)
from valuecenter.analytics.nps_drivers import DriverAnalysis, nps_drivers
from valuecenter.contacts import repository as contacts_repository
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _
from valuecenter.quality.experience import contact_frame, survey_experience
from valuecenter.surveys.models import Survey
from valuecenter.value.models import CustomerScore
from valuecenter.value.repository import latest_run

DRIVERS = ("transfers", "end_to_end_days", "wait_minutes", "repeats", "first_contact_fix")
WINDOW_DAYS = 7.0


@dataclass(frozen=True)
class ChainReport:
    since: datetime | None
    until: datetime
    window_days: float
    overall: ChainFigures
    by_channel: dict[str, ChainFigures]


def _figures(frame: pd.DataFrame, data_end: float) -> ChainFigures:
    return chain_figures(
        frame["chain"].to_numpy(),
        frame["started"].to_numpy(),
        frame["ended"].to_numpy(),
        frame["resolved"].to_numpy(dtype=np.float64),
        frame["transferred"].to_numpy(dtype=bool),
        np.full(len(frame), np.nan),
        data_end=data_end,
        window_days=WINDOW_DAYS,
        handled=frame["handled"].to_numpy(dtype=bool),
        inbound=frame["inbound"].to_numpy(dtype=bool),
    )


def chain_report(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> ChainReport:
    """Measured FCR beside the tick box, repeats, transfers and speed, overall and by the
    channel of each chain's first contact."""
    end = until or utcnow()
    frame = contact_frame(session, since, end)
    data_end = float(frame["started"].max()) if len(frame) else end.timestamp()
    data_end = min(data_end, end.timestamp())
    first_channel = frame.sort_values("started").groupby("chain")["channel"].first()
    frame["chain_channel"] = frame["chain"].map(first_channel)
    by_channel = {
        str(name): _figures(part, data_end)
        for name, part in frame.groupby("chain_channel", sort=True)
    }
    return ChainReport(since, end, WINDOW_DAYS, _figures(frame, data_end), by_channel)


def driver_report(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> DriverAnalysis:
    """Which measured experience moves the NPS answers of the period."""
    contacts = contact_frame(session, None, until or utcnow())
    answers = survey_experience(session, contacts, since)
    return nps_drivers(answers, "nps", list(DRIVERS))


NPS_GROUPS = ("segment", "channel", "reason", "agent", "team")


def _answers(session: Session, since: datetime | None, until: datetime | None) -> pd.DataFrame:
    """Every NPS answer of the period with the groups it belongs to: the customer's value
    segment (latest score run), the survey's channel, the first reason, the agent and the
    team of the contact it was about."""
    run = latest_run(session)
    first_reason = contacts_repository.first_reason_of(Survey.contact_id)
    contact = contacts_repository.contact_refs()
    query = (
        select(
            Survey.nps,
            CustomerScore.segment,
            Survey.channel,
            first_reason,
            Agent.external_id,
            Team.code,
        )
        .outerjoin(contact, contact.c.id == Survey.contact_id)
        .outerjoin(Agent, Agent.id == contact.c.agent_id)
        .outerjoin(Team, Team.id == Agent.team_id)
        .outerjoin(
            CustomerScore,
            (CustomerScore.customer_id == Survey.customer_id)
            & (CustomerScore.run_id == (run.id if run is not None else -1)),
        )
    )
    if since is not None:
        query = query.where(Survey.answered_at >= since)
    if until is not None:
        query = query.where(Survey.answered_at < until)
    return pd.DataFrame(session.execute(query).all(), columns=["nps", *NPS_GROUPS])


@dataclass(frozen=True)
class NpsReport:
    overall: NpsEstimate | None
    groups: list[tuple[str | None, NpsEstimate]]
    by: str
    answers: int


def nps_report(
    session: Session, by: str, since: datetime | None = None, until: datetime | None = None
) -> NpsReport:
    """NPS with its 95% interval overall and per ``by`` (segment, channel, reason, agent,
    team); answers without that group form the last group (None)."""
    if by not in NPS_GROUPS:
        raise InvalidInput("by", _("must be one of %(names)s", names=", ".join(NPS_GROUPS)))
    frame = _answers(session, since, until)
    if frame.empty:
        return NpsReport(None, [], by, 0)
    scores = frame["nps"].to_numpy(dtype=np.float64)
    labels = [None if v is None or v != v else str(v) for v in frame[by].tolist()]
    groups = [(None if g is None else str(g), e) for g, e in nps_by_group(scores, labels)]
    return NpsReport(nps_of_scores(scores), groups, by, len(frame))


@dataclass(frozen=True)
class EnpsReport:
    teams: list[tuple[str, NpsEstimate | None, NpsEstimate | None]]  # team, eNPS, customer NPS
    correlation: Correlation | None
    reason: str | None  # why there is no correlation


def enps_report(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> EnpsReport:
    """Each team's eNPS (its agents' answers) beside its customers' NPS (answers about
    contacts its agents handled), and the correlation of the two over the teams with its
    Fisher-z 95% interval (seed 002: the two correlated 80%)."""
    query = (
        select(EmployeeSurvey.score, Team.code)
        .join(Agent, Agent.id == EmployeeSurvey.agent_id)
        .join(Team, Team.id == Agent.team_id)
    )
    if since is not None:
        query = query.where(EmployeeSurvey.answered_at >= since)
    if until is not None:
        query = query.where(EmployeeSurvey.answered_at < until)
    staff = pd.DataFrame(session.execute(query).all(), columns=["score", "team"])
    customers = _answers(session, since, until).dropna(subset=["team"])
    enps = (
        dict(nps_by_group(staff["score"].to_numpy(dtype=float), staff["team"].tolist()))
        if len(staff)
        else {}
    )
    nps = (
        dict(nps_by_group(customers["nps"].to_numpy(dtype=float), customers["team"].tolist()))
        if len(customers)
        else {}
    )
    names = sorted({str(t) for t in enps} | {str(t) for t in nps})
    teams = [(t, enps.get(t), nps.get(t)) for t in names]
    try:
        found = team_correlation(
            {str(t): e.nps for t, e in enps.items()}, {str(t): e.nps for t, e in nps.items()}
        )
    except InputError as error:
        return EnpsReport(teams, None, error.translated())
    return EnpsReport(teams, found, None)


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    contacts: int
    fcr_tick_box: float | None  # the agents' tick on the chains' first contacts that month
    fcr: float | None  # measured from the chains that started that month
    nps: NpsEstimate | None  # the answers given that month


@dataclass(frozen=True)
class Trend:
    months: list[Month]
    # first twelve months against the last twelve: the change and its 95% interval
    tick_change: tuple[float, float, float] | None
    fcr_change: tuple[float, float, float] | None
    nps_change: tuple[float, float, float] | None


def _share_change(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float] | None:
    """The difference of two shares (b − a) with Newcombe's 95% interval."""
    from valuecenter.analytics.ledger import newcombe

    if len(a) < 2 or len(b) < 2:
        return None
    low, high = newcombe(float(b.sum()), len(b), float(a.sum()), len(a))
    return float(b.mean() - a.mean()), low, high


def trend_report(session: Session, until: datetime | None = None) -> Trend:
    """FCR by the tick box, FCR measured from chains and NPS month by month — the seed's
    puzzle in one picture — and the change from the first twelve months to the last twelve."""
    end = until or utcnow()
    frame = contact_frame(session, None, end)
    if frame.empty:
        return Trend([], None, None, None)
    data_end = float(frame["started"].max())
    ordered = frame.sort_values("started")
    chains = ordered.groupby("chain").agg(
        start=("started", "first"),
        size=("id", "size"),
        handled=("handled", "first"),
        inbound=("inbound", "first"),
        tick=("resolved", "first"),
    )
    chains = chains[chains["inbound"]]
    chains["month"] = pd.to_datetime(chains["start"], unit="s", utc=True).dt.strftime("%Y-%m")
    judged = chains[chains["start"] + WINDOW_DAYS * 86_400.0 <= data_end]
    fixed = (judged["size"] == 1) & judged["handled"]
    answers = pd.DataFrame(
        session.execute(
            select(Survey.answered_at, Survey.nps).where(Survey.answered_at < end)
        ).all(),
        columns=["at", "nps"],
    )
    answers["month"] = pd.to_datetime(answers["at"], utc=True, format="mixed").dt.strftime("%Y-%m")
    frame["month"] = pd.to_datetime(frame["started"], unit="s", utc=True).dt.strftime("%Y-%m")
    months = sorted(set(frame["month"]))
    out = []
    for m in months:
        ticks = chains.loc[chains["month"] == m, "tick"].dropna()
        mine = judged["month"] == m
        given = answers.loc[answers["month"] == m, "nps"].to_numpy(dtype=float)
        out.append(
            Month(
                month=m,
                contacts=int((frame["month"] == m).sum()),
                fcr_tick_box=float(ticks.mean()) if len(ticks) else None,
                fcr=float(fixed[mine].mean()) if mine.any() else None,
                nps=nps_of_scores(given) if len(given) else None,
            )
        )
    first, last = months[:12], months[-12:]
    if len(months) < 24:
        return Trend(out, None, None, None)
    tick_a = chains.loc[chains["month"].isin(first), "tick"].dropna().to_numpy()
    tick_b = chains.loc[chains["month"].isin(last), "tick"].dropna().to_numpy()
    fcr_a = fixed[judged["month"].isin(first)].to_numpy(dtype=float)
    fcr_b = fixed[judged["month"].isin(last)].to_numpy(dtype=float)
    nps_a = answers.loc[answers["month"].isin(first), "nps"].to_numpy(dtype=float)
    nps_b = answers.loc[answers["month"].isin(last), "nps"].to_numpy(dtype=float)
    nps_change = None
    if len(nps_a) >= 2 and len(nps_b) >= 2:
        found = nps_difference(count_scores(nps_b), count_scores(nps_a))
        nps_change = (found.difference, found.ci[0], found.ci[1])
    return Trend(out, _share_change(tick_a, tick_b), _share_change(fcr_a, fcr_b), nps_change)
