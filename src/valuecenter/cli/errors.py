"""Turn any error into one line on stderr and an exit code; no traceback reaches a user.

With ``--json`` a script reads stdout, so an error is also one JSON object there,
``{"error": code, "detail": message}`` — the shape the API answers with (``web/errors.py``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import NoReturn

from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from valuecenter.errors import AppError

_json_errors: ContextVar[bool] = ContextVar("valuecenter_cli_json_errors", default=False)


def wants_json(args: Sequence[str]) -> bool:
    """True when the command line asks for ``--json`` (before a ``--`` that ends options)."""
    options = list(args)
    if "--" in options:
        options = options[: options.index("--")]
    return "--json" in options


def fail(message: str, code: int = 1, *, error: str = "error") -> NoReturn:
    """One line on stderr (and, under ``--json``, the JSON error object on stdout); exit."""
    if _json_errors.get():
        print(json.dumps({"error": error, "detail": message}), flush=True)
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def run_guarded(entry: Callable[[], object], *, json_errors: bool = False) -> None:
    """Run ``entry`` and map errors to a one-line message and an exit code."""
    token = _json_errors.set(json_errors)
    try:
        entry()
    except AppError as exc:
        fail(str(exc), exc.exit_code, error=exc.code)
    except OperationalError as exc:
        detail = str(exc.orig).strip().splitlines()[0]
        fail(f"cannot use the database: {detail}", 7, error="database_unavailable")
    except DBAPIError as exc:
        fail(f"database error: {str(exc.orig).strip().splitlines()[0]}", 7, error="database")
    except ArgumentError as exc:  # a database URL the settings let through
        fail(f"VALUECENTER_DATABASE_URL: {exc}", 2, error="invalid_input")
    except KeyboardInterrupt:
        fail("interrupted; nothing was committed by the interrupted step", 130, error="interrupted")
    except MemoryError:
        fail("out of memory", 1, error="out_of_memory")
    finally:
        _json_errors.reset(token)
