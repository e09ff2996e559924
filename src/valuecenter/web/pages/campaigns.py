"""The campaign manager's pages (issue 19, C9, C13): the list, a five-step wizard from
selection to launch, the results against the control group, and the public landing page.

- ``/campaigns`` the manager's campaigns with their arms and the rule's decision now (CSV), and
  ``/campaigns/channels`` the channels' response rates with Wilson intervals (CSV).
- The wizard: (1) ``/campaigns/new`` a saved selection or a new filter, counted live per value
  segment (htmx, ``/campaigns/selection/count``: a read); (2) ``/campaigns/new/proposition``
  the action, channel, runtime, budget and costs — saving it creates the campaign as a draft,
  so every later step survives a reload; (3) ``/campaigns/{id}/goal`` the pre-registered goal,
  the members needed per arm shown live (``/campaigns/plan``: arithmetic only) and the rule in
  words; (4) ``/campaigns/{id}/eligibility`` what the launch would remove per rule and the
  arms per segment, computed in a savepoint that is rolled back (``marketing/views.py``):
  the preview stores nothing; (5) ``/campaigns/{id}/launch`` the summary and the launch. A
  refusal of the service (``InvalidInput``, ``Conflict``) is shown on the step's form with
  4xx; a failed launch is rolled back to its savepoint, so nothing of it is stored.
- ``/campaigns/{id}`` the results (``marketing/results.py``): per arm, lift with its 95% and
  always-valid intervals, incremental revenue, cost, ROI, the decision and why, the
  exclusions at launch, the provenance, and the lift over time with its always-valid band.
  The contact list is a **POST** (CSRF): ``export_members`` marks the members exported (and
  contacted), so it is a change, not a read; it is answered as a CSV download.
- ``/l/{slug}`` the campaign's landing page, without login: a voucher code is answered valid
  or not for this campaign, never whose it is; wrong codes are throttled per client address
  and page with the login throttle's counter (``users/throttle.py``: 10 wrong codes lock the
  address out of the page for a minute, doubling after each further one).

Managers and admins only (as the catalogue's pages); agents and account managers get 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from valuecenter.bounds import RowId
from valuecenter.campaigns.models import Campaign, CampaignMember
from valuecenter.csv_export import csv_text
from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, InvalidInput, NotFound
from valuecenter.experiments.models import ExperimentStatus
from valuecenter.i18n import _, format_number, format_percent, lazy_gettext
from valuecenter.marketing import selection as selections
from valuecenter.marketing import service, views
from valuecenter.marketing.eligibility import RULES
from valuecenter.marketing.results import CampaignResults, campaign_results, channel_rates
from valuecenter.marketing.schemas import Goal
from valuecenter.users import throttle
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.pages.campaigns_forms import DraftForm, GoalForm, SelectionForm
from valuecenter.web.security import csrf_token
from valuecenter.web.templating import chart_config, templates

router = APIRouter()


async def _form_data(request: Request) -> FormData:
    """The request's form (starlette parses it once and caches it; the CSRF check may have)."""
    return await request.form()


Form = Annotated[FormData, Depends(_form_data)]

ManagingUser = Annotated[User, Depends(require_page_roles(Role.MANAGER, Role.ADMIN))]

CHANNELS = {
    "email": lazy_gettext("E-mail"),
    "direct-mail": lazy_gettext("Direct mail"),
    "sms": lazy_gettext("SMS"),
    "phone": lazy_gettext("Phone"),
    "in-contact": lazy_gettext("In a service contact"),
}
STATUSES = {
    "draft": lazy_gettext("Draft"),
    "running": lazy_gettext("Running"),
    "stopped": lazy_gettext("Stopped"),
    "completed": lazy_gettext("Completed"),
}
DECISIONS = {
    "scale": lazy_gettext("Scale"),
    "stop": lazy_gettext("Stop"),
    "extend": lazy_gettext("Extend"),
}
METRICS = {
    "conversion": lazy_gettext("Conversion rate"),
    "retention": lazy_gettext("Retention rate"),
    "revenue": lazy_gettext("Revenue per member"),
}
RULE_NAMES = {
    "global-holdout": lazy_gettext("Global holdout"),
    "no-consent": lazy_gettext("No marketing consent"),
    "do-not-call": lazy_gettext("Do-not-call register"),
    "contact-policy": lazy_gettext("Contact policy"),
}
RULE_HELP = {
    "global-holdout": lazy_gettext(
        "The company's permanent holdout (5%): they receive no campaign at all, so the "
        "long-term effect of all campaigns together can be measured."
    ),
    "no-consent": lazy_gettext("No marketing consent for the campaign's channel."),
    "do-not-call": lazy_gettext("A phone campaign skips numbers on the do-not-call register."),
    "contact-policy": lazy_gettext("Contacted too often lately (the contact policy's limits)."),
}
KINDS = {"b2b": lazy_gettext("Business"), "b2c": lazy_gettext("Consumer")}
STEPS = (
    lazy_gettext("Selection"),
    lazy_gettext("Proposition"),
    lazy_gettext("Goal"),
    lazy_gettext("Control & eligibility"),
    lazy_gettext("Launch"),
)
VOUCHER_FAILURES = 10  # wrong codes of one address on one page before it is locked out


def _labels() -> dict[str, object]:
    return {
        "channels": CHANNELS,
        "statuses": STATUSES,
        "decisions": DECISIONS,
        "metrics": METRICS,
        "rule_names": RULE_NAMES,
        "rule_help": RULE_HELP,
        "rules": RULES,
        "kinds": KINDS,
        "steps": STEPS,
    }


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(
        request, name, {"nav": "campaigns", **_labels(), **context}, status_code=status_code
    )


def _status_of_error(error: Exception) -> int:
    return 409 if isinstance(error, Conflict) else 404 if isinstance(error, NotFound) else 422


def _said(error: Exception) -> str:
    """The refusal's words for beside its field (an InvalidInput without the field's name)."""
    if isinstance(error, InvalidInput):
        return error.detail
    return str(error)


def _draft(session: Session, campaign_id: int) -> tuple[Campaign, str]:
    campaign = service.get_campaign(session, campaign_id)
    return campaign, service.status_of(session, campaign).value


# ---------------------------------------------------------------------- the list


@router.get("/campaigns")
def campaigns_page(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    return _page(
        request,
        "campaigns/list.html",
        {"user": user, "rows": views.campaign_rows(session)},
    )


LIST_HEADER = [
    "code",
    "name",
    "channel",
    "status",
    "treated",
    "control",
    "launched_at",
    "decision",
]


def _list_rows(session: Session, _viewer: User) -> Iterable[Sequence[object]]:
    for r in views.campaign_rows(session):
        yield [
            r.campaign.external_id,
            r.campaign.name,
            r.campaign.channel.value,
            r.status,
            r.treated,
            r.control,
            r.launched_at.isoformat() if r.launched_at else None,
            r.decision,
        ]


@router.get("/campaigns/export.csv")
def campaigns_export(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    return csv_download(request, user, name="campaigns", header=LIST_HEADER, rows=_list_rows)


@router.get("/campaigns/channels")
def channels_page(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    return _page(
        request, "campaigns/channels.html", {"user": user, "rates": channel_rates(session)}
    )


def _channel_rows(session: Session, _viewer: User) -> Iterable[Sequence[object]]:
    for r in channel_rates(session):
        yield [r.channel, r.campaigns, r.contacted, r.responded, r.rate, r.low, r.high]


@router.get("/campaigns/channels/export.csv")
def channels_export(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    header = ["channel", "campaigns", "contacted", "responded", "rate", "ci95_low", "ci95_high"]
    return csv_download(request, user, name="channel-rates", header=header, rows=_channel_rows)


# ---------------------------------------------------------------------- step 1: selection


def _selection_page(
    request: Request,
    session: Session,
    user: User,
    form: SelectionForm,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    counted = _counted(session, form)
    return _page(
        request,
        "campaigns/selection.html",
        {
            "user": user,
            "step": 1,
            "form": form,
            "words": views.filter_words(session),
            "saved": [
                (s, selections.count(session, selections.spec_of(s)))
                for s in selections.list_selections(session)
            ],
            "counted": counted,
            "errors": errors or {},
        },
        status_code=status_code,
    )


def _counted(session: Session, form: SelectionForm) -> dict[str, Any]:
    try:
        spec = form.spec()
    except InvalidInput as error:
        return {"error": _said(error), "field": error.field}
    per = _per_segment(session, spec)
    return {"total": sum(per.values()), "segments": per}


def _per_segment(session: Session, spec: Any) -> dict[str, int]:
    return dict(sorted(selections.count_by_segment(session, spec).items()))


@router.get("/campaigns/new")
def new_campaign(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    return _selection_page(request, session, user, SelectionForm.read(request.query_params))


@router.get("/campaigns/selection/count")
def selection_count(request: Request, session: SessionDep, user: ManagingUser) -> Response:
    """The live count of the filter being built (htmx): a read, nothing is saved."""
    counted = _counted(session, SelectionForm.read(request.query_params))
    return _page(request, "campaigns/_count.html", {"counted": counted})


@router.post("/campaigns/selections")
def save_selection(
    request: Request, session: SessionDep, user: ManagingUser, data: Form
) -> Response:
    form = SelectionForm.read(data)
    try:
        if not form.name:
            raise InvalidInput("name", _("give the selection a name to save it"))
        spec = form.spec()
        saved = selections.save_selection(session, form.name, spec, user.id)
    except (InvalidInput, Conflict) as error:
        field = error.field if isinstance(error, InvalidInput) else "name"
        return _selection_page(
            request, session, user, form, {field: _said(error)}, _status_of_error(error)
        )
    return RedirectResponse(f"/campaigns/new/proposition?selection={saved.id}", status_code=303)


# ---------------------------------------------------------------------- step 2: proposition


def _proposition_page(
    request: Request,
    session: Session,
    user: User,
    form: DraftForm,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    chosen = None
    if form.selection_id.isdigit():
        try:
            found = selections.get_selection(session, int(form.selection_id))
            chosen = (found, selections.count(session, selections.spec_of(found)))
        except NotFound:
            chosen = None
    return _page(
        request,
        "campaigns/proposition.html",
        {
            "user": user,
            "step": 2,
            "form": form,
            "chosen": chosen,
            "actions": views.active_actions(session),
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/campaigns/new/proposition")
def proposition_page(
    request: Request,
    session: SessionDep,
    user: ManagingUser,
    selection: Annotated[RowId | None, Query()] = None,
) -> Response:
    if selection is None:
        return RedirectResponse("/campaigns/new", status_code=303)
    selections.get_selection(session, selection)
    start = (utcnow() + timedelta(days=1)).date().isoformat()
    form = DraftForm(selection_id=str(selection), start=start)
    return _proposition_page(request, session, user, form)


@router.post("/campaigns/new/proposition")
def create_campaign(
    request: Request, session: SessionDep, user: ManagingUser, data: Form
) -> Response:
    form = DraftForm.read(data)
    try:
        made = service.create_campaign(session, form.draft(), user.id)
    except (InvalidInput, Conflict, NotFound) as error:
        field = error.field if isinstance(error, InvalidInput) else "code"
        if isinstance(error, NotFound):
            field = "selection_id"
        return _proposition_page(
            request, session, user, form, {field: _said(error)}, _status_of_error(error)
        )
    return RedirectResponse(f"/campaigns/{made.id}/goal", status_code=303)


# ---------------------------------------------------------------------- step 3: goal


def rule_words(goal: Goal) -> str:
    """The pre-registered decision rule in words (``service.set_goal``'s rule)."""
    if goal.metric == "revenue":
        mde = _("%(euros)s per member", euros="€ " + format_number(goal.mde, decimals=2))
    else:
        mde = _("%(points)s points", points=format_number(100 * goal.mde, decimals=1))
    return _(
        "Scale when the always-valid interval of the lift lies above zero and the ROI is at "
        "least %(roi)s. Stop when the always-valid interval lies below the smallest effect "
        "worth finding (%(mde)s), or when the ROI's interval lies below %(roi)s once the "
        "planned members are in. Otherwise extend.",
        roi=format_percent(goal.min_roi),
        mde=mde,
    )


def _plan(form: GoalForm) -> dict[str, Any]:
    if not form.baseline and not form.mde:
        return {"empty": True}
    try:
        goal = form.goal()
        planned = service.planned_members(goal)
    except InvalidInput as error:
        return {"error": _said(error), "field": error.field}
    return {"planned": planned, "rule": rule_words(goal), "goal": goal}


def _goal_page(
    request: Request,
    session: Session,
    user: User,
    campaign: Campaign,
    form: GoalForm | None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    experiment = service.experiment_of(session, campaign)
    stored = service.goal_of(experiment)
    frozen = experiment.status != ExperimentStatus.DRAFT
    shown = form or (GoalForm.of(stored) if stored else GoalForm())
    return _page(
        request,
        "campaigns/goal.html",
        {
            "user": user,
            "step": 3,
            "campaign": campaign,
            "status": experiment.status.value,
            "frozen": frozen,
            "stored": stored,
            "form": shown,
            "plan": _plan(shown),
            "eligible_now": _eligible_now(session, campaign),
            "errors": errors or {},
        },
        status_code=status_code,
    )


def _eligible_now(session: Session, campaign: Campaign) -> int | None:
    if campaign.selection_id is None:
        return None
    return selections.count(
        session, selections.spec_of(selections.get_selection(session, campaign.selection_id))
    )


@router.get("/campaigns/plan")
def plan_partial(
    request: Request,
    session: SessionDep,
    user: ManagingUser,
    campaign: Annotated[RowId | None, Query()] = None,
) -> Response:
    """The members per arm the goal being typed needs (htmx): arithmetic and the selection's
    count, nothing stored."""
    eligible = None
    if campaign is not None:
        eligible = _eligible_now(session, service.get_campaign(session, campaign))
    return _page(
        request,
        "campaigns/_plan.html",
        {"plan": _plan(GoalForm.read(request.query_params)), "eligible_now": eligible},
    )


@router.get("/campaigns/{campaign_id}/goal")
def goal_page(
    request: Request, session: SessionDep, user: ManagingUser, campaign_id: RowId
) -> Response:
    campaign, _status = _draft(session, campaign_id)
    return _goal_page(request, session, user, campaign, None)


@router.post("/campaigns/{campaign_id}/goal")
def save_goal(
    request: Request, session: SessionDep, user: ManagingUser, campaign_id: RowId, data: Form
) -> Response:
    campaign, _status = _draft(session, campaign_id)
    form = GoalForm.read(data)
    try:
        service.set_goal(session, campaign, form.goal())
    except (InvalidInput, Conflict) as error:
        field = error.field if isinstance(error, InvalidInput) else "goal"
        return _goal_page(
            request, session, user, campaign, form, {field: _said(error)}, _status_of_error(error)
        )
    return RedirectResponse(f"/campaigns/{campaign.id}/eligibility", status_code=303)


# ---------------------------------------------------------------------- step 4: eligibility


@router.get("/campaigns/{campaign_id}/eligibility")
def eligibility_page(
    request: Request, session: SessionDep, user: ManagingUser, campaign_id: RowId
) -> Response:
    campaign, status = _draft(session, campaign_id)
    if status != ExperimentStatus.DRAFT.value:
        return RedirectResponse(f"/campaigns/{campaign.id}", status_code=303)
    experiment = service.experiment_of(session, campaign)
    if service.goal_of(experiment) is None:
        return RedirectResponse(f"/campaigns/{campaign.id}/goal", status_code=303)
    return _page(
        request,
        "campaigns/eligibility.html",
        {
            "user": user,
            "step": 4,
            "campaign": campaign,
            "experiment": experiment,
            "preview": views.preview_launch(session, campaign),
        },
    )


# ---------------------------------------------------------------------- step 5: launch


def _launch_page(
    request: Request,
    session: Session,
    user: User,
    campaign: Campaign,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    experiment = service.experiment_of(session, campaign)
    goal = service.goal_of(experiment)
    selection = (
        selections.get_selection(session, campaign.selection_id)
        if campaign.selection_id is not None
        else None
    )
    return _page(
        request,
        "campaigns/launch.html",
        {
            "user": user,
            "step": 5,
            "campaign": campaign,
            "experiment": experiment,
            "goal": goal,
            "rule": rule_words(goal) if goal else None,
            "selection": selection,
            "message": message,
        },
        status_code=status_code,
    )


@router.get("/campaigns/{campaign_id}/launch")
def launch_page(
    request: Request, session: SessionDep, user: ManagingUser, campaign_id: RowId
) -> Response:
    campaign, status = _draft(session, campaign_id)
    if status != ExperimentStatus.DRAFT.value:
        return RedirectResponse(f"/campaigns/{campaign.id}", status_code=303)
    return _launch_page(request, session, user, campaign)


@router.post("/campaigns/{campaign_id}/launch")
def launch(
    request: Request, session: SessionDep, user: ManagingUser, campaign_id: RowId, data: Form
) -> Response:
    campaign, _status = _draft(session, campaign_id)
    underpowered = data.get("underpowered") in ("on", "true", "1")
    savepoint = session.begin_nested()
    try:
        service.launch(session, campaign, underpowered=underpowered)
    except (InvalidInput, Conflict) as error:
        savepoint.rollback()
        return _launch_page(request, session, user, campaign, _said(error), _status_of_error(error))
    savepoint.commit()
    return RedirectResponse(f"/campaigns/{campaign.id}?launched=1", status_code=303)


# ---------------------------------------------------------------------- results


def lift_chart(results: CampaignResults, metric: str | None) -> dict[str, object]:
    """Vega-Lite: the lift (percentage points) day by day since the launch with its
    always-valid 95% band (``results.looks``; rendered by static/charts.js)."""
    values = [
        {
            "day": look.day,
            "lift": None if look.lift is None else 100 * look.lift,
            "low": None if look.low is None else 100 * look.low,
            "high": None if look.high is None else 100 * look.high,
        }
        for look in results.looks
    ]
    x = {"field": "day", "type": "quantitative", "title": _("Days since the launch")}
    tooltip = [
        {"field": "day", "title": _("day")},
        {"field": "lift", "format": ".1f", "title": _("lift (points)")},
        {"field": "low", "format": ".1f", "title": _("always-valid low")},
        {"field": "high", "format": ".1f", "title": _("always-valid high")},
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": _("The lift over time with its always-valid 95%% band"),
        "config": chart_config(),
        "width": "container",
        "height": 260,
        "data": {"values": values},
        "encoding": {"x": x},
        "layer": [
            {
                "transform": [{"filter": "isValid(datum.low)"}],
                "mark": {"type": "area", "opacity": 0.25, "color": "#1c5d8c"},
                "encoding": {
                    "y": {
                        "field": "low",
                        "type": "quantitative",
                        "title": _("Lift (percentage points)"),
                    },
                    "y2": {"field": "high"},
                },
            },
            {
                "mark": {"type": "rule", "color": "#5b6577", "strokeDash": [4, 4]},
                "encoding": {"y": {"datum": 0}},
            },
            {
                "transform": [{"filter": "isValid(datum.lift)"}],
                "mark": {"type": "line", "color": "#1c5d8c", "point": True, "tooltip": True},
                "encoding": {"y": {"field": "lift", "type": "quantitative"}, "tooltip": tooltip},
            },
        ],
    }


def _results_page(
    request: Request, session: Session, user: User, campaign: Campaign, notice: str | None
) -> Response:
    experiment = service.experiment_of(session, campaign)
    results = campaign_results(session, campaign)
    goal = service.goal_of(experiment)
    return _page(
        request,
        "campaigns/results.html",
        {
            "user": user,
            "campaign": campaign,
            "experiment": experiment,
            "status": experiment.status.value,
            "goal": goal,
            "rule": rule_words(goal) if goal else None,
            "r": results.readout,
            "results": results,
            "exclusions": campaign.exclusions or {},
            "charts": {"lift": lift_chart(results, experiment.primary_metric)}
            if results.looks
            else {},
            "notice": notice,
            "exported": _exported(session, campaign),
        },
    )


def _exported(session: Session, campaign: Campaign) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                CampaignMember.campaign_id == campaign.id, CampaignMember.exported_at.is_not(None)
            )
        )
        or 0
    )


NOTICES = {
    "launched": lazy_gettext("Launched. The goal and the decision rule are now pre-registered."),
    "stopped": lazy_gettext("Stopped. The results stay readable."),
}


@router.get("/campaigns/{campaign_id}")
def results_page(
    request: Request,
    session: SessionDep,
    user: ManagingUser,
    campaign_id: RowId,
    launched: Annotated[int | None, Query(ge=0, le=1)] = None,
    stopped: Annotated[int | None, Query(ge=0, le=1)] = None,
) -> Response:
    campaign, status = _draft(session, campaign_id)
    if status == ExperimentStatus.DRAFT.value:
        experiment = service.experiment_of(session, campaign)
        step = "launch" if service.goal_of(experiment) else "goal"
        return RedirectResponse(f"/campaigns/{campaign.id}/{step}", status_code=303)
    notice = NOTICES["launched"] if launched else NOTICES["stopped"] if stopped else None
    return _results_page(request, session, user, campaign, str(notice) if notice else None)


@router.post("/campaigns/{campaign_id}/contacts.csv")
@lists_customers
def export_contacts(
    request: Request, session: SessionDep, user: ManagingUser, campaign_id: RowId
) -> Response:
    """The contact list (a POST: its members are marked exported), as a CSV download; the
    removals per rule at the moment of export are in the header ``X-Removed``."""
    campaign, _status = _draft(session, campaign_id)
    made = service.export_members(session, campaign)
    removed = ";".join(f"{k}={v}" for k, v in made.removed.items())
    name = f"campaign-{campaign.external_id}-contacts-{datetime.now(UTC):%Y%m%d}.csv"
    return StreamingResponse(
        csv_text(made.header, made.rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Removed": removed},
    )


@router.post("/campaigns/{campaign_id}/stop")
def stop_campaign(
    request: Request, session: SessionDep, user: ManagingUser, campaign_id: RowId
) -> Response:
    campaign, _status = _draft(session, campaign_id)
    service.end_campaign(session, campaign)
    return RedirectResponse(f"/campaigns/{campaign.id}?stopped=1", status_code=303)


# ---------------------------------------------------------------------- landing page


def _landing(
    request: Request,
    campaign: Campaign,
    answer: str | None = None,
    code: str = "",
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        "campaigns/landing.html",
        {
            "user": None,
            "campaign": campaign,
            "answer": answer,
            "code": code,
            "csrf_token": csrf_token(request),
        },
        status_code=status_code,
    )


def _landing_campaign(session: Session, slug: str) -> Campaign:
    campaign = service.by_landing_slug(session, slug)
    if service.status_of(session, campaign) == ExperimentStatus.DRAFT:
        raise NotFound(_("no such page"))
    return campaign


@router.get("/l/{slug}")
def landing_page(request: Request, session: SessionDep, slug: str) -> Response:
    return _landing(request, _landing_campaign(session, slug[:64]))


def _throttle_key(slug: str, request: Request) -> str:
    address = request.client.host if request.client else "unknown"
    return f"voucher:{slug}:{address}"


@router.post("/l/{slug}")
def check_voucher(request: Request, session: SessionDep, slug: str, data: Form) -> Response:
    """Whether a code is a voucher of this campaign (never whose it is). Wrong codes are
    counted per address and page; a locked-out address is answered 429 without a lookup."""
    campaign = _landing_campaign(session, slug[:64])
    code = str(data.get("code") or "").strip()[:32]
    key = _throttle_key(campaign.landing_slug or slug, request)
    if throttle.locked(session, key, None):
        return _landing(request, campaign, "locked", code, 429)
    running = service.status_of(session, campaign) == ExperimentStatus.RUNNING
    holder = service.voucher_holder(session, campaign, code) if code else None
    if holder is None:
        rules = throttle.ThrottleRules(user_failures=VOUCHER_FAILURES)
        throttle.failed(session, key, None, rules)
        return _landing(request, campaign, "invalid", code)
    if not running:
        return _landing(request, campaign, "ended", code)
    if holder.redeemed_at is not None:
        return _landing(request, campaign, "used", code)
    return _landing(request, campaign, "valid", code)
