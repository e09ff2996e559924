"""The saves line: what the save desk kept (:mod:`valuecenter.retention.desk.ledger`).

Cancel callers are drawn at random to the desk or to the control group (standard handling).
The line is the save-value ledger's **total** row for the cases closed in the period:

- gross: the seeds' way — the desk's kept customers × their value (CLV at opening);
- incremental: desk cases × (mean kept value at the desk − mean kept value in control), with
  Neyman's standard error and Welch's t interval (:func:`valuecenter.analytics.ledger.save_ledger`).

The incremental value is the line's yield *before* the offers' cost: the discounts and goods
given away are a cost line of the P&L, not netted here (they would count twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.analytics.message import shown
from valuecenter.experiments.models import Experiment
from valuecenter.finance.ledger import RecordsRef, YieldLine, figures, is_proven
from valuecenter.i18n import _
from valuecenter.retention.desk.ledger import ledger


@dataclass(frozen=True)
class SavesLedger:
    key: str = "saves"

    def line(self, session: Session, start: date, end: date) -> YieldLine:
        rows = ledger(session, "month", start, end)
        total = rows[-1]
        # The draw of each month is the experiments kernel's ``save-desk:YYYY-MM``.
        keys = [f"save-desk:{row.key}" for row in rows[:-1]]
        drawn = session.scalars(select(Experiment.key).where(Experiment.key.in_(keys))).all()
        value = total.incremental_value_cents
        incremental, interval = figures(value)
        return YieldLine(
            key=self.key,
            label=_("Saves"),
            start=start,
            end=end,
            gross_cents=total.gross_value_cents,
            incremental_cents=incremental,
            interval_cents=interval,
            proven=is_proven(
                value, randomised=total.randomised, treated=total.desk, control=total.control
            ),
            method=_(
                "Save-desk cases closed in the period (%(desk)s) against the cancel callers "
                "the draw sent to standard handling (%(control)s): desk cases × the difference "
                "in mean kept value (customer value at opening), Neyman's standard error with "
                "Welch's t interval. Gross: the desk's %(kept)s kept customers × their value.",
                desk=total.desk,
                control=total.control,
                kept=total.gross_saves,
            ),
            provenance={
                "experiments": sorted(drawn),
                "score_runs": list(total.score_runs),
                "desk_cases": total.desk,
                "control_cases": total.control,
                "gross_saves": total.gross_saves,
                "incremental_saves": total.incremental_saves.estimate,
                "offer_cost_cents": total.offer_cost_cents,
                "control_share": total.control_share,
            },
            # The cases themselves (the desk's closed cases of the period, both arms); the
            # save-value ledger's page has their totals per month.
            records=RecordsRef(
                path="/retention/desk",
                query={"status": "closed", "since": start.isoformat(), "until": end.isoformat()},
                count=total.cases,
                what=_("closed save cases"),
            ),
            reason=shown(value.reason),
        )
