"""Bulk import (CSV or JSON) and CSV export of users. Admins only."""

import csv
import io
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import select

from ..bulk import CSV_COLUMNS, ImportFormatError, csv_cell, parse_import
from ..deps import AdminUser, ReadSessionDep, SessionDep, SettingsDep
from ..models import User
from ..queries import UserFilter
from ..schemas import ImportReport, RowError

router = APIRouter(prefix="/users", tags=["bulk"])

_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "email": {"type": "string"},
                            "full_name": {"type": "string"},
                            "active": {"type": "boolean"},
                            "role": {"type": "string", "enum": ["admin", "user"]},
                        },
                    },
                }
            },
        },
    }
}


@router.post(
    "/import",
    response_model=ImportReport,
    openapi_extra=_IMPORT_BODY,
    responses={
        422: {"model": ImportReport, "description": "atomic import refused: nothing created"}
    },
)
async def import_users(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminUser,
    atomic: Annotated[bool, Query(description="all rows or none")] = True,
) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    if not any(t in content_type for t in ("text/csv", "application/json")):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send text/csv or application/json"
        )
    try:
        text = (await request.body()).decode("utf-8")
        parsed = parse_import(text, content_type, settings.max_import_rows)
    except UnicodeDecodeError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body must be UTF-8 text") from None
    except ImportFormatError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    emails = [u.email.lower() for _, u in parsed.valid]
    existing = (
        set(session.scalars(select(User.email).where(User.email.in_(emails))).all())
        if emails
        else set()
    )
    errors = list(parsed.errors)
    to_create = []
    for number, user in parsed.valid:
        if user.email.lower() in existing:
            errors.append(
                RowError(row=number, field="email", message="a user with this email already exists")
            )
        else:
            to_create.append(
                User(
                    email=user.email.lower(),
                    full_name=user.full_name,
                    active=user.active,
                    role=user.role,
                )
            )
    errors.sort(key=lambda e: e.row)
    if atomic and errors:
        report = ImportReport(created=0, errors=errors, atomic=True)
        return JSONResponse(report.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_ENTITY)
    session.add_all(to_create)
    session.commit()
    report = ImportReport(created=len(to_create), errors=errors, atomic=atomic)
    return JSONResponse(
        report.model_dump(),
        status_code=status.HTTP_201_CREATED if to_create else status.HTTP_200_OK,
    )


@router.get(
    "/export.csv", response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}}
)
def export_users(
    session: ReadSessionDep, _: AdminUser, where: Annotated[UserFilter, Depends()]
) -> StreamingResponse:
    rows = session.scalars(where.ordered(where.apply(select(User)))).all()

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(("id", *CSV_COLUMNS, "created_at"))
        for u in rows:
            writer.writerow(
                (
                    u.id,
                    csv_cell(u.email),
                    csv_cell(u.full_name),
                    str(u.active).lower(),
                    u.role,
                    u.created_at.isoformat(),
                )
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv",
        headers={"content-disposition": "attachment; filename=users.csv"},
    )
