"""The closed loop with detractors (issue 20, point 5): every detractor answer (NPS 0–6) gets a
follow-up task — call him back within 48 hours of his answer — with an owner, a due time and an
outcome; overdue tasks are listed first; the customer's next answer after the call is linked.

When a task is made. :func:`create_missing` is run in the same transaction as every load of
surveys: ``valuecenter import surveys FILE`` calls it after the rows are written and before the
commit (``cli/importer.py``), and so does the demo load (``demo/load.py``). A detractor answer
is therefore never committed without its task: "within one minute of the import" holds by
construction, not by a scheduler's period. ``valuecenter service followups sync`` runs the same
function (for surveys written by another path); it is idempotent (one task per answer, a
unique key on ``survey_id``) and takes the import lock (``importer/lock.py``), so a sync and an
import, or two syncs, never race to make the same task.

The rules (docs/service.md, "Closed loop"):

- **Owner**: the login of the customer's account manager when the customer is in a pool whose
  account manager is active and has a login; else none — unassigned, for the team lead to
  pick. An open task without an owner gets one as soon as such a login exists (every sync).
- **Due**: the answer's time + 48 hours (:data:`CALL_BACK`), whenever it is imported; an
  answer imported late is overdue at once, and shown so.
- **Too old**: an answer older than ``followup_max_age_days`` (default 30) when its task is made
  gets an *expired* task: it is counted, closed at once, and nobody is asked to call about it
  (a history load would otherwise flood the list with calls nobody can still make).
- **Erased customers** (GDPR art. 17) get no task.
- **Follow-up answer**: a closed (done or unreachable) task is linked to the customer's first
  answer after it was closed, at the next import or sync.

Authorization is in the queries: an account manager sees (and closes) only his pool's tasks;
another pool's task is :class:`NotFound` like a missing one (``customers/worklist.py``).
Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session, aliased

from valuecenter.customers import worklist
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.customers.repository import visible_customers
from valuecenter.customers.schemas import CustomerRef
from valuecenter.customers.worklist import NOTE_MAX
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.importer.lock import lock_import_tables
from valuecenter.quality.models import FollowupStatus, FollowupTask
from valuecenter.surveys.models import Survey
from valuecenter.users.models import User

CALL_BACK = timedelta(hours=48)
"""A detractor is called back within this time of his answer."""

DETRACTOR_MAX = 6
"""The highest detractor score (NPS: 0–6 detractors, 7–8 passives, 9–10 promoters)."""

State = Literal["open", "overdue", "closed", "all"]
STATES: tuple[State, ...] = ("open", "overdue", "closed", "all")

Owner = int | Literal["unassigned"] | None
"""Whose tasks: a user id, ``"unassigned"`` (no owner) or None (anyone's)."""

DEFAULT_MAX_AGE_DAYS = 30
"""The setting ``followup_max_age_days``'s default (the demo load uses it: it reads no settings)."""

CLOSING = (FollowupStatus.DONE, FollowupStatus.UNREACHABLE)
"""The statuses a task is closed with by hand."""


@dataclass(frozen=True)
class SyncResult:
    """What one :func:`create_missing` did."""

    created: int  # new open tasks
    expired: int  # new tasks for answers too old to call about
    assigned: int  # open tasks that got an owner
    linked: int  # closed tasks linked to the customer's next answer

    def as_json(self) -> dict[str, int]:
        return {
            "created": self.created,
            "expired": self.expired,
            "assigned": self.assigned,
            "linked": self.linked,
        }


def _pool_login() -> Any:
    """The login of a customer's account manager, if active (a scalar subquery on Customer)."""
    return (
        select(AccountManager.user_id)
        .where(AccountManager.id == Customer.account_manager_id, AccountManager.active.is_(True))
        .scalar_subquery()
    )


def create_missing(session: Session, *, now: datetime, max_age_days: int) -> SyncResult:
    """Make the task of every detractor answer that has none (stamped ``now``), give open
    unassigned tasks their pool's owner, and link closed tasks to the next answer."""
    if max_age_days < 1:
        raise InvalidInput("max_age_days", _("must be 1 or more"))
    # The import lock (re-entrant: an import holds it already) serialises a sync with the
    # imports and with another sync, so two never make the same task (a unique-key error).
    lock_import_tables(session)
    oldest = now - timedelta(days=max_age_days)
    has_task = select(FollowupTask.id).where(FollowupTask.survey_id == Survey.id).exists()
    missing = session.execute(
        select(Survey.id, Survey.customer_id, Survey.answered_at, _pool_login())
        .join(Customer, Customer.id == Survey.customer_id)
        .where(Survey.nps <= DETRACTOR_MAX, Customer.erased_at.is_(None), ~has_task)
        .order_by(Survey.id)
    ).all()
    rows: list[dict[str, object]] = []
    expired = 0
    for survey_id, customer_id, answered_at, owner in missing:
        late = answered_at < oldest
        expired += late
        rows.append(
            {
                "survey_id": survey_id,
                "customer_id": customer_id,
                "owner_id": owner,
                "created_at": now,
                "due_at": answered_at + CALL_BACK,
                "status": FollowupStatus.EXPIRED if late else FollowupStatus.OPEN,
                "closed_at": now if late else None,
            }
        )
    if rows:
        session.execute(FollowupTask.__table__.insert(), rows)  # type: ignore[attr-defined]
    assigned = assign_owners(session)
    linked = link_followups(session)
    return SyncResult(len(rows) - expired, expired, assigned, linked)


def assign_owners(session: Session) -> int:
    """Give every open task without an owner the login of its customer's account manager, if
    he now has one; return how many got one."""
    login = (
        select(AccountManager.user_id)
        .join(Customer, Customer.account_manager_id == AccountManager.id)
        .where(
            Customer.id == FollowupTask.customer_id,
            AccountManager.active.is_(True),
            AccountManager.user_id.is_not(None),
        )
        .scalar_subquery()
    )
    todo = select(FollowupTask.id).where(
        FollowupTask.status == FollowupStatus.OPEN,
        FollowupTask.owner_id.is_(None),
        login.is_not(None),
    )
    ids = list(session.scalars(todo))
    if not ids:
        return 0
    session.execute(
        update(FollowupTask)
        .where(FollowupTask.id.in_(ids))
        .values(owner_id=login)
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def link_followups(session: Session) -> int:
    """Link each closed task without a follow-up answer to the customer's first answer after
    it was closed; return how many were linked."""
    nxt = (
        select(Survey.id)
        .where(
            Survey.customer_id == FollowupTask.customer_id,
            Survey.answered_at > FollowupTask.closed_at,
        )
        .order_by(Survey.answered_at, Survey.id)
        .limit(1)
        .scalar_subquery()
    )
    found = session.execute(
        select(FollowupTask.id, nxt).where(
            FollowupTask.status.in_(CLOSING),
            FollowupTask.followup_survey_id.is_(None),
            FollowupTask.closed_at.is_not(None),
        )
    ).all()
    pairs = [{"task": task, "answer": answer} for task, answer in found if answer is not None]
    for pair in pairs:
        session.execute(
            update(FollowupTask)
            .where(FollowupTask.id == pair["task"])
            .values(followup_survey_id=pair["answer"])
            .execution_options(synchronize_session=False)
        )
    return len(pairs)


@dataclass(frozen=True)
class TaskRow:
    """A task with its answer, the follow-up answer, who owns and who closed it."""

    task: FollowupTask
    nps: int
    answered_at: datetime
    comment: str | None
    owner: str | None  # username
    closed_by: str | None  # username
    followup_nps: int | None
    followup_answered_at: datetime | None
    overdue: bool
    customer: CustomerRef


def _state_filter(state: State, now: datetime) -> Any:
    if state == "open":
        return FollowupTask.status == FollowupStatus.OPEN
    if state == "overdue":
        return and_(FollowupTask.status == FollowupStatus.OPEN, FollowupTask.due_at < now)
    if state == "closed":
        return FollowupTask.status != FollowupStatus.OPEN
    return None


def tasks_query(
    viewer: User | None, *, state: State = "all", owner: Owner = None, now: datetime
) -> worklist.Query:
    """The tasks ``viewer`` may see in ``state`` and of ``owner``, with what the list shows
    (None viewer: every task, the caller has checked visibility)."""
    answer, later = aliased(Survey), aliased(Survey)
    owner_user, closer = aliased(User), aliased(User)
    stmt = (
        select(
            FollowupTask,
            answer.nps,
            answer.answered_at,
            answer.comment,
            owner_user.username,
            closer.username,
            later.nps,
            later.answered_at,
        )
        .join(answer, answer.id == FollowupTask.survey_id)
        .outerjoin(owner_user, owner_user.id == FollowupTask.owner_id)
        .outerjoin(closer, closer.id == FollowupTask.closed_by)
        .outerjoin(later, later.id == FollowupTask.followup_survey_id)
    )
    stmt = worklist.listing(stmt, FollowupTask.customer_id, viewer)
    condition = _state_filter(state, now)
    if condition is not None:
        stmt = stmt.where(condition)
    if owner == "unassigned":
        stmt = stmt.where(FollowupTask.owner_id.is_(None))
    elif owner is not None:
        stmt = stmt.where(FollowupTask.owner_id == owner)
    return stmt


def task_order(state: State) -> tuple[worklist.Column, ...]:
    """Open tasks by due time, the most overdue first; closed ones newest first."""
    if state in ("open", "overdue"):
        return (FollowupTask.due_at, FollowupTask.id)
    return (FollowupTask.due_at.desc(), FollowupTask.id.desc())


def _row(own: tuple[Any, ...], customer: CustomerRef, now: datetime) -> TaskRow:
    task, nps, answered_at, comment, owner, closer, later_nps, later_at = own
    overdue = task.status == FollowupStatus.OPEN and task.due_at < now
    return TaskRow(
        task, nps, answered_at, comment, owner, closer, later_nps, later_at, overdue, customer
    )


def task_page(
    session: Session,
    viewer: User,
    *,
    state: State,
    owner: Owner,
    now: datetime,
    page: int,
    page_size: int,
    page_size_max: int,
) -> tuple[list[TaskRow], int]:
    """Page ``page`` of the tasks ``viewer`` may see, in :func:`task_order`, and the total."""
    paged = worklist.paging(page, page_size, page_size_max)
    rows, total = worklist.page_of(
        session,
        tasks_query(viewer, state=state, owner=owner, now=now),
        key=FollowupTask.id,
        order_by=task_order(state),
        offset=paged.offset,
        limit=paged.size,
    )
    return [_row(own, ref, now) for own, ref in rows], total


def every_task(
    session: Session, viewer: User | None, *, state: State, owner: Owner, now: datetime
) -> Iterator[TaskRow]:
    """Every task of :func:`task_page`'s list, in its order, read in batches (the exports)."""
    stmt = tasks_query(viewer, state=state, owner=owner, now=now)
    for own, ref in worklist.every_row(session, stmt, order_by=task_order(state)):
        yield _row(own, ref, now)


def task_row(session: Session, task: FollowupTask, now: datetime) -> TaskRow:
    """One task as the list shows it (the caller got it through the viewer's visibility)."""
    row = session.execute(tasks_query(None, now=now).where(FollowupTask.id == task.id)).one()
    own, ref = worklist.split(row)
    return _row(own, ref, now)


def visible_task(session: Session, viewer: User | None, task_id: int) -> FollowupTask | None:
    """The task if ``viewer`` may see its customer (None viewer: any task), else None."""
    stmt = select(FollowupTask).where(FollowupTask.id == task_id)
    if viewer is not None:
        stmt = stmt.join(Customer, Customer.id == FollowupTask.customer_id).where(
            visible_customers(viewer)
        )
    return session.scalars(stmt).first()


def closing_status(value: str) -> FollowupStatus:
    """``done`` or ``unreachable``; :class:`InvalidInput` naming ``status`` otherwise."""
    for status in CLOSING:
        if value == status.value:
            return status
    choices = ", ".join(s.value for s in CLOSING)
    raise InvalidInput(
        "status", _("'%(value)s' is not one of %(choices)s", value=value, choices=choices)
    )


def close_task(
    session: Session,
    task_id: int,
    *,
    status: str,
    outcome: str | None,
    by: User | None,
    viewer: User | None,
    now: datetime,
) -> FollowupTask:
    """Close an open task as done (with what came of the call: required) or unreachable.

    ``viewer`` must see the task (an account manager: his pool), else :class:`NotFound`; a
    closed task is :class:`Conflict`. ``by`` is recorded as who closed it."""
    task = visible_task(session, viewer, task_id)
    if task is None:
        raise NotFound(_("follow-up task %(task)s does not exist", task=task_id))
    chosen = closing_status(status.strip())
    text = (outcome or "").strip() or None
    if text is not None and len(text) > NOTE_MAX:
        raise InvalidInput("outcome", _("at most %(n)s characters", n=NOTE_MAX))
    if chosen == FollowupStatus.DONE and text is None:
        raise InvalidInput("outcome", _("say what came of the call"))
    if task.status != FollowupStatus.OPEN:
        raise Conflict(_("follow-up task %(task)s is already closed", task=task_id))
    task.status = chosen
    task.outcome = text
    task.closed_at = now
    task.closed_by = None if by is None else by.id
    session.flush()
    return task


def owner_named(session: Session, username: str) -> Owner:
    """The owner filter a user types: ``unassigned``, ``any`` (None) or a username."""
    name = username.strip()
    if name in ("", "any"):
        return None
    if name == "unassigned":
        return "unassigned"
    found = session.scalar(select(User.id).where(User.username == name))
    if found is None:
        raise InvalidInput("owner", _("unknown user '%(name)s'", name=name))
    return int(found)


@dataclass(frozen=True)
class FollowupCounts:
    """The loop's head figures for what a viewer may see."""

    open: int
    overdue: int
    done: int
    unreachable: int
    expired: int
    done_in_time: int  # done by the due time
    judged: int  # tasks closed by hand or past their due time (the share's denominator)
    linked: int  # closed tasks with the customer's next answer

    @property
    def done_in_time_share(self) -> float | None:
        """Done within 48 hours of the answer, among the tasks that were due or closed."""
        return None if self.judged == 0 else self.done_in_time / self.judged

    def as_json(self) -> dict[str, object]:
        return {
            "open": self.open,
            "overdue": self.overdue,
            "done": self.done,
            "unreachable": self.unreachable,
            "expired": self.expired,
            "done_in_time": self.done_in_time,
            "judged": self.judged,
            "done_in_time_share": self.done_in_time_share,
            "linked": self.linked,
        }


def counts(session: Session, viewer: User | None, now: datetime) -> FollowupCounts:
    """How many tasks ``viewer`` may see are open, overdue, done (in time), unreachable,
    expired, and linked to a follow-up answer."""
    t = FollowupTask

    def n(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    is_open = t.status == FollowupStatus.OPEN
    stmt = select(
        n(is_open),
        n(and_(is_open, t.due_at < now)),
        n(t.status == FollowupStatus.DONE),
        n(t.status == FollowupStatus.UNREACHABLE),
        n(t.status == FollowupStatus.EXPIRED),
        n(and_(t.status == FollowupStatus.DONE, t.closed_at <= t.due_at)),
        n(t.status.in_(CLOSING) | (is_open & (t.due_at < now))),
        n(t.followup_survey_id.is_not(None)),
    ).select_from(t)
    if viewer is not None:
        stmt = stmt.join(Customer, Customer.id == t.customer_id).where(visible_customers(viewer))
    values = [int(v) for v in session.execute(stmt).one()]
    return FollowupCounts(*values)


def export_header() -> list[str]:
    """The task list's CSV column headers, in the current locale."""
    return [
        _("Task"),
        _("Customer number"),
        _("Customer"),
        _("Country"),
        _("Account manager"),
        _("NPS"),
        _("Answered at"),
        _("Due at"),
        _("Overdue"),
        _("Owner"),
        _("Status"),
        _("Outcome"),
        _("Closed at"),
        _("Closed by"),
        _("Follow-up NPS"),
        _("Follow-up answered at"),
    ]


def export_values(row: TaskRow) -> list[object]:
    t, c = row.task, row.customer
    return [
        t.id,
        c.external_id,
        c.name,
        c.country,
        c.account_manager,
        row.nps,
        row.answered_at,
        t.due_at,
        _("yes") if row.overdue else _("no"),
        row.owner,
        t.status.value,
        t.outcome,
        t.closed_at,
        row.closed_by,
        row.followup_nps,
        row.followup_answered_at,
    ]


def export_rows(
    session: Session, viewer: User | None, *, state: State, owner: Owner, now: datetime
) -> Iterator[list[object]]:
    """Every task of the list ``viewer`` sees with these filters, as CSV rows."""
    for row in every_task(session, viewer, state=state, owner=owner, now=now):
        yield export_values(row)
