from fastapi.testclient import TestClient

from .conftest import ADMIN_EMAIL


def test_create_then_list_and_get(client: TestClient) -> None:
    created = client.post("/users", json={"email": "Ada@Example.org", "full_name": "Ada"})
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "ada@example.org"
    assert body["active"] is True
    assert body["role"] == "user"
    assert "password_hash" not in body

    page = client.get("/users?role=user").json()
    assert page["total"] == 1
    assert [u["email"] for u in page["items"]] == ["ada@example.org"]

    one = client.get(f"/users/{body['id']}")
    assert one.status_code == 200
    assert one.json()["full_name"] == "Ada"


def test_duplicate_email_is_409(client: TestClient) -> None:
    assert client.post("/users", json={"email": "a@example.org"}).status_code == 201
    dup = client.post("/users", json={"email": "A@example.org"})
    assert dup.status_code == 409
    assert "already exists" in dup.json()["detail"]


def test_bad_payloads_are_4xx(client: TestClient) -> None:
    assert client.post("/users", json={"email": "not-an-email"}).status_code == 422
    assert client.post("/users", json={"email": "a@example.org", "x": 1}).status_code == 422
    assert (
        client.post("/users", json={"email": "a@example.org", "password": "short"}).status_code
        == 422
    )
    assert client.post("/users", json={"email": "a@example.org", "role": "root"}).status_code == 422
    bad_json = client.post("/users", content=b"{", headers={"content-type": "application/json"})
    assert bad_json.status_code == 422
    assert client.get("/users?limit=0").status_code == 422
    assert client.get("/users?sort=password").status_code == 422
    assert client.get("/users/0").status_code == 422
    assert client.get("/users/99999999999").status_code == 422


def test_filter_search_sort_and_paginate(client: TestClient) -> None:
    for i, name in enumerate(["Zoe", "Yann", "Xavier", "Walt", "Vera"]):
        client.post(
            "/users", json={"email": f"u{i}@example.org", "full_name": name, "active": i % 2 == 0}
        )
    page = client.get("/users?role=user&limit=2&offset=1&sort=-email").json()
    assert page["total"] == 5
    assert [u["email"] for u in page["items"]] == ["u3@example.org", "u2@example.org"]
    assert [u["full_name"] for u in client.get("/users?q=ve").json()["items"]] == ["Vera"]
    inactive = client.get("/users?active=false&sort=email").json()["items"]
    assert [u["email"] for u in inactive] == ["u1@example.org", "u3@example.org"]
    assert client.get("/users?q=%25").json()["total"] == 0


def test_update_and_delete(client: TestClient) -> None:
    uid = client.post("/users", json={"email": "b@example.org"}).json()["id"]
    patched = client.patch(f"/users/{uid}", json={"full_name": "Bea", "active": False})
    assert patched.status_code == 200
    assert patched.json()["full_name"] == "Bea"
    assert patched.json()["active"] is False
    assert client.delete(f"/users/{uid}").status_code == 204
    assert client.get(f"/users/{uid}").status_code == 404
    assert client.delete(f"/users/{uid}").status_code == 404
    assert client.patch(f"/users/{uid}", json={"active": True}).status_code == 404


def test_admin_cannot_lock_themselves_out(client: TestClient) -> None:
    me = client.get("/users/me").json()
    assert me["email"] == ADMIN_EMAIL
    assert client.patch(f"/users/{me['id']}", json={"role": "user"}).status_code == 409
    assert client.patch(f"/users/{me['id']}", json={"active": False}).status_code == 409
    assert client.delete(f"/users/{me['id']}").status_code == 409


def test_missing_user_is_404(client: TestClient) -> None:
    assert client.get("/users/999999").status_code == 404
