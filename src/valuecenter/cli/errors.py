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
from valuecenter.i18n import _, current_locale, use_locale

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
    print(_("error: %(message)s", message=message), file=sys.stderr)
    raise SystemExit(code)


def run_guarded(entry: Callable[[], object], *, json_errors: bool = False) -> None:
    """Run ``entry`` and map errors to a one-line message and an exit code, in the language
    the command chose (its locale is undone when this returns)."""
    with use_locale(current_locale()):
        _run(entry, json_errors)


def _run(entry: Callable[[], object], json_errors: bool) -> None:
    token = _json_errors.set(json_errors)
    try:
        entry()
    except AppError as exc:
        fail(str(exc), exc.exit_code, error=exc.code)
    except OperationalError as exc:
        detail = str(exc.orig).strip().splitlines()[0]
        fail(
            _("cannot use the database: %(reason)s", reason=detail), 7, error="database_unavailable"
        )
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0]
        fail(_("database error: %(reason)s", reason=first), 7, error="database")
    except ArgumentError as exc:  # a database URL the settings let through
        fail(f"VALUECENTER_DATABASE_URL: {exc}", 2, error="invalid_input")
    except KeyboardInterrupt:
        fail(
            _("interrupted; nothing was committed by the interrupted step"),
            130,
            error="interrupted",
        )
    except MemoryError:
        fail(_("out of memory"), 1, error="out_of_memory")
    finally:
        _json_errors.reset(token)
