"""Prometheus metrics and JSON logs carrying a request id."""

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    Info,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import Match

from . import __version__

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

REQUESTS = Counter(
    "app_http_requests_total",
    "HTTP requests by route, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "app_http_request_duration_seconds",
    "HTTP request latency by route and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
INFO = Info("app", "Application build information")
INFO.info({"version": __version__})


class PoolCollector(Collector):
    """Connections of the primary's pool: in use and idle, read at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .db import get_engine

        pool = get_engine().pool
        in_use = GaugeMetricFamily(
            "app_db_pool_connections", "Database pool connections", labels=["state"]
        )
        in_use.add_metric(["in_use"], float(getattr(pool, "checkedout", lambda: 0)()))
        in_use.add_metric(["idle"], float(getattr(pool, "checkedin", lambda: 0)()))
        yield in_use


REGISTRY.register(PoolCollector())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True


def _route_of(request: Request) -> str:
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


# The methods HTTP defines; any other (a client may send "FOOBAR1", "FOOBAR2", ...) is "other":
# a label per raw method would let a client grow the metrics without bound.
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


def install(app: FastAPI) -> None:
    log = logging.getLogger("swarm_app.access")

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request.headers.get("x-request-id", "")[:128] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        route = _route_of(request)
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-Id"] = rid
            return response
        finally:
            elapsed = time.perf_counter() - start
            method = method_label(request.method)
            REQUESTS.labels(route, method, str(status)).inc()
            LATENCY.labels(route, method).observe(elapsed)
            log.info(
                "request",
                extra={
                    "fields": {
                        "method": method,
                        "route": route,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    }
                },
            )
            request_id_var.reset(token)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
