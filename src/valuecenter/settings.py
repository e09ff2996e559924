"""Settings: one class, read once at start-up from ``VALUECENTER_*`` variables and passed down.

The session cookie's signing key has no default: unset, each installation draws a random
one on first start and keeps it in its database (``db/secrets.py``); set, it must be at least
32 characters. ``cookie_secure`` unset means "Secure in production".
``display_timezone`` is the IANA zone pages show times in; the database and the API stay UTC.
``default_language`` is the pages' language when neither the user nor the browser names one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from valuecenter.channels import CONTACT_CHANNELS
from valuecenter.i18n import LOCALES, _, normalize

# The databases the product runs on, with the drivers it installs (``postgres://`` and
# ``postgresql://`` URLs are read with psycopg 3, as ``db.engine.normalize_url`` does).
DATABASE_DRIVERS: dict[str, tuple[str | None, ...]] = {
    "sqlite": (None, "pysqlite"),
    "postgres": (None,),
    "postgresql": (None, "psycopg"),
}
DATABASE_URL_EXAMPLES = "sqlite:///./valuecenter.db or postgresql+psycopg://user@host/dbname"
MIN_SECRET_LENGTH = 32
CONTACT_CHANNEL_NAMES = tuple(c.value for c in CONTACT_CHANNELS)
DEFAULT_CHANNEL_MINUTE_COST_CENTS: dict[str, int] = {
    "phone": 100,
    "chat": 50,
    "email": 100,
    "webcare": 100,
    "sms": 100,
    "fax": 100,
    "self-service": 5,
}
MAX_MINUTE_COST_CENTS = 100_000


class Settings(BaseSettings):
    """Everything configurable about a valuecenter installation."""

    model_config = SettingsConfigDict(env_prefix="VALUECENTER_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./valuecenter.db"
    # The session cookie's signing key; unset or empty: a random key drawn on first start and
    # kept in the database (db/secrets.py), the same for every worker and restart.
    secret_key: str | None = None
    session_max_age_seconds: int = Field(default=8 * 3600, gt=0)
    token_max_age_days: int = Field(default=90, gt=0)
    page_size_max: int = Field(default=200, gt=0)
    # The session cookie's Secure flag; unset: on when environment is production.
    cookie_secure: bool | None = None
    # Request bodies larger than this are refused with 413 before they are read
    # (web/body_limit.py).
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Login throttling (users/throttle.py): failures of one username, and of one client
    # address, before a lock-out; the first lock-out's length, doubled with each further
    # failure up to the maximum; a key's failures are forgotten after a quiet day.
    login_user_failures: int = Field(default=5, ge=1)
    login_address_failures: int = Field(default=20, ge=1)
    login_lockout_seconds: float = Field(default=60.0, gt=0)
    login_lockout_max_seconds: float = Field(default=3600.0, gt=0)
    login_forget_seconds: float = Field(default=86400.0, gt=0)
    # The importer refuses a date more than this many days after today (and any before 1900):
    # an order dated 9999-12-31 is a typo, and would break every date computation after it.
    import_horizon_days: int = Field(default=365, ge=0, le=36_500)
    display_timezone: str = "Europe/Amsterdam"
    # The pages' language when neither the user's own setting nor the browser's
    # Accept-Language names one the product speaks (web/locale.py).
    default_language: Literal["en", "nl"] = "en"
    # The language of the CLI's output ("nl" or "en"); unset: the locale of the shell
    # (LC_ALL, LC_MESSAGES, LANG), else English (valuecenter/cli/language.py).
    language: str | None = None
    # The six value segments (valuecenter/value/segments.toml when unset).
    segments_file: Path | None = None
    # The share of save-desk cases assigned at random to the control group (standard
    # handling, no offer), so the desk's effect is measured (docs/retention.md).
    save_control_share: float = Field(default=0.1, ge=0.0, lt=1.0)
    # A detractor answer older than this many days when it is imported gets an expired
    # follow-up task (counted, no call asked): the closed loop (quality/followups.py).
    followup_max_age_days: int = Field(default=30, ge=1, le=3650)
    # How often a worker checks whether the action catalogue or the propensity models
    # changed (seconds): a manager's change reaches every worker within this time.
    nba_engine_ttl_seconds: float = Field(default=2.0, ge=0.0, le=3600.0)
    # Database connections per worker process (PostgreSQL), and the requests a worker runs at
    # once: fewer than its connections, so a burst queues instead of deadlocking the thread
    # pool against the connection pool (web/limits.py). A worker is one interpreter lock: more
    # requests at once than a few only contend for it (bench/nba_bench.py on 2 cores, 200
    # decisions/s: server CPU 4.9 ms a request with 16 at once, 3.6–4.6 ms with 2–4; p99
    # 29–58 ms against 14–20 ms).
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    max_concurrent_requests: int = Field(default=4, ge=1, le=400)
    # Load shedding (web/limits.py): past ``max_concurrent_requests``, at most this many
    # requests of a worker wait their turn, each at most ``max_queue_wait_ms``; any other is
    # answered 503 with ``Retry-After: overload_retry_after_seconds`` at once, so the
    # accepted ones keep their latency and the service recovers by itself when the load
    # falls (bench/overload_bench.py, docs/benchmarks.md "Overload").
    # How long opening a PostgreSQL connection may take before the request gets 503
    # (db/engine.py); the pool tests each connection before use, so a restarted database
    # is picked up by the next request.
    db_connect_timeout_seconds: int = Field(default=5, ge=1, le=300)
    max_queued_requests: int = Field(default=8, ge=0, le=10_000)
    max_queue_wait_ms: int = Field(default=100, ge=1, le=600_000)
    overload_retry_after_seconds: int = Field(default=1, ge=1, le=3600)
    # The cost of one handle minute (talk + hold + wrap) per contact channel, in whole cents
    # (docs/service.md, "Contact reasons and cost-to-serve"). The defaults are placeholders of
    # the right order of magnitude, to be set per company: about one euro per agent minute
    # (the commonly quoted "$1 per minute" of a contact centre, wages, overhead, systems and
    # shrinkage loaded), half of that for chat (an agent holds about two chats at once), a
    # few cents for a self-service or IVR minute (systems only). As JSON, e.g.
    # VALUECENTER_CHANNEL_MINUTE_COST_CENTS='{"phone": 85, "chat": 45}'; a channel left out
    # keeps its default.
    channel_minute_cost_cents: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_CHANNEL_MINUTE_COST_CENTS)
    )
    # The avoidable-contact rules (YAML or JSON, analytics/contact_reasons.py parse_rules);
    # unset: the rules in code (an order through an agent that could have gone online, "where
    # is my order", repeat contacts).
    avoidable_rules_file: Path | None = None

    @model_validator(mode="after")
    def _requests_fit_the_pool(self) -> Settings:
        if self.max_concurrent_requests > self.db_pool_size + self.db_max_overflow:
            raise ValueError(
                "VALUECENTER_MAX_CONCURRENT_REQUESTS must not exceed "
                "VALUECENTER_DB_POOL_SIZE + VALUECENTER_DB_MAX_OVERFLOW"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        """A URL SQLAlchemy can parse, of SQLite or PostgreSQL with the installed driver:
        anything else would fail later with a traceback from deep inside SQLAlchemy."""
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            raise ValueError(
                _(
                    "%(value)r is not a database URL; use %(examples)s",
                    value=re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", value),  # no password shown
                    examples=DATABASE_URL_EXAMPLES,
                )
            ) from None
        backend, _plus, driver = url.drivername.partition("+")
        if backend not in DATABASE_DRIVERS or (driver or None) not in DATABASE_DRIVERS[backend]:
            raise ValueError(
                _(
                    "%(driver)r is not supported: valuecenter runs on SQLite or PostgreSQL "
                    "(psycopg); use %(examples)s",
                    driver=url.drivername,
                    examples=DATABASE_URL_EXAMPLES,
                )
            )
        return value

    @field_validator("channel_minute_cost_cents")
    @classmethod
    def _known_channels(cls, value: dict[str, int]) -> dict[str, int]:
        """Known contact channels only, each 0 to 1,000 euros a minute; the others keep
        their defaults."""
        unknown = sorted(set(value) - set(CONTACT_CHANNEL_NAMES))
        if unknown:
            raise ValueError(
                _(
                    "unknown channel %(names)s; use %(choices)s",
                    names=", ".join(unknown),
                    choices=", ".join(CONTACT_CHANNEL_NAMES),
                )
            )
        if any(not 0 <= cents <= MAX_MINUTE_COST_CENTS for cents in value.values()):
            raise ValueError(
                _("a cost per minute must be 0 to %(max)s cents", max=MAX_MINUTE_COST_CENTS)
            )
        return {**DEFAULT_CHANNEL_MINUTE_COST_CENTS, **value}

    @field_validator("language")
    @classmethod
    def _spoken_language(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        language = normalize(value)
        if language is None:
            raise ValueError(
                _(
                    "unknown language %(value)r; use one of %(choices)s",
                    value=value,
                    choices=", ".join(LOCALES),
                )
            )
        return language

    @field_validator("display_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Amsterdam or UTC"
            ) from None
        return value

    @field_validator("secret_key")
    @classmethod
    def _refuse_short_secret(cls, value: str | None) -> str | None:
        """An empty key means none (a random one is drawn); a short one is refused in every
        environment: a guessable key lets anyone sign a session cookie."""
        if value is None or not value.strip():
            return None
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                _(
                    "must be a random value of at least %(n)s characters, or unset (then a "
                    "random key is drawn and kept in the database)",
                    n=MIN_SECRET_LENGTH,
                )
            )
        return value

    @property
    def display_zone(self) -> ZoneInfo:
        """The zone of ``display_timezone`` (validated at start-up)."""
        return ZoneInfo(self.display_timezone)

    @property
    def secure_cookie(self) -> bool:
        """Whether the session cookie carries ``Secure``: as set, else in production."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
