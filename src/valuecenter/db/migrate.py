"""Schema migrations: upgrade to head, and the check every command makes before it runs."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from valuecenter.db.engine import normalize_url
from valuecenter.errors import SchemaBehind
from valuecenter.i18n import _

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` that needs no ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(url), revision)


def ensure_current(engine: Engine) -> None:
    """Raise :class:`SchemaBehind` unless the database is at the newest revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        if current is None:
            raise SchemaBehind(_("the database schema is empty: run `valuecenter db upgrade`"))
        raise SchemaBehind(
            _(
                "the database schema is at revision %(current)s, code needs %(head)s: run "
                "`valuecenter db upgrade`",
                current=current,
                head=head,
            )
        )
