"""The users resource: any signed-in user reads, only admins change others."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import read_retrying
from ..deps import AdminUser, CurrentUser, ReadSessionDep, SessionDep
from ..idempotency import IdempotencyDep
from ..login_guard import hashing
from ..models import User
from ..queries import UserFilter
from ..schemas import UserCreate, UserOut, UserPage, UserUpdate
from ..security import hash_password

router = APIRouter(prefix="/users", tags=["users"])
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=UserPage)
def list_users(
    session: ReadSessionDep,
    _: CurrentUser,
    where: Annotated[UserFilter, Depends()],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> UserPage:
    def read() -> UserPage:
        total = session.scalar(where.count()) or 0
        rows = session.scalars(
            where.ordered(where.apply(select(User))).limit(limit).offset(offset)
        ).all()
        items = [UserOut.model_validate(r) for r in rows]
        return UserPage(items=items, total=total, limit=limit, offset=offset)

    return read_retrying(session, read)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> User:
    return user


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: UserId, session: ReadSessionDep, _: CurrentUser) -> User:
    user = read_retrying(session, lambda: session.get(User, user_id))
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found")
    return user


def _hashed(password: str | None) -> str | None:
    if not password:
        return None
    with hashing():
        return hash_password(password)


def _conflict(email: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, f"a user with email {email} already exists")


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(
    body: UserCreate, session: SessionDep, _: AdminUser, idem: IdempotencyDep
) -> User | Response:
    if (first := idem.replay()) is not None:
        return first
    user = User(
        email=body.email.lower(),
        full_name=body.full_name,
        active=body.active,
        role=body.role,
        password_hash=_hashed(body.password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _conflict(body.email) from None
    idem.record(status.HTTP_201_CREATED, UserOut.model_validate(user).model_dump(mode="json"))
    session.commit()
    return user


@router.patch("/{user_id}", response_model=UserOut)
def update_user(
    user_id: UserId, body: UserUpdate, session: SessionDep, admin: AdminUser, idem: IdempotencyDep
) -> User | Response:
    if (first := idem.replay()) is not None:
        return first
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found")
    if user.id == admin.id and (body.role not in (None, admin.role) or body.active is False):
        raise HTTPException(
            status.HTTP_409_CONFLICT, "an admin cannot demote or deactivate themselves"
        )
    changes = body.model_dump(exclude_unset=True, exclude={"password"})
    for field, value in changes.items():
        if value is not None:
            setattr(user, field, value)
    if body.password:
        user.password_hash = _hashed(body.password)
        user.token_version += 1
    session.flush()
    idem.record(status.HTTP_200_OK, UserOut.model_validate(user).model_dump(mode="json"))
    session.commit()
    return user


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(
    user_id: UserId, session: SessionDep, admin: AdminUser, idem: IdempotencyDep
) -> Response:
    if (first := idem.replay()) is not None:
        return first
    if user_id == admin.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "an admin cannot delete themselves")
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found")
    session.delete(user)
    idem.record(status.HTTP_204_NO_CONTENT)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
