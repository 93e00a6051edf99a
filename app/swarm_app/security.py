"""Password hashing (argon2) and access tokens (JWT, HS256)."""

from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .settings import Settings

_hasher = PasswordHasher()
ALGORITHM = "HS256"
# Verified when the account does not exist, so a wrong email costs the same time as a wrong
# password (no timing oracle for which accounts exist).
_DUMMY_HASH = _hasher.hash("swarm-lab: no such account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Always runs one argon2 verification, whether or not there is a hash to check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def _secret(settings: Settings) -> str:
    if settings.jwt_secret is None:
        raise RuntimeError("APP_JWT_SECRET or APP_JWT_SECRET_FILE must be set")
    return settings.jwt_secret.get_secret_value()


def create_token(
    settings: Settings, user_id: int, role: str, version: int = 0, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": role,
        "ver": version,
        "iat": issued,
        "exp": issued + timedelta(seconds=settings.jwt_ttl_seconds),
    }
    return jwt.encode(claims, _secret(settings), algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str) -> tuple[int, int] | None:
    """The user id and token version of a valid, unexpired token, or None."""
    try:
        claims = jwt.decode(
            token, _secret(settings), algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
        return int(claims["sub"]), int(claims.get("ver", 0))
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
