"""The campaigns line: what the campaigns started in the period added against their control
arms (:func:`valuecenter.marketing.results.campaign_results`).

Every campaign with an experiment draws its members at random to the treated arm or to its
control arm. For each campaign started in [start, end) (by its start date: a campaign's
responses arrive later and belong to the month it ran in), read as of ``as_of``:

- gross: the treated arm's revenue;
- incremental: treated × (mean revenue treated − mean revenue control), the campaign readout's
  figure (Welch's t interval); the line sums the campaigns
  (:func:`valuecenter.analytics.incremental_sum.sum_independent`).

Imported campaigns without an experiment have no control group the product drew: they are
left out and counted in the provenance (``without_experiment``).

Beside the line, never added to it, all campaigns together against the global holdout
(:mod:`valuecenter.finance.holdout`): the long-run cross-check, in the provenance
(``holdout_*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.analytics.incremental_sum import sum_independent
from valuecenter.analytics.message import shown
from valuecenter.campaigns.models import Campaign
from valuecenter.db.base import utcnow
from valuecenter.finance.holdout import against_holdout
from valuecenter.finance.ledger import RecordsRef, YieldLine, figures, is_proven
from valuecenter.i18n import _
from valuecenter.marketing.results import campaign_results


def _bound(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


@dataclass(frozen=True)
class CampaignsLedger:
    key: str = "campaigns"
    as_of: datetime | None = None  # the readouts' moment (default: now)

    def line(self, session: Session, start: date, end: date) -> YieldLine:
        now = self.as_of or utcnow()
        started = session.scalars(
            select(Campaign)
            .where(Campaign.started_at >= _bound(start), Campaign.started_at < _bound(end))
            .order_by(Campaign.started_at, Campaign.id)
        ).all()
        measured = [c for c in started if c.experiment_id is not None]
        results = [campaign_results(session, c, at=now) for c in measured]
        value = sum_independent([r.readout.incremental_revenue for r in results])
        incremental, interval = figures(value)
        treated = sum(r.readout.treated.members for r in results)
        control = sum(r.readout.control.members for r in results)
        reason = shown(value.reason)
        if not results:  # nothing measured: no figure, not an exact zero
            incremental, interval = None, None
            reason = _("no campaign with a control group started in the period")
        method = _(
            "Campaigns started in the period (%(campaigns)s): each treated arm "
            "(%(treated)s members together) against its own random control arm "
            "(%(control)s); treated × the difference in mean revenue, Welch's t interval "
            "per campaign, summed as independent experiments.",
            campaigns=len(results),
            treated=treated,
            control=control,
        )
        provenance: dict[str, object] = {
            "experiments": [r.provenance.experiment_key for r in results],
            "campaigns": [c.external_id for c in measured],
            "without_experiment": len(started) - len(measured),
            "treated": treated,
            "control": control,
            "read_at": now.isoformat(),
        }
        held = against_holdout(session, start, end)
        if held is not None:
            long_run, long_interval = figures(held.revenue)
            method += " " + _(
                "Beside it, not added: all campaigns together against the global holdout "
                "(%(eligible)s customers who may receive campaigns, %(held)s who receive none), "
                "their revenue in the period.",
                eligible=held.eligible,
                held=held.held_out,
            )
            provenance |= {
                "holdout_eligible": held.eligible,
                "holdout_held_out": held.held_out,
                "holdout_incremental_cents": long_run,
                "holdout_low_cents": long_interval[0] if long_interval else None,
                "holdout_high_cents": long_interval[1] if long_interval else None,
            }
        return YieldLine(
            key=self.key,
            label=_("Campaigns"),
            start=start,
            end=end,
            gross_cents=sum(r.readout.treated.revenue_cents for r in results),
            incremental_cents=incremental,
            interval_cents=interval,
            # Each campaign's arms are a random draw.
            proven=is_proven(value, randomised=True, treated=treated, control=control),
            method=method,
            provenance=provenance,
            records=RecordsRef(
                path="/campaigns", query={}, count=treated + control, what=_("campaign members")
            ),
            reason=reason,
        )
