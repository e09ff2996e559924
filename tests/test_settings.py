"""Settings: no built-in secret key, short keys refused everywhere, the Secure cookie in
production, the environment read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from valuecenter.settings import Settings


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_a_short_secret_is_refused_in_every_environment(environment: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(environment=environment, secret_key="short-secret")  # type: ignore[arg-type]


def test_there_is_no_built_in_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset or empty, the key is None: the app draws the installation's own (db/secrets.py)."""
    monkeypatch.delenv("VALUECENTER_SECRET_KEY", raising=False)
    assert Settings(environment="development").secret_key is None
    assert Settings(environment="production", secret_key="").secret_key is None
    assert Settings(environment="production", secret_key="x" * 48).secret_key == "x" * 48


def test_the_cookie_is_secure_in_production_unless_turned_off() -> None:
    assert Settings(environment="production").secure_cookie
    assert not Settings(environment="production", cookie_secure=False).secure_cookie
    assert not Settings(environment="development").secure_cookie
    assert Settings(environment="development", cookie_secure=True).secure_cookie


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
