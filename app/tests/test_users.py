from fastapi.testclient import TestClient


def test_create_then_list_and_get(client: TestClient) -> None:
    created = client.post("/users", json={"email": "Ada@Example.org"})
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "ada@example.org"
    assert body["active"] is True

    page = client.get("/users").json()
    assert page["total"] == 1
    assert [u["email"] for u in page["items"]] == ["ada@example.org"]

    one = client.get(f"/users/{body['id']}")
    assert one.status_code == 200
    assert one.json()["id"] == body["id"]


def test_duplicate_email_is_409(client: TestClient) -> None:
    assert client.post("/users", json={"email": "a@example.org"}).status_code == 201
    dup = client.post("/users", json={"email": "A@example.org"})
    assert dup.status_code == 409
    assert "already exists" in dup.json()["detail"]


def test_bad_payloads_are_422(client: TestClient) -> None:
    assert client.post("/users", json={"email": "not-an-email"}).status_code == 422
    assert client.post("/users", json={"email": "a@example.org", "x": 1}).status_code == 422
    assert (
        client.post(
            "/users", content=b"{", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )
    assert client.get("/users?limit=0").status_code == 422
    assert client.get("/users?limit=abc").status_code == 422


def test_pagination(client: TestClient) -> None:
    for i in range(5):
        client.post("/users", json={"email": f"u{i}@example.org"})
    page = client.get("/users?limit=2&offset=3").json()
    assert page["total"] == 5
    assert [u["email"] for u in page["items"]] == ["u3@example.org", "u4@example.org"]


def test_missing_user_is_404(client: TestClient) -> None:
    assert client.get("/users/999999").status_code == 404
