"""A database that cannot be reached is a 503 the client may retry, never a 500."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger("swarm_app.errors")


def install(app: FastAPI) -> None:
    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable", extra={"fields": {"error": type(exc.orig).__name__}})
        return JSONResponse(
            {"detail": "database unavailable, retry shortly"},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(PoolTimeout)
    async def overloaded(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("database pool exhausted")
        return JSONResponse(
            {"detail": "overloaded, retry shortly"}, status_code=503, headers={"Retry-After": "1"}
        )

    @app.exception_handler(DataError)
    async def unstorable_value(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character, which Postgres text cannot hold: the client's input, not a fault.
        return JSONResponse(
            {"detail": "the request holds a value the database cannot store (a NUL character?)"},
            status_code=400,
        )

    @app.exception_handler(DBAPIError)
    async def database_refused(request: Request, exc: DBAPIError) -> JSONResponse:
        # Read-only transaction on a demoted primary, a cancelled statement: transient too.
        log.warning("database error", extra={"fields": {"error": type(exc.orig).__name__}})
        return JSONResponse(
            {"detail": "database temporarily refused the request, retry shortly"},
            status_code=503,
            headers={"Retry-After": "1"},
        )
