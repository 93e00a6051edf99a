"""The alert receiver's parsing and HTTP answers, on a real server on a free port."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
import receiver
import webhook as hook
from conftest import TOKEN


def webhook(status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "version": "4",
        "receiver": "lab",
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "NodeDown", "severity": "critical", **labels},
                "annotations": {"summary": "s", "runbook": "README.md#troubleshooting"},
                "startsAt": "2026-11-26T12:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "abc",
            }
        ],
    }


def test_a_webhook_becomes_one_record_per_alert() -> None:
    records = hook.parse_webhook(json.dumps(webhook(node="lab-node-2")).encode())
    assert len(records) == 1
    assert records[0]["alertname"] == "NodeDown"
    assert records[0]["labels"]["node"] == "lab-node-2"
    assert records[0]["status"] == "firing"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"version": "3", "alerts": []}).encode(),
        json.dumps({"version": "4", "alerts": []}).encode(),
        json.dumps({"version": "4", "alerts": [{"status": "firing"}]}).encode(),
        json.dumps({"version": "4", "alerts": [{"status": "odd", "labels": {}}]}).encode(),
    ],
)
def test_a_malformed_body_is_refused(body: bytes) -> None:
    with pytest.raises(hook.BadBody):
        hook.parse_webhook(body)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(receiver.Handler, "token", TOKEN)
    srv = hook.Server(("127.0.0.1", 0), receiver.Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_over_http_a_good_webhook_is_kept_and_a_bad_one_is_a_400(server: str, post: Any) -> None:
    receiver.notifications.clear()
    assert post(f"{server}/alerts", json.dumps(webhook()).encode()) == 200
    assert post(f"{server}/alerts", b"{broken") == 400
    assert post(f"{server}/alerts", json.dumps(webhook("resolved")).encode()) == 200
    with urllib.request.urlopen(f"{server}/notifications", timeout=5) as res:
        kept = json.load(res)
    assert [n["status"] for n in kept] == ["firing", "resolved"]
    with urllib.request.urlopen(f"{server}/metrics", timeout=5) as res:
        metrics = res.read().decode()
    assert 'lab_alert_notifications_total{status="rejected"} 1' in metrics


def test_a_webhook_without_alertmanager_s_token_is_a_401_and_kept_nowhere(
    server: str, post: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.notifications.clear()
    body = json.dumps(webhook()).encode()
    assert post(f"{server}/alerts", body, token=None) == 401
    assert post(f"{server}/alerts", body, token="guessed") == 401
    assert post(f"{server}/alerts", body, token=TOKEN + "x") == 401
    assert list(receiver.notifications) == []
    # A server that could not read its token refuses everyone, the right token included.
    monkeypatch.setattr(receiver.Handler, "token", "")
    assert post(f"{server}/alerts", body) == 401
    assert post(f"{server}/alerts", body, token="") == 401
    assert list(receiver.notifications) == []


def test_the_token_is_read_from_its_secret_file(tmp_path: Any) -> None:
    secret = tmp_path / "alert_webhook_token"
    secret.write_text("abc\n")
    assert hook.read_token(str(secret)) == "abc"
    assert hook.read_token(str(tmp_path / "missing")) == ""
