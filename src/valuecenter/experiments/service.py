"""Experiments and their arms: get or create an experiment, put customers in arms through the
kernel (:mod:`valuecenter.analytics.experiments.assignment`) and keep what was drawn.

A customer's arm in an experiment is drawn once and stored; asking again returns the stored
arm. Units arriving one at a time (:func:`assign_one`) take the stratum's counts row under a
row lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so two
concurrent requests cannot both take the same place in the balanced sequence. Everything runs
in the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from valuecenter.analytics.experiments.assignment import assign_more
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput
from valuecenter.experiments.models import (
    Experiment,
    ExperimentAssignment,
    ExperimentKind,
    ExperimentStatus,
    ExperimentStratum,
)
from valuecenter.i18n import _


def _share(share: float) -> float:
    if not 0.0 < share < 1.0:
        raise InvalidInput("treated_share", _("%(value)s is not in (0, 1)", value=share))
    return share


def running_experiment(
    session: Session,
    key: str,
    kind: ExperimentKind,
    *,
    name: str,
    treated_share: float,
    at: datetime | None = None,
) -> Experiment:
    """The experiment ``key``, created running (no design to pre-register) when it does not
    exist yet — the save desk's and the next best action's control groups."""
    found = session.scalar(select(Experiment).where(Experiment.key == key))
    if found is not None:
        return found
    made = Experiment(
        key=key,
        kind=kind,
        name=name,
        status=ExperimentStatus.RUNNING,
        treated_share=_share(treated_share),
        created_at=at or utcnow(),
        launched_at=at or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(made)
            session.flush()
    except IntegrityError:  # created by a concurrent request meanwhile
        found = session.scalar(select(Experiment).where(Experiment.key == key))
        if found is None:
            raise
        return found
    return made


def arm_of(session: Session, experiment: Experiment, customer_id: int) -> bool | None:
    """The customer's stored arm (``True`` = treated), or ``None`` when he has none yet."""
    return session.scalar(
        select(ExperimentAssignment.treated).where(
            ExperimentAssignment.experiment_id == experiment.id,
            ExperimentAssignment.customer_id == customer_id,
        )
    )


def _counts(session: Session, experiment: Experiment, stratum: str) -> ExperimentStratum:
    query = (
        select(ExperimentStratum)
        .where(
            ExperimentStratum.experiment_id == experiment.id,
            ExperimentStratum.stratum == stratum,
        )
        .with_for_update()
    )
    row = session.scalar(query)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = ExperimentStratum(
                experiment_id=experiment.id, stratum=stratum, treated=0, total=0
            )
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent request made it first: take it under the lock
        row = session.scalar(query)
        if row is None:
            raise
    return row


def assign_one(
    session: Session,
    experiment: Experiment,
    customer_id: int,
    stratum: str,
    *,
    share: float | None = None,
    at: datetime | None = None,
) -> bool:
    """The customer's arm (``True`` = treated): stored if he has one, else drawn by the
    kernel's balanced rule on the stratum's counts and stored. ``share`` overrides the
    experiment's treated share for this draw (a setting that changed; put the share in the
    stratum so that each share's sequence stays balanced)."""
    stored = arm_of(session, experiment, customer_id)
    if stored is not None:
        return stored
    counts = _counts(session, experiment, stratum)
    arms, running = assign_more(
        experiment.key,
        [customer_id],
        [stratum],
        _share(share if share is not None else experiment.treated_share),
        {stratum: (counts.treated, counts.total)},
    )
    treated = bool(arms[0])
    session.add(
        ExperimentAssignment(
            experiment_id=experiment.id,
            customer_id=customer_id,
            stratum=stratum,
            treated=treated,
            assigned_at=at or utcnow(),
        )
    )
    counts.treated, counts.total = running[stratum]
    session.flush()
    return treated


def assign_many(
    session: Session,
    experiment: Experiment,
    customer_ids: Sequence[int],
    strata: Sequence[str],
    *,
    at: datetime | None = None,
) -> dict[int, bool]:
    """Every listed customer's arm: the stored one for those who have one, new draws (in
    hash order, continuing each stratum's counts) for the others, stored."""
    if len(customer_ids) != len(strata):
        raise InvalidInput("strata", _("needs one stratum per customer"))
    if len(set(customer_ids)) != len(customer_ids):
        raise InvalidInput("customers", _("an experiment lists each customer once"))
    stored: dict[int, bool] = {
        int(customer): bool(treated)
        for customer, treated in session.execute(
            select(ExperimentAssignment.customer_id, ExperimentAssignment.treated).where(
                ExperimentAssignment.experiment_id == experiment.id
            )
        )
    }
    new = [(c, s) for c, s in zip(customer_ids, strata, strict=True) if c not in stored]
    result = {c: stored[c] for c in customer_ids if c in stored}
    if not new:
        return result
    names = sorted({s for _c, s in new})
    rows = {name: _counts(session, experiment, name) for name in names}
    arms, running = assign_more(
        experiment.key,
        [c for c, _s in new],
        [s for _c, s in new],
        experiment.treated_share,
        {name: (row.treated, row.total) for name, row in rows.items()},
    )
    when = at or utcnow()
    session.add_all(
        ExperimentAssignment(
            experiment_id=experiment.id,
            customer_id=c,
            stratum=s,
            treated=bool(arm),
            assigned_at=when,
        )
        for (c, s), arm in zip(new, arms, strict=True)
    )
    for name, row in rows.items():
        row.treated, row.total = running[name]
    session.flush()
    result.update({c: bool(arm) for (c, _s), arm in zip(new, arms, strict=True)})
    return result
