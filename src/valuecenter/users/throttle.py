"""Login throttling shared by every worker: failed logins are counted in the database per
username and per client address, with an exponentially growing lock-out.

A key (``user:NAME`` or ``addr:IP``) is locked once its failures reach its limit (a username
5, an address 20 by default: one office behind one address has many users); the lock lasts
``lockout`` seconds, doubled with each further failure, at most ``lockout_max``. A key's
count starts again after ``forget`` seconds without a failure, and a successful login clears
its username's count (not its address's: one known password must not reset a spraying
address). While either key is locked every attempt is refused with the same answer, right
password or not, and without checking the password. Unknown usernames are counted like known
ones, so the throttle tells nothing about which exist (OWASP Authentication Cheat Sheet,
"Account lockout"; NIST SP 800-63B §5.2.2, rate limiting).

The count is one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on SQLite and
PostgreSQL alike, so two workers never lose each other's failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from valuecenter.db.base import utcnow
from valuecenter.users.models import LoginFailures

KEY_MAX = 300


@dataclass(frozen=True)
class ThrottleRules:
    user_failures: int = 5
    address_failures: int = 20
    lockout_seconds: float = 60.0
    lockout_max_seconds: float = 3600.0
    forget_seconds: float = 86400.0

    def lockout(self, failures: int, limit: int) -> timedelta | None:
        """The lock-out after the ``failures``-th failure of a key whose limit is ``limit``."""
        if failures < limit:
            return None
        seconds = self.lockout_seconds * 2.0 ** min(failures - limit, 30)
        return timedelta(seconds=min(seconds, self.lockout_max_seconds))


def user_key(username: str) -> str:
    return ("user:" + username.strip().lower())[:KEY_MAX]


def address_key(address: str | None) -> str | None:
    return ("addr:" + address)[:KEY_MAX] if address else None


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    """(key, kind) for the username and, when known, the client address."""
    keys = [(user_key(username), "user")]
    addr = address_key(address)
    if addr is not None:
        keys.append((addr, "address"))
    return keys


def locked(
    session: Session, username: str, address: str | None, now: datetime | None = None
) -> bool:
    """Whether the username or the address is locked out now."""
    now = now or utcnow()
    keys = [key for key, _kind in _keys(username, address)]
    until = session.scalars(
        select(LoginFailures.locked_until).where(
            LoginFailures.key.in_(keys), LoginFailures.locked_until > now
        )
    ).first()
    return until is not None


def failed(
    session: Session,
    username: str,
    address: str | None,
    rules: ThrottleRules,
    now: datetime | None = None,
) -> None:
    """Count a failed login against the username and the address; lock those at their limit."""
    now = now or utcnow()
    forget_before = now - timedelta(seconds=rules.forget_seconds)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for key, kind in _keys(username, address):
        values = insert(LoginFailures).values(
            key=key, failures=1, last_failure_at=now, locked_until=None
        )
        statement = values.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case(
                    (LoginFailures.last_failure_at < forget_before, 1),
                    else_=LoginFailures.failures + 1,
                ),
                "last_failure_at": now,
            },
        ).returning(LoginFailures.failures)
        failures = int(session.execute(statement).scalar_one())
        limit = rules.user_failures if kind == "user" else rules.address_failures
        lockout = rules.lockout(failures, limit)
        if lockout is not None:
            row = session.get(LoginFailures, key, populate_existing=True)
            assert row is not None
            row.locked_until = now + lockout
    session.flush()


def succeeded(session: Session, username: str) -> None:
    """A successful login clears the username's count (the address keeps its own)."""
    session.execute(delete(LoginFailures).where(LoginFailures.key == user_key(username)))
