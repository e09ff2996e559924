"""The installation's own secrets, generated on first use and kept in its database.

The session cookie's signing key is one (``web/app.py``): an installation without
``VALUECENTER_SECRET_KEY`` draws a random key the first time it starts and reads the same key
on every later start and in every worker, so development keeps its sessions across restarts and
no two installations share a key. The key never appears in the repository or in a setting's
default. Whoever can read the database can read the key, but he can read everything the
sessions protect as well.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Engine, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, UTCDateTime, utcnow
from valuecenter.db.personal import NOT_PERSONAL

SESSION_KEY = "session_signing_key"


class InstallSecret(Base):
    """One named random secret of this installation."""

    __tablename__ = "install_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True, info=NOT_PERSONAL)
    value: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def install_secret(engine: Engine, name: str = SESSION_KEY) -> str:
    """The secret ``name``, drawn at random (384 bits) and stored on first use.

    Workers starting at once may each draw one: ``INSERT … ON CONFLICT DO NOTHING`` keeps the
    first, and every worker reads back the one that was kept."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(InstallSecret)
        .values(name=name, value=secrets.token_urlsafe(48), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    with engine.begin() as conn:
        value = conn.scalar(select(InstallSecret.value).where(InstallSecret.name == name))
        if value is None:
            conn.execute(statement)
            value = conn.scalar(select(InstallSecret.value).where(InstallSecret.name == name))
    assert value is not None
    return value
