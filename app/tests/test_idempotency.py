"""Idempotency-Key: a write sent again with the same key replays the first answer."""

import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from swarm_app import db
from swarm_app.idempotency import REPLAYED_HEADER, Idempotency


def key(k: str) -> dict[str, str]:
    return {"Idempotency-Key": k}


def test_a_repeated_create_replays_the_first_answer_and_writes_once(client: TestClient) -> None:
    first = client.post("/users", json={"email": "ada@example.org"}, headers=key("k-1"))
    again = client.post("/users", json={"email": "ada@example.org"}, headers=key("k-1"))
    assert first.status_code == 201
    assert REPLAYED_HEADER not in first.headers
    assert again.status_code == 201, again.text
    assert again.headers[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()
    # Without a key the same request is a conflict: the key is what made the retry safe.
    assert client.post("/users", json={"email": "ada@example.org"}).status_code == 409
    assert client.get("/users?q=ada").json()["total"] == 1


def test_the_same_key_for_another_request_is_422(client: TestClient) -> None:
    assert (
        client.post("/users", json={"email": "a@example.org"}, headers=key("k")).status_code == 201
    )
    other = client.post("/users", json={"email": "b@example.org"}, headers=key("k"))
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert client.get("/users?q=b@example.org").json()["total"] == 0


def test_a_bad_key_is_400_and_writes_nothing(client: TestClient) -> None:
    for bad in ("", "with space", "x" * 256):
        r = client.post("/users", json={"email": "c@example.org"}, headers={"Idempotency-Key": bad})
        assert r.status_code == 400, (bad, r.text)
        assert "Idempotency-Key" in r.json()["detail"]
    assert client.get("/users?q=c@example.org").json()["total"] == 0


def test_repeated_update_and_delete_replay(client: TestClient) -> None:
    uid = client.post("/users", json={"email": "d@example.org"}).json()["id"]
    patched = [
        client.patch(f"/users/{uid}", json={"full_name": "D"}, headers=key("p")) for _ in range(2)
    ]
    assert [r.status_code for r in patched] == [200, 200]
    assert patched[1].json() == patched[0].json()
    assert patched[1].headers[REPLAYED_HEADER] == "true"
    deleted = [client.delete(f"/users/{uid}", headers=key("d")) for _ in range(2)]
    # Without the key the second delete would be a 404.
    assert [r.status_code for r in deleted] == [204, 204]
    assert deleted[1].headers[REPLAYED_HEADER] == "true"
    assert client.get(f"/users/{uid}").status_code == 404


def test_a_failed_request_keeps_no_answer(client: TestClient) -> None:
    client.post("/users", json={"email": "e@example.org"})
    assert (
        client.post("/users", json={"email": "e@example.org"}, headers=key("f")).status_code == 409
    )
    client.delete(f"/users/{client.get('/users?q=e@example.org').json()['items'][0]['id']}")
    # The 409 was not kept: the same key now runs the request, which succeeds.
    retried = client.post("/users", json={"email": "e@example.org"}, headers=key("f"))
    assert retried.status_code == 201
    assert REPLAYED_HEADER not in retried.headers


def test_an_expired_key_runs_the_request_again(client: TestClient) -> None:
    assert (
        client.post("/users", json={"email": "g@example.org"}, headers=key("old")).status_code
        == 201
    )
    with db.get_engine().begin() as conn:
        conn.execute(text("update idempotency_keys set created_at = now() - interval '2 days'"))
    again = client.post("/users", json={"email": "g@example.org"}, headers=key("old"))
    assert again.status_code == 409  # run again: the user exists


def test_a_duplicate_sent_during_the_first_waits_and_replays(client: TestClient) -> None:
    """Two sessions, as two app tasks: the second waits on the first's key, then replays it."""
    admin_id = client.get("/users/me").json()["id"]
    first = Session(db.get_engine())
    claim = Idempotency(first, admin_id, "race", "h", 86_400)
    assert claim.replay() is None
    answers: list[object] = []

    def duplicate() -> None:
        with Session(db.get_engine()) as second:
            answers.append(Idempotency(second, admin_id, "race", "h", 86_400).replay())
            second.commit()

    waiter = threading.Thread(target=duplicate)
    waiter.start()
    # The duplicate is blocked on the first's uncommitted key, as Postgres itself says.
    waiting = 0
    deadline = time.monotonic() + 10
    while waiting == 0 and time.monotonic() < deadline:
        with db.get_engine().connect() as conn:
            waiting = conn.execute(
                text(
                    "select count(*) from pg_stat_activity"
                    " where datname = current_database() and wait_event_type = 'Lock'"
                )
            ).scalar_one()
        time.sleep(0.05)
    assert waiting == 1
    assert answers == []
    claim.record(201, {"id": 1})
    first.commit()
    first.close()
    waiter.join(10)
    replayed = answers[0]
    assert getattr(replayed, "status_code", None) == 201
    assert getattr(replayed, "body", b"") == b'{"id": 1}'
