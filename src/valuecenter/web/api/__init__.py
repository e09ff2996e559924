"""The JSON API under ``/api/v1`` (bearer tokens; OpenAPI at ``/docs``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from valuecenter.web.api import (
    alerts,
    auth,
    campaigns,
    customers,
    decisions,
    followups,
    health,
    pnl,
    pools,
    renewals,
    retention,
    routing,
    scoreboard,
    staffing,
)
from valuecenter.web.query_guard import known_query_only

router = APIRouter(dependencies=[Depends(known_query_only)])
router.include_router(health.router)
router.include_router(auth.router)
router.include_router(customers.router)
router.include_router(alerts.router)
router.include_router(renewals.router)
router.include_router(retention.router)
router.include_router(decisions.router)
router.include_router(campaigns.router)
router.include_router(followups.router)
router.include_router(staffing.router)
router.include_router(pools.router)
router.include_router(pnl.router)
router.include_router(scoreboard.router)
router.include_router(routing.router)
