"""Login: an access token for an email and password."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from ..deps import SessionDep, SettingsDep
from ..login_guard import TooManyLogins, failures, hashing
from ..models import User
from ..schemas import Token
from ..security import create_token, verify_password

router = APIRouter(prefix="/auth", tags=["auth"])

_TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "too many failed logins for this account, or too many at once"}
}


@router.post("/token", response_model=Token, responses=_TOO_MANY)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    email = form.username.strip().lower()
    window = failures()
    wait_s = window.retry_after(email)
    if wait_s > 0:
        raise TooManyLogins("too many failed logins for this account", int(wait_s) + 1)
    user = session.scalar(select(User).where(User.email == email))
    # One argon2 verification whatever happens (no account, inactive, wrong password): the
    # answer takes the same time, so it does not tell which accounts exist.
    with hashing():
        ok = verify_password(form.password, user.password_hash if user else None)
    if user is None or not user.active or not ok:
        window.failed(email)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    window.succeeded(email)
    return Token(
        access_token=create_token(settings, user.id, user.role, user.token_version),
        expires_in=settings.jwt_ttl_seconds,
    )
