"""The bounds of values that come from outside (API bodies, path and query parameters, page
forms): one annotated type per kind, shared by every schema and route.

Why: Python's integers have no limit but the databases' do. SQLite binds an integer as a
signed 64-bit value and raises ``OverflowError`` past it (a 500), so ``GET
/api/v1/customers/99999999999999999999`` must be refused as input (422) before it reaches a
query. Row ids and page numbers are therefore whole numbers from 1 to :data:`ID_MAX`,
2^53 − 1: the largest integer every JSON reader holds exactly (I-JSON, RFC 7493 §2.2; a
JavaScript client or a JSON Schema validator reads numbers as IEEE doubles, so a larger bound
would not even be written exactly in the OpenAPI document), far below the 2^63 − 1 of a
64-bit column, which no id reaches. The bounds are ``annotated_types`` constraints, so pydantic
enforces them in a request body and FastAPI in a path or query parameter, and both show
them in the OpenAPI document (``minimum``, ``maximum``).

Days come as ISO 8601 dates only (``YYYY-MM-DD``, RFC 3339 ``full-date``): pydantic would
otherwise read a number as seconds since 1970, so ``since=0`` meant 1970-01-01.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import BeforeValidator

ID_MAX = 2**53 - 1
"""The largest row id or page number taken (JSON's exact integers)."""

DB_INT_MAX = 2**63 - 1
"""The largest integer both databases take as a parameter (signed 64-bit)."""

RowId = Annotated[int, Ge(1), Le(ID_MAX)]
"""A row's id (a customer, alert, case, decision, action): 1 to 2^53 − 1."""


def _json_integer(value: object) -> object:
    """A JSON body's integer is a number (``42``, or ``42.0``, which JSON Schema counts as an
    integer); pydantic's lax mode would also take ``"42"`` and ``true``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    return value


JSON_INTEGER = BeforeValidator(_json_integer)
"""Put last in an ``Annotated[int, …]`` (after its bounds, so they stay ``minimum`` and
``maximum`` in the JSON Schema): a whole number in a JSON body, not a string or a bool."""

JsonRowId = Annotated[RowId, JSON_INTEGER]
"""A row id in a JSON body (:data:`RowId`, written as a JSON number)."""

PageNumber = Annotated[int, Ge(1), Le(ID_MAX)]
"""A page of a list, from 1 (a page past the last is empty, not an error)."""

PageSize = Annotated[int, Ge(1), Le(ID_MAX)]
"""Rows per page: at least 1; its maximum is the setting ``page_size_max``, checked by the
list (a 422 naming it) and written into the OpenAPI document by ``web/openapi.py``."""

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    """Only ``YYYY-MM-DD`` text (or a date) reaches pydantic's date parsing."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return value.strip()
    raise ValueError("must be a date like 2026-11-01 (YYYY-MM-DD)")


IsoDate = Annotated[date, BeforeValidator(_iso_day)]
"""A day written ``YYYY-MM-DD``; a number (``0``) or any other form is refused."""


def parse_day(value: str) -> date:
    """``value`` (``YYYY-MM-DD``) as a date; ``ValueError`` for anything else."""
    checked = _iso_day(value)
    assert isinstance(checked, str)
    return date.fromisoformat(checked)


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
"""The days a query takes: the years the product's figures can cover."""


def query_day(field: str, value: str | None) -> date | None:
    """A day of a query string or form (``YYYY-MM-DD``, :data:`FIRST_DAY` … :data:`LAST_DAY`);
    empty means none. :class:`InvalidInput` naming ``field`` otherwise (a 422, never a 500 on
    year 9999)."""
    from valuecenter.errors import InvalidInput
    from valuecenter.i18n import _

    text = (value or "").strip()
    if not text:
        return None
    try:
        day = parse_day(text)
    except ValueError:
        raise InvalidInput(
            field, _("'%(value)s' is not a day (YYYY-MM-DD)", value=text[:40])
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(
            field,
            _(
                "must be a day from %(first)s to %(last)s",
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            ),
        )
    return day


def row_offset(page: int, page_size: int) -> int:
    """The number of rows before ``page`` (from 1) of ``page_size`` rows, at most
    :data:`DB_INT_MAX`: a page far past the end stays a valid (empty) query instead of an
    OFFSET the database cannot bind."""
    return min((page - 1) * page_size, DB_INT_MAX)
