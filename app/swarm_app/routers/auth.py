"""Login: an access token for an email and password."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from ..deps import SessionDep, SettingsDep
from ..models import User
from ..schemas import Token
from ..security import create_token, verify_password

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    user = session.scalar(select(User).where(User.email == form.username.strip().lower()))
    if user is None or not user.active or not verify_password(form.password, user.password_hash):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(
        access_token=create_token(settings, user.id, user.role),
        expires_in=settings.jwt_ttl_seconds,
    )
