"""Tests run against a real Postgres given by APP_TEST_DB_* (scripts/test-app.sh starts one)."""

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient

from swarm_app import db, login_guard, settings
from swarm_app.migrations_state import APP_DIR, _scripts, head_revisions, known_revisions


def _admin_conninfo(dbname: str = "postgres") -> str:
    host = os.environ.get("APP_TEST_DB_HOST")
    if not host:
        pytest.exit("APP_TEST_DB_HOST is not set: run the tests with scripts/test-app.sh", 2)
    port = os.environ.get("APP_TEST_DB_PORT", "5432")
    user = os.environ.get("APP_TEST_DB_USER", "postgres")
    password = os.environ.get("APP_TEST_DB_PASSWORD", "")
    return f"host={host} port={port} user={user} password='{password}' dbname={dbname}"


ADMIN_EMAIL = "admin@lab.localhost"
ADMIN_PASSWORD = "admin-password-for-tests"


def _reset_caches() -> None:
    settings.get_settings.cache_clear()
    db.reset_caches()
    head_revisions.cache_clear()
    known_revisions.cache_clear()
    _scripts.cache_clear()
    login_guard.failures.cache_clear()
    login_guard._slots.cache_clear()


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty database per test, and the app's settings pointing at it."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    monkeypatch.setenv("APP_DB_HOSTS", os.environ["APP_TEST_DB_HOST"])
    monkeypatch.setenv("APP_DB_PORT", os.environ.get("APP_TEST_DB_PORT", "5432"))
    monkeypatch.setenv("APP_DB_USER", os.environ.get("APP_TEST_DB_USER", "postgres"))
    monkeypatch.setenv("APP_DB_PASSWORD", os.environ.get("APP_TEST_DB_PASSWORD", ""))
    monkeypatch.setenv("APP_DB_NAME", name)
    monkeypatch.setenv("APP_JWT_SECRET", "test-secret-" + uuid.uuid4().hex)
    monkeypatch.setenv("APP_ADMIN_EMAIL", ADMIN_EMAIL)
    monkeypatch.setenv("APP_ADMIN_PASSWORD", ADMIN_PASSWORD)
    _reset_caches()
    yield name
    _reset_caches()
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'drop database "{name}" with (force)')


def alembic_config() -> Config:
    config = Config(str(APP_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(APP_DIR / "migrations"))
    return config


@pytest.fixture
def migrated(database: str) -> str:
    command.upgrade(alembic_config(), "head")
    return database


@pytest.fixture
def anonymous(migrated: str) -> Iterator[TestClient]:
    from swarm_app.bootstrap import ensure_admin
    from swarm_app.main import create_app

    ensure_admin()
    with TestClient(create_app()) as c:
        yield c


def login(client: TestClient, email: str, password: str) -> dict[str, str]:
    r = client.post("/auth/token", data={"username": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def client(anonymous: TestClient) -> TestClient:
    """Signed in as the admin."""
    anonymous.headers.update(login(anonymous, ADMIN_EMAIL, ADMIN_PASSWORD))
    return anonymous
