"""The renewal list as the API and the page show it: a session in, a response model out
(visibility through the repository; never commits)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from valuecenter.customers import worklist
from valuecenter.errors import NotFound
from valuecenter.i18n import _
from valuecenter.retention.models import RenewalGroup
from valuecenter.retention.renewals import repository
from valuecenter.retention.renewals.schemas import CandidateOut, RenewalPage, RenewalSource
from valuecenter.users.models import User


def renewal_page(
    session: Session,
    viewer: User,
    *,
    run_id: str | None = None,
    group: RenewalGroup | None = RenewalGroup.LISTED,
    page: int = 1,
    page_size: int = 50,
    page_size_max: int = 200,
) -> RenewalPage:
    """One page of a renewal run (default: the latest) as ``viewer`` may see it."""
    paged = worklist.paging(page, page_size, page_size_max)
    run = (
        repository.latest_renewal_run(session)
        if run_id is None
        else repository.renewal_run(session, run_id)
    )
    if run is None:
        if run_id is not None:
            raise NotFound(_("renewal run '%(run)s' does not exist", run=run_id))
        return RenewalPage(
            items=[], total=0, page=page, page_size=page_size, group=group, counts={}, source=None
        )
    rows, total = repository.candidates(
        session, viewer, run, group=group, offset=paged.offset, limit=paged.size
    )
    return RenewalPage(
        items=[CandidateOut.of(row) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        group=group,
        counts=repository.group_counts(session, viewer, run),
        source=RenewalSource.of(run),
    )
