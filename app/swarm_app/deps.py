"""Dependencies: sessions and the current user."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from .db import get_read_session, get_session, read_retrying
from .models import Role, User
from .security import decode_token
from .settings import Settings, get_settings

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)

SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_UNAUTHORIZED = HTTPException(
    status.HTTP_401_UNAUTHORIZED,
    "missing, invalid or expired token: get one from POST /auth/token",
    headers={"WWW-Authenticate": "Bearer"},
)


def current_user(
    request: Request,
    primary: SessionDep,
    replica: ReadSessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2)],
) -> User:
    """The token's user, read where the request reads: a GET from the read hosts (so reads go on
    while there is no primary), a write from the primary. Sessions connect lazily: the one not
    used costs nothing. A password change reaches the replica with the commit (synchronous mode),
    so a revoked token is refused there too."""
    claims = decode_token(settings, token) if token else None
    user: User | None = None
    if claims is not None and request.method in ("GET", "HEAD"):
        # A read request is read again on a fresh connection when its member goes away under it.
        user = read_retrying(replica, lambda: replica.get(User, claims[0]))
    elif claims is not None:
        user = primary.get(User, claims[0])
    # A token from before the last password change is refused.
    if user is None or not user.active or claims is None or claims[1] != user.token_version:
        raise _UNAUTHORIZED
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin can do this")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
