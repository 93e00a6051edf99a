"""The application factory."""

from fastapi import FastAPI

from . import __version__, observability
from .routers import health, users
from .settings import get_settings


def create_app() -> FastAPI:
    settings = get_settings()
    observability.configure_logging(settings.log_level)
    app = FastAPI(title="swarm-lab API", version=__version__)
    observability.install(app)
    app.include_router(health.router)
    app.include_router(users.router)
    return app
