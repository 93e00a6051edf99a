"""Errors as answers: an unreachable or busy database is a 503 the client may retry; a database
error that is a bug (a bad query, a missing column) is a 500 that is logged with its trace."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .login_guard import TooManyLogins

log = logging.getLogger("swarm_app.errors")

# SQLSTATEs that pass: connection lost (08), serialization/deadlock (40001, 40P01), read-only
# transaction on a demoted primary (25006), statement cancelled or server shutting down
# (57014, 57P0x), insufficient resources (53).
_TRANSIENT = ("08", "40001", "40P01", "25006", "57014", "57P01", "57P02", "57P03", "53")


def transient(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if not sqlstate:
        # No SQLSTATE: the driver never reached the server (refused, timeout, TLS).
        return isinstance(exc, OperationalError)
    return str(sqlstate).startswith(_TRANSIENT)


def _retry(detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "1"})


def install(app: FastAPI) -> None:
    @app.exception_handler(PoolTimeout)
    async def overloaded(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("database pool exhausted")
        return _retry("overloaded, retry shortly")

    @app.exception_handler(DataError)
    async def unstorable_value(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character, which Postgres text cannot hold: the client's input, not a fault.
        return JSONResponse(
            {"detail": "the request holds a value the database cannot store (a NUL character?)"},
            status_code=400,
        )

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        error = type(exc.orig).__name__
        sqlstate = getattr(exc.orig, "sqlstate", None)
        fields = {
            "error": error,
            "sqlstate": sqlstate,
            "method": request.method,
            "path": request.url.path,
            # The driver's first line ("server closed the connection unexpectedly", ...).
            "reason": (str(exc.orig).splitlines() or [""])[0],
        }
        if transient(exc):
            log.warning("database unavailable", extra={"fields": fields})
            return _retry("database unavailable, retry shortly")
        log.error("database error (a bug)", exc_info=exc, extra={"fields": fields})
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.exception_handler(TooManyLogins)
    async def too_many_logins(request: Request, exc: TooManyLogins) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.reason},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after_s)},
        )
