"""Turn any error into one line on stderr and an exit code; no traceback reaches a user."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

from sqlalchemy.exc import DBAPIError, OperationalError

from valuecenter.errors import AppError


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def run_guarded(entry: Callable[[], object]) -> None:
    """Run ``entry`` and map errors to a one-line message and an exit code."""
    try:
        entry()
    except AppError as exc:
        fail(str(exc), exc.exit_code)
    except OperationalError as exc:
        fail(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}", 7)
    except DBAPIError as exc:
        fail(f"database error: {str(exc.orig).strip().splitlines()[0]}", 7)
    except KeyboardInterrupt:
        fail("interrupted; nothing was committed by the interrupted step", 130)
    except MemoryError:
        fail("out of memory", 1)
