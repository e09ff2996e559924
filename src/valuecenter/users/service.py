"""Use cases on users: create, authenticate by password or bearer token, issue, list and revoke
tokens, browser sessions, deactivate.

What ends what (docs/security.md): logout ends its session; a password change ends all the
user's sessions and revokes his tokens; a role change ends his sessions (a new login picks up
the new role); deactivation ends his sessions and revokes his tokens.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from valuecenter.db.base import utcnow
from valuecenter.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from valuecenter.i18n import LOCALES, _, normalize
from valuecenter.users import repository
from valuecenter.users.models import ApiToken, Role, User, UserSession
from valuecenter.users.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_dummy,
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
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    end_sessions(session, user.id)
    revoke_tokens(session, user.id)
    return user


def get_user(session: Session, username: str) -> User:
    """The user ``username``, or :class:`NotFound`."""
    user = repository.get_by_username(session, username.strip().lower())
    if user is None:
        raise NotFound(_("no user '%(name)s'", name=username))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def set_role(session: Session, *, username: str, role: Role) -> User:
    """Give ``username`` another role; his sessions end (his next login has the new role).
    His tokens stay: the API reads the role from the user on every call."""
    user = get_user(session, username)
    if user.role != role:
        user.role = role
        end_sessions(session, user.id)
    return user


def set_active(session: Session, *, username: str, active: bool) -> User:
    """Activate or deactivate ``username``. Deactivation ends his sessions and revokes his
    tokens at once; activation gives back neither (he logs in again, gets new tokens)."""
    user = get_user(session, username)
    user.active = active
    if not active:
        end_sessions(session, user.id)
        revoke_tokens(session, user.id)
    return user


def tokens_of(session: Session, username: str) -> list[ApiToken]:
    """The API tokens of ``username``, newest first (revoked and expired ones included)."""
    user = get_user(session, username)
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def all_tokens(session: Session) -> list[tuple[ApiToken, str]]:
    """Every API token with its user's name, newest first."""
    rows = session.execute(
        select(ApiToken, User.username)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [(token, name) for token, name in rows]


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke the token ``token_id`` (revoking a revoked token changes nothing)."""
    api_token = session.get(ApiToken, token_id)
    if api_token is None:
        raise NotFound(_("no API token %(id)s", id=token_id))
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
    return api_token


def revoke_tokens(session: Session, user_id: int) -> int:
    """Revoke every live token of the user; the number revoked."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- browser sessions ---


def open_session(session: Session, user: User, *, max_age_seconds: int) -> str:
    """A new browser session for ``user``: the random token for the cookie (only its hash is
    stored). The user's lapsed sessions are cleared on the way."""
    now = utcnow()
    session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=max_age_seconds),
        )
    )
    session.flush()
    return token


def session_user(session: Session, token: str) -> User | None:
    """The active user of the browser session ``token``; None if the session ended, lapsed
    or was never opened, or the user was deactivated."""
    row = session.execute(
        select(User, UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == token_hash(token))
    ).first()
    if row is None:
        return None
    user, expires_at = row
    if expires_at <= utcnow() or not user.active:
        return None
    return user


def close_session(session: Session, token: str) -> None:
    """End the browser session ``token`` (logout)."""
    session.execute(delete(UserSession).where(UserSession.id == token_hash(token)))


def end_sessions(session: Session, user_id: int) -> int:
    """End every browser session of the user; the number ended."""
    result = session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def live_session_counts(session: Session) -> dict[int, int]:
    """Per user id, the browser sessions that have not lapsed."""
    rows = session.execute(
        select(UserSession.user_id, func.count())
        .where(UserSession.expires_at > utcnow())
        .group_by(UserSession.user_id)
    )
    # Not dict(rows.tuples()): a Result has keys(), so dict() would take it for a mapping.
    return {user_id: count for user_id, count in rows}  # noqa: C416


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
    """Return the active user with this password, or raise :class:`NotAuthenticated`.

    An unknown or deactivated user costs a check against a dummy hash, as long as a real
    one: the time of the answer does not tell which usernames exist."""
    user = repository.get_by_username(session, username.strip().lower())
    if user is None or not user.active:
        verify_dummy(password)
        raise NotAuthenticated(_("wrong username or password"))
    if not verify_password(user.password_hash, password):
        raise NotAuthenticated(_("wrong username or password"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def issue_token(session: Session, *, username: str, days: int) -> str:
    """Create a bearer token for ``username`` valid for ``days``; return it (shown once)."""
    user = get_user(session, username)
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


def user_for_token(session: Session, token: str) -> User:
    """The active user a bearer token belongs to, or raise :class:`NotAuthenticated`.

    Checked against the database on every request, the decision API's hot path included (one
    indexed lookup): a revoked token or a deactivated user is refused on the next request by
    every worker (issue 17)."""
    _api_token, user = _check_token(session, token_hash(token))
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
