"""The API under abuse: failed logins limited, argon2 work bounded, old tokens refused after a
password change, database bugs are 500s (logged), the docs page loads nothing from elsewhere."""

import logging
import re

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import ProgrammingError

from swarm_app import security
from swarm_app.docs import inline_hashes
from swarm_app.errors import transient
from swarm_app.login_guard import FailureWindow, hashing

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, login


def _try(client: TestClient, email: str, password: str) -> int:
    return client.post("/auth/token", data={"username": email, "password": password}).status_code


def test_failed_logins_are_limited_per_account(anonymous: TestClient) -> None:
    codes = [_try(anonymous, ADMIN_EMAIL, f"wrong-{i}") for i in range(8)]
    assert codes == [401] * 5 + [429] * 3
    # Even the right password waits for the window: a guesser learns nothing more.
    r = anonymous.post("/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    # Another account is not locked by the first one's failures.
    assert _try(anonymous, "someone@example.org", "whatever-password") == 401


def test_failure_window_forgets_old_failures_and_bounds_its_memory() -> None:
    now = [0.0]
    w = FailureWindow(limit=2, window_s=10, max_keys=3, clock=lambda: now[0])
    w.failed("a")
    w.failed("a")
    assert w.retry_after("a") == pytest.approx(10)
    now[0] = 10.5
    assert w.retry_after("a") == 0
    for k in range(100):
        w.failed(f"user{k}@example.org")
    assert len(w) == 3
    w.succeeded("user99@example.org")
    assert len(w) == 2


def test_unknown_account_costs_one_argon2_verification(
    anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = security._hasher

    class Counted:
        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(security, "_hasher", Counted())
    assert _try(anonymous, "nobody@example.org", "some-password") == 401
    assert _try(anonymous, ADMIN_EMAIL, "wrong-password") == 401
    assert len(calls) == 2
    assert all(c.startswith("$argon2") for c in calls)


def test_logins_beyond_the_hashing_slots_are_refused_not_queued_forever(
    anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_HASH_CONCURRENCY", "1")
    monkeypatch.setenv("APP_HASH_WAIT_S", "0")
    from swarm_app import login_guard, settings

    settings.get_settings.cache_clear()
    login_guard._slots.cache_clear()
    with hashing():  # the only slot is taken
        r = anonymous.post(
            "/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
    assert r.status_code == 429
    assert _try(anonymous, ADMIN_EMAIL, ADMIN_PASSWORD) == 200


def test_tokens_issued_before_a_password_change_are_refused(client: TestClient) -> None:
    uid = client.post(
        "/users", json={"email": "p@example.org", "password": "first-password-1"}
    ).json()["id"]
    old = login(client, "p@example.org", "first-password-1")
    assert client.get("/users/me", headers=old).status_code == 200
    assert client.patch(f"/users/{uid}", json={"password": "second-password-2"}).status_code == 200
    assert client.get("/users/me", headers=old).status_code == 401
    new = login(client, "p@example.org", "second-password-2")
    assert client.get("/users/me", headers=new).status_code == 200
    # A change that is not the password keeps tokens valid.
    client.patch(f"/users/{uid}", json={"full_name": "P"})
    assert client.get("/users/me", headers=new).status_code == 200


def test_a_database_bug_is_a_logged_500_not_a_503(
    client: TestClient, migrated: str, caplog: pytest.LogCaptureFixture
) -> None:
    from .conftest import _admin_conninfo

    with psycopg.connect(_admin_conninfo(migrated), autocommit=True) as conn:
        conn.execute("alter table users drop column full_name")
    with caplog.at_level(logging.ERROR, logger="swarm_app.errors"):
        r = client.get("/users")
    assert r.status_code == 500
    assert "retry-after" not in r.headers
    assert any("a bug" in rec.getMessage() and rec.exc_info for rec in caplog.records)


def test_which_database_errors_are_transient() -> None:
    def wrapped(exc: Exception) -> ProgrammingError:
        return ProgrammingError("select 1", {}, exc)

    assert not transient(wrapped(psycopg.errors.UndefinedColumn()))
    assert not transient(wrapped(psycopg.errors.UndefinedTable()))
    from sqlalchemy.exc import InternalError, OperationalError

    assert transient(InternalError("x", {}, psycopg.errors.ReadOnlySqlTransaction()))
    assert transient(OperationalError("x", {}, psycopg.errors.AdminShutdown()))
    assert transient(OperationalError("x", {}, psycopg.OperationalError("connection refused")))


def test_the_docs_page_loads_only_from_the_app(anonymous: TestClient) -> None:
    r = anonymous.get("/docs")
    assert r.status_code == 200
    html = r.text
    policy = r.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self' 'sha256-" in policy
    for h in inline_hashes(html):
        assert h in policy
    # No absolute URL to another site in the page.
    assert not re.search(r"(src|href)=['\"](https?:)?//", html), html
    for asset in re.findall(r"(?:src|href)=['\"](/docs-assets/[^'\"]+)", html):
        assert anonymous.get(asset).status_code == 200, asset
    assert anonymous.get("/openapi.json").status_code == 200
    assert anonymous.get("/redoc").status_code == 404
    api = anonymous.get("/health/live")
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
