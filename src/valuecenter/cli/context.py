"""What every command needs: the settings and a session factory on a current schema."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import ensure_current
from valuecenter.errors import InvalidInput
from valuecenter.settings import Settings, get_settings


def settings() -> Settings:
    """The process settings; a bad ``VALUECENTER_*`` value is one line naming the variable."""
    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = f"VALUECENTER_{str(first['loc'][0]).upper()}" if first["loc"] else ""
        raise InvalidInput(field, first["msg"].removeprefix("Value error, ")) from None


def engine(*, check_schema: bool = True) -> Engine:
    """The engine of ``VALUECENTER_DATABASE_URL``; refuses a schema behind the code."""
    eng = make_engine(settings().database_url)
    if check_schema:
        ensure_current(eng)
    return eng


def sessions(*, check_schema: bool = True) -> sessionmaker[Session]:
    return make_sessionmaker(engine(check_schema=check_schema))
