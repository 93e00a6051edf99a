"""Owns the database engine and hands out sessions."""

from collections.abc import Iterator
from functools import lru_cache

import psycopg
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from .settings import get_settings


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    conninfo = settings.conninfo()
    return create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(conninfo),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        # A connection to a member that is gone (failover) is found and replaced before use.
        pool_pre_ping=True,
        pool_recycle=300,
    )


@lru_cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def get_session() -> Iterator[Session]:
    with _session_factory()() as session:
        yield session
