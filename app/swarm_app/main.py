"""The application factory."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from . import __version__, docs, errors, observability
from .limits import BodySizeLimit
from .routers import auth, bulk, health, users
from .settings import get_settings


def create_app() -> FastAPI:
    settings = get_settings()
    observability.configure_logging(settings.log_level)
    app = FastAPI(
        title="swarm-lab API",
        version=__version__,
        description="Users backed by Postgres: the service the lab deploys, breaks and restores.",
        # Served by docs.py from the image, under a Content-Security-Policy (no CDN, no ReDoc).
        docs_url=None,
        redoc_url=None,
    )
    observability.install(app)
    errors.install(app)
    docs.install(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(bulk.router)  # before users: /users/export.csv is not /users/{id}
    app.include_router(users.router)
    if settings.cors_origins:  # closed unless origins are listed
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
