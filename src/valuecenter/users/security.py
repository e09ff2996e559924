"""Password hashing (argon2id) and API token material."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY: dict[tuple[int, int, int], str] = {}


def verify_dummy(password: str) -> None:
    """Check ``password`` against a hash of a random password made with the current
    parameters, for an unknown or deactivated user: the answer takes as long as for a real
    user with a wrong password, so timing does not tell which usernames exist (OWASP
    Authentication Cheat Sheet, "Authentication Responses")."""
    params = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)
    dummy = _DUMMY.get(params)
    if dummy is None:
        dummy = _DUMMY[params] = _hasher.hash(secrets.token_urlsafe(16))
    verify_password(dummy, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_password() -> str:
    """A random password of 20 URL-safe characters (printed once, never stored in clear)."""
    return secrets.token_urlsafe(15)


def new_token() -> str:
    """A random bearer token; only its SHA-256 hash is stored."""
    return "vc_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
