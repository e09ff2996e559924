"""Server-rendered pages (Jinja2 + htmx). Every unsafe request is CSRF-checked here."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from valuecenter.web.pages import (
    alerts,
    auth,
    campaigns,
    customers,
    finance,
    language,
    nba,
    offers,
    offers_lift,
    pools,
    privacy,
    retention_desk,
    retention_ledger,
    retention_renewals,
    routing,
    scoreboard,
    service,
    service_followups,
    service_reasons,
    staffing,
    users,
    value,
)
from valuecenter.web.security import verify_csrf

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
router.include_router(auth.router)
router.include_router(privacy.router)
router.include_router(customers.router)
router.include_router(language.router)
router.include_router(nba.router)
router.include_router(offers_lift.router)
router.include_router(offers.router)
router.include_router(value.router)
router.include_router(alerts.router)
router.include_router(retention_desk.router)
router.include_router(retention_renewals.router)
router.include_router(retention_ledger.router)
router.include_router(users.router)
router.include_router(campaigns.router)
router.include_router(service.router)
router.include_router(service_followups.router)
router.include_router(service_reasons.router)
router.include_router(staffing.router)
router.include_router(pools.router)
router.include_router(scoreboard.router)
router.include_router(routing.router)
router.include_router(finance.router)
