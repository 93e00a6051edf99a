"""Liveness and readiness, used by Docker, Swarm and Traefik."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..db import get_read_engine
from ..migrations_state import migrations_at_head
from ..settings import Settings, get_settings

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
def ready(
    response: Response, settings: Annotated[Settings, Depends(get_settings)]
) -> dict[str, str]:
    """Ready while the task can serve reads: a member answers (a replica first, through the read
    hosts) and the schema is at head.

    The primary is not asked. While there is none (a failover: about the leader's ttl) writes answer
    503 with Retry-After and reads go on from the replica; a readiness that needed the primary
    would make Traefik drop every task at once and fail the reads too.
    """
    if settings.drain_file.exists():
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "draining", "database": "not checked"}
    try:
        with get_read_engine().connect() as conn:
            conn.execute(text("select 1"))
            at_head = migrations_at_head(conn)
    except SQLAlchemyError as exc:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": type(exc.__cause__ or exc).__name__}
    if not at_head:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": "migrations not at head"}
    return {"status": "ok", "database": "ok"}
