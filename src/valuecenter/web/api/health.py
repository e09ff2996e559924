"""``GET /health``: is the service up and its database reachable (no authentication)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from valuecenter import __version__

router = APIRouter(tags=["health"])
log = logging.getLogger("valuecenter.web")


class Health(BaseModel):
    status: str
    database: str
    version: str


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is not reachable."}},
)
def health(request: Request) -> JSONResponse:
    """``{"status": "ok", "database": "ok", "version"}``, or 503 when the database is down."""
    engine: Engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.error("health check: database unavailable: %s", exc)
        body = Health(status="error", database="unavailable", version=__version__)
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ok", database="ok", version=__version__).model_dump())
