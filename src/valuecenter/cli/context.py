"""What every command needs: the settings and a session factory on a current schema."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import ensure_current
from valuecenter.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


def engine(*, check_schema: bool = True) -> Engine:
    """The engine of ``VALUECENTER_DATABASE_URL``; refuses a schema behind the code."""
    eng = make_engine(settings().database_url)
    if check_schema:
        ensure_current(eng)
    return eng


def sessions(*, check_schema: bool = True) -> sessionmaker[Session]:
    return make_sessionmaker(engine(check_schema=check_schema))
