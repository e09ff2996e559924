"""``valuecenter serve``: web pages and API with uvicorn."""

from __future__ import annotations

import typer

from valuecenter.cli import context
from valuecenter.i18n import N_, _

HELP = N_("Serve the web pages and the API (OpenAPI at /docs).")
"""The help of the command (--help)."""

WORKER_HEALTHCHECK_SECONDS = 60


def serve(
    host: str = typer.Option("127.0.0.1", help=N_("Address to listen on.")),
    port: int = typer.Option(8000, min=1, max=65535, help=N_("Port to listen on (1–65535).")),
    workers: int = typer.Option(1, min=1, help=N_("Worker processes.")),
    reload: bool = typer.Option(False, help=N_("Reload on code changes (development).")),
    access_log: bool = typer.Option(
        True, "--access-log/--no-access-log", help=N_("Log every request.")
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help=N_(
            "Behind a TLS proxy: the proxy's addresses (comma-separated) whose "
            "X-Forwarded-For and X-Forwarded-Proto are trusted. Without it no client's "
            "forwarded headers count."
        ),
    ),
) -> None:
    import uvicorn

    context.engine()  # refuse to start on a schema behind the code
    url = f"http://{host}:{port}"
    typer.echo(_("valuecenter on %(url)s  (API docs: %(url)s/docs)", url=url))
    uvicorn.run(
        "valuecenter.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        access_log=access_log,
        # Forwarded headers only from the named proxy (docs/security.md): trusted from anyone
        # else, a client could choose its own address and escape the per-address login limit.
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        # uvicorn kills a worker that does not answer its supervisor's ping within this time
        # (default 5 s). A worker starting on a busy machine (importing pandas, LightGBM …)
        # or under overload can take longer; killing it then only restarts the same start-up,
        # forever (seen with 2 workers at a load average of 7).
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
