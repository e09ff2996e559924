"""Settings refuse unsafe secrets outside development (fastapi/full-stack-fastapi-template rule)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from valuecenter.settings import DEV_SECRET_KEY, Settings


@pytest.mark.parametrize("secret", ["", DEV_SECRET_KEY, "short-secret"])
def test_production_refuses_weak_or_default_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="VALUECENTER_SECRET_KEY"):
        Settings(environment="production", secret_key=secret)


def test_production_accepts_a_long_random_secret() -> None:
    settings = Settings(environment="production", secret_key="x" * 48)
    assert not settings.uses_development_secret


def test_development_allows_the_default_secret_but_says_so() -> None:
    settings = Settings(environment="development")
    assert settings.uses_development_secret


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALUECENTER_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("VALUECENTER_ENVIRONMENT", "test")
    monkeypatch.setenv("VALUECENTER_SECRET_KEY", "k" * 40)
    settings = Settings()
    assert settings.database_url == "sqlite:///elsewhere.db"
    assert settings.environment == "test"


def test_display_timezone_defaults_to_amsterdam_and_refuses_unknown_zones() -> None:
    assert Settings().display_zone.key == "Europe/Amsterdam"
    assert Settings(display_timezone="UTC").display_zone.key == "UTC"
    for bad in ("Mars/Olympus", "", "../../etc/passwd"):
        with pytest.raises(ValidationError, match="unknown time zone"):
            Settings(display_timezone=bad)


def test_bad_setting_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from valuecenter.cli import context
    from valuecenter.errors import InvalidInput
    from valuecenter.settings import get_settings

    monkeypatch.setenv("VALUECENTER_DISPLAY_TIMEZONE", "Mars/Olympus")
    get_settings.cache_clear()
    try:
        with pytest.raises(InvalidInput) as caught:
            context.settings()
    finally:
        get_settings.cache_clear()
    assert str(caught.value) == (
        "VALUECENTER_DISPLAY_TIMEZONE: unknown time zone 'Mars/Olympus'; "
        "use an IANA name such as Europe/Amsterdam or UTC"
    )


def test_requests_in_flight_must_fit_the_connection_pool() -> None:
    """More requests at once than connections would let the thread pool deadlock against the
    connection pool under a burst (web/limits.py)."""
    with pytest.raises(ValidationError, match="VALUECENTER_MAX_CONCURRENT_REQUESTS"):
        Settings(db_pool_size=4, db_max_overflow=2, max_concurrent_requests=7)
    assert Settings(db_pool_size=4, db_max_overflow=2, max_concurrent_requests=6)
