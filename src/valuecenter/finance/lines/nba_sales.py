"""The next-best-action sales line (:mod:`valuecenter.offers.lift_ledger`).

Customers are drawn per month to the engine's arm or to the control group (the experiments
kernel's ``nba-control:YYYY-MM``). The line is the lift ledger's **total** for the decisions
made in the period:

- gross: what the engine's arm bought of the offered products within the offers' windows;
- incremental: the sum over offers and months of treated × (mean sales treated − mean sales
  control), with a cluster-robust interval (a customer in several groups,
  :func:`valuecenter.analytics.experiments.lift.total_lift`).

The windows of the period's last decisions may still be open: ``maturing`` in the provenance
says so, and the figure grows until they close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from valuecenter.analytics.message import shown
from valuecenter.finance.ledger import RecordsRef, YieldLine, figures, is_proven
from valuecenter.i18n import _
from valuecenter.offers.lift_ledger import lift_ledger


@dataclass(frozen=True)
class NbaSalesLedger:
    key: str = "nba-sales"
    as_of: datetime | None = None  # the windows are cut here (default: now)

    def line(self, session: Session, start: date, end: date) -> YieldLine:
        book = lift_ledger(session, start, end, as_of=self.as_of)
        total = book.total
        value = total.sales.incremental
        incremental, interval = figures(value)
        return YieldLine(
            key=self.key,
            label=_("Next-best-action sales"),
            start=start,
            end=end,
            gross_cents=total.sales_treated_cents,
            incremental_cents=incremental,
            interval_cents=interval,
            # The control group is a monthly random draw of customers: randomised.
            proven=is_proven(
                value,
                randomised=True,
                treated=total.sales.treated,
                control=total.sales.control,
            ),
            method=_(
                "Customers to whom an offer could be shown in the period: the engine's arm "
                "(%(treated)s customer-months) against the month's random control group "
                "(%(control)s); treated × the difference in mean sales of the offered product "
                "within the offer's window, with a cluster-robust 95%% interval.",
                treated=total.sales.treated,
                control=total.sales.control,
            ),
            provenance={
                "experiments": list(total.experiment_keys),
                "treated": total.sales.treated,
                "control": total.sales.control,
                "control_share": total.control_share,
                "control_share_setting": book.control_share_setting,
                "shown": total.shown,
                "maturing": total.maturing,
                "as_of": book.as_of.isoformat(),
            },
            records=RecordsRef(
                path="/offers/lift",
                query={"since": start.isoformat(), "until": end.isoformat()},
                count=total.sales.treated + total.sales.control,
                what=_("customer-months"),
            ),
            reason=shown(value.reason),
        )
