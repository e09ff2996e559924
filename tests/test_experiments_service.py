"""The experiments domain (issue 19): every arm drawn by the kernel is stored once, so the same
customer in the same experiment always lands in the same arm; units arriving one at a time and
in batches keep every stratum within one unit of the treated share."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.analytics.experiments.assignment import assign
from valuecenter.customers.models import Customer
from valuecenter.experiments.models import (
    ExperimentAssignment,
    ExperimentKind,
    ExperimentStratum,
)
from valuecenter.experiments.service import (
    arm_of,
    assign_many,
    assign_one,
    running_experiment,
)

AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _customers(session: Session, n: int) -> list[int]:
    rows = [Customer(external_id=f"C{i:05d}") for i in range(n)]
    session.add_all(rows)
    session.flush()
    return [c.id for c in rows]


def test_one_at_a_time_balanced_per_stratum_and_stored_once(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        ids = _customers(session, 300)
        strata = {cid: ("gold" if cid % 3 == 0 else "other") for cid in ids}
        experiment = running_experiment(
            session,
            "nba-control:2026-12",
            ExperimentKind.NBA_CONTROL,
            name="NBA",
            treated_share=0.2,
        )
        arrivals = ids[:]
        random.Random(5).shuffle(arrivals)
        arms = {}
        for cid in arrivals:
            arms[cid] = assign_one(session, experiment, cid, strata[cid], at=AT)
            assert assign_one(session, experiment, cid, strata[cid], at=AT) == arms[cid]
        session.commit()
        for row in session.scalars(select(ExperimentStratum)):
            assert abs(row.treated - 0.2 * row.total) <= 1.0, row.stratum
        assert sum(r.total for r in session.scalars(select(ExperimentStratum))) == 300
        stored = session.scalar(select(func.count()).select_from(ExperimentAssignment))
        assert stored == 300
        assert arm_of(session, experiment, arrivals[0]) == arms[arrivals[0]]
        # the same key finds the same experiment
        again = running_experiment(
            session, "nba-control:2026-12", ExperimentKind.NBA_CONTROL, name="x", treated_share=0.5
        )
        assert again.id == experiment.id
        assert again.treated_share == 0.2


def test_a_batch_equals_the_kernel_and_later_batches_keep_earlier_arms(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        ids = _customers(session, 400)
        strata = ["nl" if i % 2 else "be" for i in range(400)]
        experiment = running_experiment(
            session, "campaign:winter", ExperimentKind.CAMPAIGN, name="Winter", treated_share=0.5
        )
        first = assign_many(session, experiment, ids[:250], strata[:250], at=AT)
        assert [first[c] for c in ids[:250]] == assign(
            "campaign:winter", ids[:250], 0.5, strata[:250]
        ).tolist()
        more = assign_many(session, experiment, ids, strata, at=AT)  # 150 new, 250 kept
        assert all(more[c] == first[c] for c in ids[:250])
        session.commit()
        for row in session.scalars(select(ExperimentStratum)):
            assert row.total == 200
            assert abs(row.treated - 100) <= 1
