"""The FastAPI application: ``create_app(settings)`` wires engine, sessions, middleware,
the API under ``/api/v1``, the pages, ``/static`` and the API reference at ``/docs``.

``/docs`` is Swagger UI served from ``/static/vendor/swagger-ui/`` (vendored from npm by
``scripts/vendor-assets.sh``; front-end assets never come from a CDN) under the site's CSP plus
the hash of its one inline start-up script. There is no ``/redoc``.

``valuecenter serve`` runs it with ``uvicorn.run("valuecenter.web.app:create_app",
factory=True)``. It refuses to start on a schema behind the code (SchemaBehind: run
``valuecenter db upgrade``). The session cookie is signed with ``settings.secret_key`` or,
unset, with the installation's random key kept in its database (``db/secrets.py``); there is
no built-in key (docs/security.md).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route

from valuecenter import __version__
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import ensure_current
from valuecenter.db.secrets import install_secret
from valuecenter.errors import SchemaBehind
from valuecenter.offers.engine import EngineCache
from valuecenter.settings import Settings, get_settings
from valuecenter.web import api, errors, openapi, pages
from valuecenter.web.api import decisions as api_decisions
from valuecenter.web.api import routing as api_routing
from valuecenter.web.body_limit import BodyLimit
from valuecenter.web.limits import ConcurrencyLimit
from valuecenter.web.locale import LocaleMiddleware
from valuecenter.web.pages.offers import MAX_UPLOAD_BYTES
from valuecenter.web.security import SESSION_COOKIE, SecurityHeaders, content_security_policy
from valuecenter.web.templating import STATIC

log = logging.getLogger("valuecenter.web")

DOCS_URL = "/docs"
OPENAPI_URL = "/openapi.json"
SWAGGER_UI = "/static/vendor/swagger-ui"

DESCRIPTION = """\
The customer-service department as a profit center.

Authenticate with an API token: `valuecenter users token <username>` prints one; send it as
`Authorization: Bearer vc_…`. Errors are `{"error": code, "detail": message}`.
An account manager sees only the customers of his own pool.
"""

UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
"""The catalogue upload form's body limit: its file plus room for the multipart framing."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    pool: dict[str, Any] = (
        {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
        if ":memory:" not in settings.database_url
        else {}
    )
    if not settings.database_url.startswith("sqlite"):
        pool["connect_args"] = {"connect_timeout": settings.db_connect_timeout_seconds}
    engine = make_engine(settings.database_url, **pool)
    try:
        ensure_current(engine)
    except SchemaBehind as exc:
        engine.dispose()
        log.error("refusing to start: %s", exc)
        raise
    signing_key = settings.secret_key or install_secret(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # As many threads as requests may run at once (web/limits.py): more would only
        # contend for the interpreter lock.
        anyio.to_thread.current_default_thread_limiter().total_tokens = (
            settings.max_concurrent_requests
        )
        yield
        engine.dispose()

    app = FastAPI(
        title="valuecenter",
        description=DESCRIPTION,
        version=__version__,
        lifespan=lifespan,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.nba_engine = EngineCache(settings.nba_engine_ttl_seconds)

    # Inside the session middleware (added before it), so it reads the user's language there.
    app.add_middleware(LocaleMiddleware, default=settings.default_language)
    app.add_middleware(
        SessionMiddleware,
        secret_key=signing_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.secure_cookie,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        ConcurrencyLimit,
        limit=settings.max_concurrent_requests,
        max_queue=settings.max_queued_requests,
        max_wait=settings.max_queue_wait_ms / 1000,
        retry_after=settings.overload_retry_after_seconds,
    )
    # Outermost: an oversized body is refused before it takes a place in the queue.
    app.add_middleware(
        BodyLimit,
        limit=settings.max_request_body_bytes,
        uploads={"/offers/import": max(settings.max_request_body_bytes, UPLOAD_BODY_BYTES)},
    )
    errors.install(app)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The decision API's hot path first, as a plain route (web/api/decisions.py).
    app.router.routes.insert(
        0, Route("/api/v1/decisions", api_decisions.decide_fast, methods=["POST"])
    )
    app.router.routes.insert(
        0, Route("/api/v1/routing/decide", api_routing.decide_fast, methods=["POST"])
    )
    app.include_router(api.router, prefix="/api/v1")
    app.include_router(pages.router)
    openapi.install(app, page_size_max=settings.page_size_max)
    _add_docs(app)
    return app


def _add_docs(app: FastAPI) -> None:
    """``GET /docs``: Swagger UI from the vendored files, its inline start-up script allowed
    by hash (the page is the same for every request, so the hash is computed once)."""
    html = bytes(
        get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{app.title} – API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            # No spec-validator badge: it would send the spec to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        ).body
    ).decode()
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    if len(inline) != 1:  # FastAPI changed its page: fail at start-up, not in the browser
        raise RuntimeError(
            f"expected one inline script in the Swagger UI page, found {len(inline)}"
        )
    headers = {
        "Content-Security-Policy": content_security_policy(
            inline_script=inline[0], inline_styles=False
        )
    }

    @app.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)
