"""The campaign manager's API (issue 19): saved selections, campaigns from draft to launch, the
contact list, responses and redemptions, and the results. For managers and admins: a
campaign reaches every customer of the selection, so no pool-bound role may run one.

- ``POST /selections`` saves a filter, ``POST /selections/count`` counts one live;
- ``POST /campaigns`` a draft, ``PUT /campaigns/{id}/goal`` pre-registers the goal (409 once
  launched), ``POST /campaigns/{id}/launch`` launches it;
- ``POST /campaigns/{id}/export.csv`` the contact list (a POST: it marks the members exported);
- ``POST /campaigns/{id}/responses`` and ``/redemptions`` take CSV text, ``/observe`` reads the
  orders; ``GET /campaigns/{id}/results`` the readout with its provenance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from annotated_types import MaxLen
from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from valuecenter.bounds import RowId
from valuecenter.csv_export import csv_text
from valuecenter.marketing import responses as answers
from valuecenter.marketing import results as readouts
from valuecenter.marketing import selection as selections
from valuecenter.marketing import service
from valuecenter.marketing.schemas import CampaignDraft, Goal, SelectionSpec
from valuecenter.users.models import Role, User
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import CSV_RESPONSE
from valuecenter.web.deps import SessionDep, require_roles

router = APIRouter(tags=["campaigns"])

ManagerUser = Annotated[User, Depends(require_roles(Role.MANAGER, Role.ADMIN))]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token."},
    403: {"description": "The caller's role may not use this."},
    404: {"description": "No campaign or selection has this id."},
    409: {"description": "The campaign's state does not allow this (e.g. launched already)."},
    422: {"description": "A parameter is wrong; `detail` names it."},
}
MAX_CSV = 20_000_000  # characters of a responses or redemptions file sent as JSON


class SelectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, MaxLen(200)] = Field(pattern=r"\S")
    spec: SelectionSpec


class SelectionOut(BaseModel):
    id: int
    name: str
    spec: dict[str, Any]
    count: int


class CountOut(BaseModel):
    count: int
    by_segment: dict[str, int]


class CampaignOut(BaseModel):
    id: int
    code: str
    name: str | None
    channel: str
    action: str | None
    status: str
    starts: datetime
    ends: datetime | None
    selection_id: int | None
    treated: int
    control: int
    exclusions: dict[str, int] | None
    landing_slug: str | None


class PlannedOut(BaseModel):
    treated: int
    control: int
    total: int


class CsvIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csv: Annotated[str, MaxLen(MAX_CSV)]


class ImportedOut(BaseModel):
    rows: int
    members: int
    not_members: int


def _out(session: SessionDep, campaign: Any) -> CampaignOut:
    counts = service.member_counts(session, campaign)
    return CampaignOut(
        id=campaign.id,
        code=campaign.external_id,
        name=campaign.name,
        channel=campaign.channel.value,
        action=campaign.action,
        status=service.status_of(session, campaign).value,
        starts=campaign.started_at,
        ends=campaign.ended_at,
        selection_id=campaign.selection_id,
        treated=counts.get("treatment", 0),
        control=counts.get("control", 0),
        exclusions=campaign.exclusions,
        landing_slug=campaign.landing_slug,
    )


def _selection_out(session: SessionDep, saved: Any) -> SelectionOut:
    spec = selections.spec_of(saved)
    return SelectionOut(
        id=saved.id,
        name=saved.name,
        spec=spec.model_dump(mode="json"),
        count=selections.count(session, spec),
    )


@router.get("/selections", response_model=list[SelectionOut], responses=_ERRORS)
def list_selections(session: SessionDep, user: ManagerUser) -> list[SelectionOut]:
    """The saved selections, each counted now."""
    return [_selection_out(session, s) for s in selections.list_selections(session)]


@router.post(
    "/selections",
    response_model=SelectionOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
def save_selection(session: SessionDep, user: ManagerUser, body: SelectionIn) -> SelectionOut:
    """Save a selection under its name (the same name: the filter is replaced)."""
    saved = selections.save_selection(session, body.name.strip(), body.spec, user.id)
    return _selection_out(session, saved)


@router.post("/selections/count", response_model=CountOut, responses=_ERRORS)
def count_selection(session: SessionDep, user: ManagerUser, body: SelectionSpec) -> CountOut:
    """How many customers a filter holds now, per value segment (the live count)."""
    per = selections.count_by_segment(session, body)
    return CountOut(count=sum(per.values()), by_segment=per)


@router.get("/campaigns", response_model=list[CampaignOut], responses=_ERRORS)
def list_campaigns(session: SessionDep, user: ManagerUser) -> list[CampaignOut]:
    """The campaign manager's campaigns, newest first."""
    return [_out(session, c) for c in service.managed_campaigns(session)]


@router.post(
    "/campaigns",
    response_model=CampaignOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
def create_campaign(session: SessionDep, user: ManagerUser, body: CampaignDraft) -> CampaignOut:
    """A new campaign, in draft."""
    return _out(session, service.create_campaign(session, body, user.id))


@router.get("/campaigns/channels", response_model=list[dict[str, Any]], responses=_ERRORS)
def channel_rates(session: SessionDep, user: ManagerUser) -> list[dict[str, Any]]:
    """Response rates per channel over all campaigns, with Wilson's 95% interval."""
    return [
        {
            "channel": r.channel,
            "campaigns": r.campaigns,
            "contacted": r.contacted,
            "responded": r.responded,
            "rate": r.rate,
            "ci95": [r.low, r.high],
        }
        for r in readouts.channel_rates(session)
    ]


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut, responses=_ERRORS)
def get_campaign(session: SessionDep, user: ManagerUser, campaign_id: RowId) -> CampaignOut:
    return _out(session, service.get_campaign(session, campaign_id))


@router.put("/campaigns/{campaign_id}/goal", response_model=PlannedOut, responses=_ERRORS)
def set_goal(session: SessionDep, user: ManagerUser, campaign_id: RowId, body: Goal) -> PlannedOut:
    """Pre-register the goal; the answer is the members needed per arm. 409 once launched."""
    planned = service.set_goal(session, service.get_campaign(session, campaign_id), body)
    return PlannedOut(treated=planned.treated, control=planned.control, total=planned.total)


@router.post("/campaigns/{campaign_id}/launch", response_model=dict[str, int], responses=_ERRORS)
def launch(
    session: SessionDep,
    user: ManagerUser,
    campaign_id: RowId,
    underpowered: Annotated[
        bool, Query(description="Launch with fewer eligible customers than the goal needs.")
    ] = False,
) -> dict[str, int]:
    """Launch: eligibility (each removal counted), stratified arms, members, vouchers."""
    return service.launch(
        session, service.get_campaign(session, campaign_id), underpowered=underpowered
    )


@router.post(
    "/campaigns/{campaign_id}/export.csv",
    response_class=StreamingResponse,
    responses={**_ERRORS, **CSV_RESPONSE},
)
@lists_customers
def export(session: SessionDep, user: ManagerUser, campaign_id: RowId) -> StreamingResponse:
    """The contact list: the treated members the consent engine and the contact policy allow
    now (they are marked exported); the removals per rule are in the header
    ``X-Removed``."""
    made = service.export_members(session, service.get_campaign(session, campaign_id))
    removed = ";".join(f"{k}={v}" for k, v in made.removed.items())
    return StreamingResponse(
        csv_text(made.header, made.rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-contacts.csv"',
            "X-Removed": removed,
        },
    )


def _imported(done: answers.Imported) -> ImportedOut:
    return ImportedOut(rows=done.rows, members=done.members, not_members=done.unknown)


@router.post("/campaigns/{campaign_id}/responses", response_model=ImportedOut, responses=_ERRORS)
def import_responses(
    session: SessionDep, user: ManagerUser, campaign_id: RowId, body: CsvIn
) -> ImportedOut:
    """Responses and conversions as CSV text (customer, responded_at, converted_at, revenue)."""
    campaign = service.get_campaign(session, campaign_id)
    return _imported(answers.import_responses(session, campaign, body.csv))


@router.post("/campaigns/{campaign_id}/redemptions", response_model=ImportedOut, responses=_ERRORS)
def import_redemptions(
    session: SessionDep, user: ManagerUser, campaign_id: RowId, body: CsvIn
) -> ImportedOut:
    """Voucher redemptions as CSV text (code, redeemed_at, order_ref, revenue)."""
    campaign = service.get_campaign(session, campaign_id)
    return _imported(answers.import_redemptions(session, campaign, body.csv))


@router.post("/campaigns/{campaign_id}/observe", response_model=ImportedOut, responses=_ERRORS)
def observe(session: SessionDep, user: ManagerUser, campaign_id: RowId) -> ImportedOut:
    """Take the members' conversions from the orders (both arms alike)."""
    return _imported(answers.observe_orders(session, service.get_campaign(session, campaign_id)))


@router.post("/campaigns/{campaign_id}/stop", response_model=CampaignOut, responses=_ERRORS)
def stop(session: SessionDep, user: ManagerUser, campaign_id: RowId) -> CampaignOut:
    campaign = service.get_campaign(session, campaign_id)
    service.end_campaign(session, campaign)
    return _out(session, campaign)


@router.get("/campaigns/{campaign_id}/results", response_model=dict[str, Any], responses=_ERRORS)
def results(session: SessionDep, user: ManagerUser, campaign_id: RowId) -> dict[str, Any]:
    """Per arm, the lift with its fixed and always-valid 95% intervals, incremental revenue,
    cost, ROI, the pre-registered decision, the lift day by day, and the provenance."""
    return readouts.results_json(
        readouts.campaign_results(session, service.get_campaign(session, campaign_id))
    )
