"""Use cases on users: create, authenticate by password or bearer token, issue tokens."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from valuecenter.i18n import LOCALES, _, normalize
from valuecenter.users import repository
from valuecenter.users.models import ApiToken, Role, User
from valuecenter.users.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)

LAST_USED_EVERY = timedelta(minutes=1)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(
            "role",
            _("'%(value)s' is not a role; use one of %(choices)s", value=value, choices=allowed),
        ) from None


def create_user(
    session: Session, *, username: str, password: str, role: Role, full_name: str | None = None
) -> User:
    """Create a user; the password is stored as an argon2id hash."""
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "username",
            _(
                "use 2–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or "
                "digit"
            ),
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password", _("must be at least %(n)s characters", n=MIN_PASSWORD_LENGTH)
        )
    if repository.get_by_username(session, username) is not None:
        raise Conflict(_("user '%(name)s' exists already", name=username))
    user = User(
        username=username, password_hash=hash_password(password), role=role, full_name=full_name
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, username: str, password: str) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password", _("must be at least %(n)s characters", n=MIN_PASSWORD_LENGTH)
        )
    user = repository.get_by_username(session, username)
    if user is None:
        raise NotFound(_("no user '%(name)s'", name=username))
    user.password_hash = hash_password(password)
    return user


def set_language(user: User, language: str | None) -> User:
    """Set the user's page language ('nl', 'en'); empty or None: follow the browser again."""
    if not language:
        user.language = None
        return user
    code = normalize(language)
    if code is None or code != language.strip().lower():
        allowed = ", ".join(LOCALES)
        raise InvalidInput("language", f"'{language}' is not a language; use one of {allowed}")
    user.language = code
    return user


def authenticate(session: Session, *, username: str, password: str) -> User:
    """Return the active user with this password, or raise :class:`NotAuthenticated`."""
    user = repository.get_by_username(session, username.strip().lower())
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise NotAuthenticated(_("wrong username or password"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def issue_token(session: Session, *, username: str, days: int) -> str:
    """Create a bearer token for ``username`` valid for ``days``; return it (shown once)."""
    user = repository.get_by_username(session, username)
    if user is None:
        raise NotFound(_("no user '%(name)s'", name=username))
    if not user.active:
        raise Conflict(_("user '%(name)s' is not active", name=username))
    token = new_token()
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    session.flush()
    return token


@dataclass(frozen=True)
class _Checked:
    user: User  # detached: id, username, role and active are loaded
    expires_at: datetime
    until: float  # monotonic time the check may be reused until


_CHECKED: dict[str, _Checked] = {}
_CHECKED_LOCK = threading.Lock()
TOKEN_CHECK_SECONDS = 10.0
"""How long a worker reuses a successful token check on the decision API's hot path (``POST
/api/v1/decisions``, which spares a query per call): a revoked token or a deactivated user is
refused there within this time, everywhere else at once."""


def forget_token_checks() -> None:
    with _CHECKED_LOCK:
        _CHECKED.clear()


def user_for_token(session: Session, token: str, *, reuse: bool = False) -> User:
    """The active user a bearer token belongs to, or raise :class:`NotAuthenticated`.

    ``reuse``: accept this worker's successful check of the last :data:`TOKEN_CHECK_SECONDS`
    (the user comes back detached; read its id, role and name, do not change it)."""
    digest = token_hash(token)
    if reuse:
        checked = _CHECKED.get(digest)
        if checked is not None and time.monotonic() < checked.until:
            if checked.expires_at <= utcnow():
                raise NotAuthenticated(_("bearer token expired or revoked"))
            return checked.user
    api_token, user = _check_token(session, digest)
    if reuse:
        session.expunge(user)
        now = time.monotonic()
        with _CHECKED_LOCK:
            # Lapsed checks go when a new one is stored, so the cache holds only the tokens
            # used in the last TOKEN_CHECK_SECONDS.
            for stale in [d for d, c in _CHECKED.items() if c.until <= now]:
                del _CHECKED[stale]
            _CHECKED[digest] = _Checked(user, api_token.expires_at, now + TOKEN_CHECK_SECONDS)
    return user


def _check_token(session: Session, digest: str) -> tuple[ApiToken, User]:
    found = repository.get_by_token_hash(session, digest)
    if found is None:
        raise NotAuthenticated(_("invalid bearer token"))
    api_token, user = found
    now = utcnow()
    if api_token.revoked_at is not None or api_token.expires_at <= now or not user.active:
        raise NotAuthenticated(_("bearer token expired or revoked"))
    # At most one write a minute per token: a write per request would make every API call a
    # row-locking UPDATE of the same row (the decision API's load is many calls per token).
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_EVERY:
        api_token.last_used_at = now
    return api_token, user
