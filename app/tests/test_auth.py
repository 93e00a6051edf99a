from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from swarm_app.security import create_token, hash_password, verify_password
from swarm_app.settings import get_settings

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, login


def test_login_gives_a_bearer_token(anonymous: TestClient) -> None:
    r = anonymous.post(
        "/auth/token", data={"username": ADMIN_EMAIL.upper(), "password": ADMIN_PASSWORD}
    )
    assert r.status_code == 200
    assert r.json()["token_type"] == "bearer"
    assert r.json()["expires_in"] == 3600


def test_wrong_password_or_unknown_user_is_401(anonymous: TestClient) -> None:
    for user, pw in [(ADMIN_EMAIL, "wrong-password"), ("nobody@example.org", ADMIN_PASSWORD)]:
        r = anonymous.post("/auth/token", data={"username": user, "password": pw})
        assert r.status_code == 401
        assert r.json()["detail"] == "wrong email or password"
    assert anonymous.post("/auth/token", data={"username": ADMIN_EMAIL}).status_code == 422


def test_reads_need_a_valid_unexpired_token(anonymous: TestClient) -> None:
    assert anonymous.get("/users").status_code == 401
    assert anonymous.get("/users", headers={"Authorization": "Bearer garbage"}).status_code == 401
    expired = create_token(get_settings(), 1, "admin", now=datetime.now(UTC) - timedelta(hours=2))
    r = anonymous.get("/users", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_users_read_but_only_admins_manage(client: TestClient) -> None:
    created = client.post("/users", json={"email": "u@example.org", "password": "user-password-1"})
    assert created.status_code == 201
    user_headers = login(client, "u@example.org", "user-password-1")
    assert client.get("/users", headers=user_headers).status_code == 200
    assert client.get("/users/me", headers=user_headers).json()["role"] == "user"
    for method, path, body in [
        ("post", "/users", {"email": "x@example.org"}),
        ("patch", f"/users/{created.json()['id']}", {"role": "admin"}),
        ("delete", "/users/1", None),
    ]:
        r = client.request(method, path, json=body, headers=user_headers)
        assert r.status_code == 403, (method, path)
    assert client.get("/users/export.csv", headers=user_headers).status_code == 403


def test_deactivated_user_is_locked_out(client: TestClient) -> None:
    uid = client.post(
        "/users", json={"email": "d@example.org", "password": "user-password-1"}
    ).json()["id"]
    headers = login(client, "d@example.org", "user-password-1")
    client.patch(f"/users/{uid}", json={"active": False})
    assert client.get("/users/me", headers=headers).status_code == 401
    r = client.post(
        "/auth/token", data={"username": "d@example.org", "password": "user-password-1"}
    )
    assert r.status_code == 401


def test_password_change_and_argon2() -> None:
    h = hash_password("correct horse")
    assert h.startswith("$argon2id$")
    assert verify_password("correct horse", h)
    assert not verify_password("wrong", h)
    assert not verify_password("x", None)
    assert not verify_password("x", "not-a-hash")


def test_nul_character_is_400_not_5xx(anonymous: TestClient) -> None:
    r = anonymous.post("/auth/token", data={"username": "a\x00b@x.org", "password": "whatever1"})
    assert r.status_code == 400
    assert "cannot store" in r.json()["detail"]
