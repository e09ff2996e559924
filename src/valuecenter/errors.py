"""The package's one error family.

Services raise these, never HTTP codes; ``web/errors.py`` maps them to JSON or an error page
and ``cli/errors.py`` to a one-line message and an exit code.
"""

from __future__ import annotations


class AppError(Exception):
    """Base of every error a user may see. ``str(error)`` is one readable line."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(AppError):
    """The thing does not exist, or the caller may not know that it exists."""

    code = "not_found"
    exit_code = 3


class Conflict(AppError):
    """The request clashes with the current state (duplicate key, wrong state)."""

    code = "conflict"
    exit_code = 4


class InvalidInput(AppError):
    """A value given by the user is wrong; ``field`` names it."""

    code = "invalid_input"
    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.detail = message


class NotAuthenticated(AppError):
    """No valid credentials were presented."""

    code = "not_authenticated"
    exit_code = 5


class Forbidden(AppError):
    """Credentials are valid but the role may not do this."""

    code = "forbidden"
    exit_code = 5


class Unavailable(AppError):
    """Something a job needs is missing on this machine or out of reach (Java, PySpark, a
    cluster's master); the message names it and how to get it."""

    code = "unavailable"
    exit_code = 7


class SchemaBehind(AppError):
    """The database schema is older than the code: run ``valuecenter db upgrade``."""

    code = "schema_behind"
    exit_code = 6
