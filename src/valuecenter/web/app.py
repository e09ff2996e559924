"""The FastAPI application: ``create_app(settings)`` wires engine, sessions, middleware,
the API under ``/api/v1``, the pages and ``/static``.

``valuecenter serve`` runs it with ``uvicorn.run("valuecenter.web.app:create_app",
factory=True)``. It refuses to start on a schema behind the code (SchemaBehind: run
``valuecenter db upgrade``) and, through the Settings validator, with the default secret key
outside development.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from valuecenter import __version__
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import ensure_current
from valuecenter.errors import SchemaBehind
from valuecenter.settings import Settings, get_settings
from valuecenter.web import api, errors, pages
from valuecenter.web.security import SESSION_COOKIE, LoginThrottle, SecurityHeaders
from valuecenter.web.templating import STATIC

log = logging.getLogger("valuecenter.web")

DESCRIPTION = """\
The customer-service department as a profit center.

Authenticate with an API token: `valuecenter users token <username>` prints one; send it as
`Authorization: Bearer vc_…`. Errors are `{"error": code, "detail": message}`.
An account manager sees only the customers of his own pool.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    try:
        ensure_current(engine)
    except SchemaBehind as exc:
        engine.dispose()
        log.error("refusing to start: %s", exc)
        raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="valuecenter",
        description=DESCRIPTION,
        version=__version__,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.login_throttle = LoginThrottle()

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(SecurityHeaders)
    errors.install(app)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router, prefix="/api/v1")
    app.include_router(pages.router)
    return app
