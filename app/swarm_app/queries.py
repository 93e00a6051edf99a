"""Filtering and sorting of users, shared by the list and the CSV export."""

from typing import Annotated, Literal

from fastapi import Query
from sqlalchemy import Select, func, select

from .models import Role, User

SortKey = Literal["id", "-id", "email", "-email", "created_at", "-created_at"]


class UserFilter:
    def __init__(
        self,
        q: Annotated[
            str | None, Query(max_length=100, description="part of the email or name")
        ] = None,
        active: bool | None = None,
        role: Role | None = None,
        sort: SortKey = "id",
    ) -> None:
        self.q, self.active, self.role, self.sort = q, active, role, sort

    def apply(self, stmt: Select[tuple[User]]) -> Select[tuple[User]]:
        if self.q:
            pattern = (
                "%"
                + self.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            stmt = stmt.where(
                func.lower(User.email).like(pattern, escape="\\")
                | func.lower(User.full_name).like(pattern, escape="\\")
            )
        if self.active is not None:
            stmt = stmt.where(User.active == self.active)
        if self.role is not None:
            stmt = stmt.where(User.role == self.role)
        return stmt

    def ordered(self, stmt: Select[tuple[User]]) -> Select[tuple[User]]:
        column = getattr(User, self.sort.lstrip("-"))
        order = column.desc() if self.sort.startswith("-") else column.asc()
        return stmt.order_by(order, User.id.asc())

    def count(self) -> Select[tuple[int]]:
        base = self.apply(select(User))
        return select(func.count()).select_from(base.subquery())
