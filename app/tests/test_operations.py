import os
import time

import psycopg
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from swarm_app import db, settings
from swarm_app.bootstrap import ensure_admin
from swarm_app.main import create_app

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, _admin_conninfo, alembic_config


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


def test_ready_while_the_schema_is_ahead_but_not_behind(migrated: str) -> None:
    """Expand then contract: the old version stays ready on a newer version's schema (a revision
    it does not know), and is not ready on a schema behind its own head."""
    from sqlalchemy import text

    from swarm_app.db import get_engine

    with TestClient(create_app()) as c:
        with get_engine().begin() as conn:
            conn.execute(text("update alembic_version set version_num = '9999_newer'"))
        ahead = c.get("/health/ready")
        with get_engine().begin() as conn:
            conn.execute(text("update alembic_version set version_num = '0003'"))
        behind = c.get("/health/ready")
    assert ahead.status_code == 200, ahead.text
    assert behind.status_code == 503
    assert behind.json()["database"] == "migrations not at head"


def test_ready_is_503_when_database_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_DB_HOSTS", "127.0.0.1")
    monkeypatch.setenv("APP_DB_PORT", "1")
    monkeypatch.setenv("APP_DB_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("APP_DB_CONNECT_RETRY_SECONDS", "0")
    settings.get_settings.cache_clear()
    db.reset_caches()
    try:
        with TestClient(create_app()) as c:
            r = c.get("/health/ready")
            live = c.get("/health/live")
            monkeypatch.setenv("APP_JWT_SECRET", "x")
            settings.get_settings.cache_clear()
            login = c.post("/auth/token", data={"username": "a@b.org", "password": "whatever1"})
    finally:
        settings.get_settings.cache_clear()
        db.reset_caches()
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"
    assert live.status_code == 200
    assert login.status_code == 503
    assert login.json()["detail"] == "database unavailable, retry shortly"


def test_reads_go_on_while_no_member_accepts_writes(
    anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failover: no member accepts writes, the read hosts still answer."""
    login = {"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    token = anonymous.post("/auth/token", data=login).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    # This server is a primary, so "standby" is never met: no member for writes. Reads use
    # their own hosts (prefer-standby), which this server answers.
    monkeypatch.setenv("APP_DB_READ_HOSTS", os.environ["APP_TEST_DB_HOST"])
    monkeypatch.setenv("APP_DB_TARGET_SESSION_ATTRS", "standby")
    monkeypatch.setenv("APP_DB_CONNECT_RETRY_SECONDS", "0")
    settings.get_settings.cache_clear()
    db.reset_caches()
    with TestClient(create_app()) as c:
        ready = c.get("/health/ready")
        listed = c.get("/users?limit=5", headers=auth)
        created = c.post("/users", json={"email": "new@lab.localhost"}, headers=auth)
    assert ready.status_code == 200, ready.text
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] >= 1
    assert created.status_code == 503, created.text
    assert created.headers["Retry-After"] == "1"


def test_migrations_up_and_down(database: str) -> None:
    config = alembic_config()
    command.upgrade(config, "head")
    assert "users" in inspect(db.get_engine()).get_table_names()
    command.downgrade(config, "base")
    assert "users" not in inspect(db.get_engine()).get_table_names()
    command.upgrade(config, "head")
    assert "users" in inspect(db.get_engine()).get_table_names()


def test_migrate_upgrades_a_schema_behind_and_leaves_one_ahead(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The migrate job: from nothing (or behind) to head; a newer version's revision untouched."""
    from sqlalchemy import text

    from swarm_app import migrate

    assert migrate.main() == 0
    assert "users" in inspect(db.get_engine()).get_table_names()
    with db.get_engine().begin() as conn:
        conn.execute(text("update alembic_version set version_num = '9999_newer'"))
    assert migrate.main() == 0
    assert "newer than this version's head" in capsys.readouterr().out
    with db.get_engine().connect() as conn:
        version = conn.execute(text("select version_num from alembic_version")).scalar()
    assert version == "9999_newer"


def test_the_running_version_serves_on_the_example_expand_migration(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """migrations/examples/e0001 (a nullable column) applied over this version's head: this version
    stays ready, reads and writes users, and its migrate job leaves the newer schema alone."""
    from swarm_app import migrate

    config = alembic_config()
    config.set_main_option(
        "version_locations",
        f"{config.get_main_option('script_location')}/versions "
        f"{config.get_main_option('script_location')}/examples",
    )
    command.upgrade(config, "e0001")
    columns = {c["name"] for c in inspect(db.get_engine()).get_columns("users")}
    assert "nickname" in columns
    assert client.get("/health/ready").status_code == 200
    created = client.post("/users", json={"email": "expand@example.org"})
    assert created.status_code == 201, created.text
    listed = client.get("/users?limit=100")
    assert listed.status_code == 200
    assert "expand@example.org" in listed.text
    assert migrate.main() == 0
    assert "newer than this version's head" in capsys.readouterr().out


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/health/live", headers={"X-Request-Id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = client.get("/health/live").headers["x-request-id"]
    assert len(generated) == 32


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    client.get("/users")
    client.get("/users/424242")
    text = client.get("/metrics").text
    assert 'app_db_pool_connections{state="idle"}' in text
    assert 'app_http_requests_total{method="GET",route="/users",status="200"}' in text
    assert 'app_http_requests_total{method="GET",route="/users/{user_id}",status="404"}' in text
    assert 'app_info{version="0.1.0"}' in text


def test_metrics_method_label_is_bounded(client: TestClient) -> None:
    """A made-up method is counted as "other": no label per string a client invents."""
    for i in range(3):
        client.request(f"BREW{i}", "/users")
    text = client.get("/metrics").text
    assert 'app_http_requests_total{method="other",route="unmatched",status="405"} 3.0' in text
    assert "BREW" not in text


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


def test_body_size_limit_is_413(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_MAX_BODY_BYTES", "2048")
    settings.get_settings.cache_clear()
    with TestClient(create_app()) as small:
        small.headers.update(client.headers)
        big = small.post(
            "/users/import",
            content=b"email\n" + b"a@x.org\n" * 1000,
            headers={"content-type": "text/csv"},
        )
        assert big.status_code == 413

        def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield b"x" * 500

        streamed = small.post(
            "/users/import", content=chunks(), headers={"content-type": "text/csv"}
        )
        assert streamed.status_code == 413
        assert small.post("/users", json={"email": "ok@x.org"}).status_code == 201


def test_cors_closed_by_default_and_opened_by_settings(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in client.options("/users", headers=preflight).headers
    monkeypatch.setenv("APP_CORS_ORIGINS", '["https://ui.lab.localhost"]')
    settings.get_settings.cache_clear()
    with TestClient(create_app()) as c:
        ok = c.options("/users", headers={**preflight, "Origin": "https://ui.lab.localhost"})
        assert ok.headers["access-control-allow-origin"] == "https://ui.lab.localhost"
        assert "access-control-allow-origin" not in c.options("/users", headers=preflight).headers


def test_runtime_role_cannot_alter_tables(migrated: str) -> None:
    import psycopg
    from alembic import command as alembic_command

    from .conftest import _admin_conninfo

    role = f"rt_{migrated}"
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        conn.execute(f"create role {role} login password 'rt-password'")
    try:
        import os

        os.environ["APP_DB_RUNTIME_ROLE"] = role
        settings.get_settings.cache_clear()
        alembic_command.upgrade(alembic_config(), "head")  # grants are applied on every run
        with psycopg.connect(
            _admin_conninfo(migrated)
            .replace("user=postgres", f"user={role}")
            .replace("password=''", "password='rt-password'"),
            autocommit=True,
        ) as rt:
            rt.execute("insert into users (email) values ('rt@x.org')")
            assert rt.execute("select count(*) from users").fetchone() == (1,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                rt.execute("alter table users add column evil text")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                rt.execute("drop table users")
    finally:
        os.environ.pop("APP_DB_RUNTIME_ROLE", None)
        settings.get_settings.cache_clear()
        with psycopg.connect(_admin_conninfo(migrated), autocommit=True) as conn:
            conn.execute(f"drop owned by {role}")
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            conn.execute(f"drop role {role}")


def test_bootstrap_creates_the_admin_once(migrated: str) -> None:
    assert ensure_admin() is True
    assert ensure_admin() is False


def test_concurrent_reads_do_not_exhaust_the_pool(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request uses one connection: more concurrent reads than the pool holds still succeed."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("APP_DB_POOL_SIZE", "1")
    settings.get_settings.cache_clear()
    db.reset_caches()
    with TestClient(create_app()) as c:
        c.headers.update(client.headers)
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: c.get("/users?limit=5").status_code, range(40)))
    assert statuses == [200] * 40


def test_ready_is_503_while_draining(
    client: TestClient, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    flag = tmp_path / "draining"
    monkeypatch.setattr(settings.get_settings(), "drain_file", flag)
    assert client.get("/health/ready").status_code == 200
    flag.touch()
    r = client.get("/health/ready")
    assert r.status_code == 503
    assert r.json()["status"] == "draining"
    assert client.get("/health/live").status_code == 200


def test_connect_retries_until_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    calls: list[float] = []

    def refuse(conninfo: str) -> None:
        calls.append(time.monotonic())
        raise psycopg.OperationalError("no primary")

    monkeypatch.setattr(psycopg, "connect", refuse)
    start = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        db.connect_retrying("host=x", within_s=0.5, pause_s=0.1)
    assert 4 <= len(calls) <= 7
    assert 0.4 <= time.monotonic() - start < 1.0


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("WHERE users.id =", id="token's user lookup"),
        pytest.param("count(", id="the listing"),
    ],
)
def test_a_read_survives_its_member_going_away_mid_request(
    client: TestClient, statement: str
) -> None:
    """The member under a GET goes away while the request runs (its server process ends, as in a
    failover): the read is tried again on a fresh connection and answers 200, not a 503."""
    from sqlalchemy import event

    engine = db.get_read_engine()
    terminated: list[int] = []

    def kill_backend(conn, cursor, sql, params, context, executemany) -> None:
        if terminated or statement not in sql:
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
            admin.execute("select pg_terminate_backend(%s, 5000)", (pid,))
        terminated.append(pid)

    event.listen(engine, "before_cursor_execute", kill_backend)
    try:
        r = client.get("/users?limit=5")
    finally:
        event.remove(engine, "before_cursor_execute", kill_backend)
    assert len(terminated) == 1, "the fault was never injected"
    assert r.status_code == 200, r.text
    assert r.json()["total"] >= 1
