"""A CSV export as a streamed download (every page's "CSV" link).

The request's session is committed and closed before the response is sent (``deps.py``), so
the rows are read in the body with a session of their own: opened when the download starts,
closed when it ends, read-only (never committed). The viewer is read again in it, so the
export sees exactly what the page's viewer may see. Filters are checked in the handler,
before the response starts: a wrong filter is the usual one-line error, not a broken file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.csv_export import csv_text
from valuecenter.users.models import User

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The whole list as CSV (UTF-8 with BOM)."}
}
"""The OpenAPI description of an export's answer."""

Rows = Callable[[Session, User], Iterable[Sequence[object]]]
"""The export's rows for a session and the viewer (read in the download's own session)."""


def csv_download(
    request: Request, viewer: User, *, name: str, header: Sequence[str], rows: Rows
) -> StreamingResponse:
    """``name``-YYYYMMDD.csv: ``header``, then ``rows`` read as the file is sent."""
    factory: sessionmaker[Session] = request.app.state.sessions
    viewer_id = viewer.id

    def body() -> Iterator[str]:
        with factory() as session:
            user = session.get(User, viewer_id)
            yield from csv_text(header, rows(session, user) if user is not None else ())

    filename = f"{name}-{datetime.now(UTC):%Y%m%d}.csv"
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
