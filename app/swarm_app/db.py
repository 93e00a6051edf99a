"""Owns the database engines and hands out sessions."""

import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Annotated, TypeVar

import psycopg
from fastapi import Depends
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .settings import get_settings


def connect_retrying(conninfo: str, within_s: float, pause_s: float = 0.25) -> psycopg.Connection:
    """Connects, trying again for `within_s` seconds. Safe: no statement has been sent yet.

    During a switchover or failover no member accepts writes for a moment; waiting for the new
    primary turns that moment into a slower request instead of a failed one.
    """
    deadline = time.monotonic() + within_s
    while True:
        try:
            return psycopg.connect(conninfo)
        except psycopg.OperationalError:
            if time.monotonic() + pause_s > deadline:
                raise
            time.sleep(pause_s)


def _engine(conninfo: str, pool_size: int, retry_s: float) -> Engine:
    return create_engine(
        "postgresql+psycopg://",
        creator=lambda: connect_retrying(conninfo, retry_s),
        pool_size=pool_size,
        max_overflow=pool_size,
        # Waiting longer than this for a connection is an overload: answer 503, not hang.
        pool_timeout=5,
        # A connection to a member that is gone (failover) is found and replaced before use.
        pool_pre_ping=True,
        pool_recycle=300,
    )


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return _engine(settings.conninfo(), settings.db_pool_size, settings.db_connect_retry_seconds)


@lru_cache
def get_read_engine() -> Engine:
    settings = get_settings()
    if not settings.db_read_hosts:
        return get_engine()
    return _engine(
        settings.read_conninfo(), settings.db_pool_size, settings.db_connect_retry_seconds
    )


@lru_cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@lru_cache
def _read_session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_read_engine(), expire_on_commit=False)


def get_session() -> Iterator[Session]:
    with _session_factory()() as session:
        yield session


def get_read_session(primary: Annotated[Session, Depends(get_session)]) -> Iterator[Session]:
    """A replica's session when reads have their own hosts; otherwise the request's one session.

    One request must never hold two connections of the same pool: under load every request
    would hold one and wait for another, and the pool would deadlock. Sessions connect lazily,
    so the unused primary session costs nothing.
    """
    if get_read_engine() is get_engine():
        yield primary
        return
    with _read_session_factory()() as session:
        yield session


T = TypeVar("T")

# A read that lost its connection is tried again this many times: the first retry meets the
# connection's pool already invalidated (SQLAlchemy drops every connection of a member that went
# away) and connects afresh, to the replica or whichever member answers.
READ_RETRIES = 2


def read_retrying(session: Session, read: Callable[[], T]) -> T:
    """Runs a read, again on a fresh connection when the member under it went away mid-read
    (failover, a member killed): reads are safe to repeat. Writes never come through here."""
    for _ in range(READ_RETRIES):
        try:
            return read()
        except OperationalError:
            session.rollback()
    return read()


def reset_caches() -> None:
    for engine_fn in (get_engine, get_read_engine):
        if engine_fn.cache_info().currsize:
            engine_fn().dispose()
        engine_fn.cache_clear()
    _session_factory.cache_clear()
    _read_session_factory.cache_clear()
