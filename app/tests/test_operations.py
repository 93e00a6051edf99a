import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from swarm_app import db, settings
from swarm_app.main import create_app

from .conftest import alembic_config


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


def test_ready_is_503_before_migrations(database: str) -> None:
    with TestClient(create_app()) as c:
        r = c.get("/health/ready")
    assert r.status_code == 503
    assert r.json()["database"] == "migrations not at head"


def test_ready_is_503_when_database_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_DB_HOSTS", "127.0.0.1")
    monkeypatch.setenv("APP_DB_PORT", "1")
    monkeypatch.setenv("APP_DB_CONNECT_TIMEOUT", "1")
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        with TestClient(create_app()) as c:
            r = c.get("/health/ready")
            live = c.get("/health/live")
    finally:
        settings.get_settings.cache_clear()
        db.get_engine.cache_clear()
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"
    assert live.status_code == 200


def test_migrations_up_and_down(database: str) -> None:
    config = alembic_config()
    command.upgrade(config, "head")
    assert "users" in inspect(db.get_engine()).get_table_names()
    command.downgrade(config, "base")
    assert "users" not in inspect(db.get_engine()).get_table_names()
    command.upgrade(config, "head")
    assert "users" in inspect(db.get_engine()).get_table_names()


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/health/live", headers={"X-Request-Id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = client.get("/health/live").headers["x-request-id"]
    assert len(generated) == 32


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    client.get("/users")
    client.get("/users/424242")
    text = client.get("/metrics").text
    assert 'app_http_requests_total{method="GET",route="/users",status="200"}' in text
    assert 'app_http_requests_total{method="GET",route="/users/{user_id}",status="404"}' in text
    assert 'app_info{version="0.1.0"}' in text


def test_password_read_from_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("APP_DB_PASSWORD", raising=False)
    monkeypatch.setenv("APP_DB_PASSWORD_FILE", str(secret))
    monkeypatch.setenv("APP_DB_HOSTS", "pg1, pg2")
    conninfo = settings.Settings().conninfo()
    assert "password='s3cret'" in conninfo
    assert "host='pg1,pg2'" in conninfo
    assert "port='5432,5432'" in conninfo
    assert "target_session_attrs='read-write'" in conninfo
