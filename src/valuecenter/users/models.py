"""Users with roles, and their API tokens (stored as SHA-256 hashes, never in clear)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime, utcnow
from valuecenter.db.personal import NOT_PERSONAL, PERSONAL
from valuecenter.db.types import str_enum


class Role(enum.StrEnum):
    """What a user may see and do. An account manager sees only his own pool."""

    AGENT = "agent"
    ACCOUNT_MANAGER = "account_manager"
    MANAGER = "manager"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, info=PERSONAL)
    full_name: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
    password_hash: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The pages' language chosen by the user ('nl', 'en'); None: the browser's Accept-Language
    # decides (web/locale.py). Checked against valuecenter.i18n.LOCALES by users.service.
    language: Mapped[str | None] = mapped_column(String(8), info=NOT_PERSONAL)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(Base):
    """A browser session: the cookie carries a random session token, this row its SHA-256
    hash. Deleting the row ends the session at once, whatever the cookie says (logout ends
    one; a password change, a role change and deactivation end all of the user's)."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, info=NOT_PERSONAL)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailures(Base):
    """Failed logins of one username (``user:NAME``) or one client address (``addr:IP``),
    shared by every worker (users/throttle.py)."""

    __tablename__ = "login_failures"

    # A username or a client address: personal data of the product's users, not of customers.
    key: Mapped[str] = mapped_column(String(300), primary_key=True, info=PERSONAL)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
