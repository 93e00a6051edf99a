"""docker-actions' rules, and its HTTP answers in front of a recording engine on a unix socket.

The engine here is a stand-in that records what reaches it; tests/lab/remediation.test.ts tries
the same calls from inside the remediator's task against the real Swarm.
"""

from __future__ import annotations

import http.client
import json
import os
import socketserver
import tempfile
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import Any

import actions
import pytest
import webhook

APP = {
    "Name": "lab_app",
    "Labels": {
        "com.docker.stack.namespace": "lab",
        "swarm-lab.remediate": "scale-up,redeploy,rebalance",
        "swarm-lab.replicas": "3",
    },
    "Mode": {"Replicated": {"Replicas": 3}},
    "TaskTemplate": {"ContainerSpec": {"Image": "app:1", "Mounts": []}, "ForceUpdate": 2},
}
PG = {
    "Name": "lab_pg1",
    "Labels": {"com.docker.stack.namespace": "lab"},
    "Mode": {"Replicated": {"Replicas": 1}},
    "TaskTemplate": {"ContainerSpec": {"Image": "pg:1"}},
}


def refused(code: int, *args: Any) -> str:
    with pytest.raises(actions.Refused) as err:
        actions.check(*args)
    assert err.value.code == code
    return str(err.value)


def test_only_what_the_service_labels_allow_within_the_bounds() -> None:
    assert actions.check("scale", APP, None, {"replicas": 5}, 5) == {"Replicas": 5}
    assert actions.check("scale", APP, "completed", {"replicas": 3}, 5) == {"Replicas": 3}
    assert actions.check("redeploy", APP, None, {}, 5) == {"ForceUpdate": 3}
    assert "does not allow scale" in refused(403, "scale", PG, None, {"replicas": 2}, 5)
    assert "does not allow redeploy" in refused(403, "redeploy", PG, None, {}, 5)
    assert "outside 3..5" in refused(403, "scale", APP, None, {"replicas": 6}, 5)
    assert "outside 3..5" in refused(403, "scale", APP, None, {"replicas": 2}, 5)
    assert "outside 3..5" in refused(403, "scale", APP, None, {"replicas": 0}, 5)
    for bad in ({}, {"replicas": "4"}, {"replicas": True}, {"replicas": 4.0}):
        refused(400, "scale", APP, None, bad, 5)
    assert "updating" in refused(409, "scale", APP, "rollback_started", {"replicas": 4}, 5)
    # A forged request is refused for what it is, whatever Swarm is doing.
    assert "outside 3..5" in refused(403, "scale", APP, "updating", {"replicas": 9}, 5)
    refused(400, "scale", APP, "updating", {"replicas": "9"}, 5)
    redeploy_only = {**APP, "Labels": {**APP["Labels"], "swarm-lab.remediate": "redeploy"}}
    refused(403, "scale", redeploy_only, None, {"replicas": 4}, 5)
    global_svc = {**APP, "Mode": {"Global": {}}}
    assert "not a replicated" in refused(403, "scale", global_svc, None, {"replicas": 4}, 5)


def test_the_spec_sent_differs_from_the_service_s_only_by_the_checked_change() -> None:
    out = actions.applied(APP, {"Replicas": 4})
    assert out["Mode"]["Replicated"]["Replicas"] == 4
    out["Mode"]["Replicated"]["Replicas"] = 3
    assert out == APP
    bumped = actions.applied(APP, {"ForceUpdate": 3})
    assert bumped["TaskTemplate"]["ForceUpdate"] == 3
    assert APP["TaskTemplate"]["ForceUpdate"] == 2  # the original is not touched


def test_a_minute_holds_at_most_the_limit() -> None:
    w = actions.Window(2)
    w.take(0)
    w.take(1)
    with pytest.raises(actions.Refused) as err:
        w.take(30)
    assert err.value.code == 429
    w.take(60.5)


class Engine(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    posts: list[tuple[str, Any]]


class EngineHandler(BaseHTTPRequestHandler):
    """Answers GET /services/lab_app and lab_pg1, GET /tasks, /nodes; records every POST."""

    server: Engine

    def _send(self, code: int, doc: Any) -> None:
        data = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        specs = {"/services/lab_app": ("id-app", APP), "/services/lab_pg1": ("id-pg", PG)}
        if self.path in specs:
            sid, spec = specs[self.path]
            return self._send(200, {"ID": sid, "Version": {"Index": 41}, "Spec": spec})
        if self.path == "/services/lab_garbled":
            self.send_response(200)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"<html>oops")
            return None
        if self.path.startswith("/tasks?filters="):
            running = {"State": "running"}
            tasks = [{"NodeID": "n1", "Status": running}, {"NodeID": "n2", "Status": running}]
            return self._send(200, [*tasks, {"NodeID": "n3", "Status": {"State": "failed"}}])
        if self.path == "/nodes":
            ready = {"State": "ready"}
            return self._send(
                200,
                [
                    {"ID": "n1", "Status": ready, "Spec": {"Availability": "active"}},
                    {"ID": "n2", "Status": ready, "Spec": {"Availability": "pause"}},
                ],
            )
        return self._send(404, {"message": "no such service"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.posts.append((self.path, json.loads(self.rfile.read(length) or b"null")))
        self._send(200, {})

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    path = os.path.join(tempfile.mkdtemp(), "docker.sock")
    engine = Engine(path, EngineHandler)
    engine.posts = []
    threading.Thread(target=engine.serve_forever, daemon=True).start()
    monkeypatch.setattr(actions, "SOCKET", path)
    srv = webhook.Server(("127.0.0.1", 0), actions.make_handler(actions.Actions("lab", 5, 12)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", engine.posts
    srv.shutdown()
    engine.shutdown()


def call(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_actions_reach_the_engine_as_a_checked_update_and_nothing_else_does(served: Any) -> None:
    url, posts = served
    assert call(f"{url}/services/app") == (
        200,
        {"labels": APP["Labels"], "replicas": 3, "updating": None},
    )
    assert call(f"{url}/services/app/tasks") == (200, {"running": ["n1", "n2"]})
    assert call(f"{url}/nodes/ready") == (200, {"ready": ["n1"]})
    assert call(f"{url}/services/app/scale", "POST", {"replicas": 4})[0] == 200
    assert call(f"{url}/services/app/redeploy", "POST", {})[0] == 200
    path, spec = posts[0]
    assert path == "/services/id-app/update?version=41"
    assert spec == actions.applied(APP, {"Replicas": 4})
    assert posts[1][1]["TaskTemplate"]["ForceUpdate"] == 3
    # What an attacker holding the remediator would try: none of it reaches the engine.
    attempts = [
        ("POST", "/services/id-app/update?version=41", {**APP, "TaskTemplate": {}}),
        ("POST", "/services/lab_app/update", APP),
        ("POST", "/containers/create", {"Image": "x"}),
        ("GET", "/containers/json", None),
        ("GET", "/secrets", None),
        ("DELETE", "/services/app", None),
        ("POST", "/services/pg1/scale", {"replicas": 2}),
        ("POST", "/services/pg1/redeploy", {}),
        ("POST", "/services/app/scale", {"replicas": 9}),
        ("POST", "/services/app/scale", {"replicas": 4, "Image": "evil"}),
        ("GET", "/services/..%2Fcontainers", None),
        ("GET", "/services/other", None),
    ]
    codes = [call(url + p, m, b)[0] for m, p, b in attempts]
    assert codes == [404, 404, 404, 404, 404, 404, 403, 403, 403, 200, 404, 404]
    # The extra key was ignored: the engine saw replicas 4 and the service's own image.
    assert posts[-1][1] == actions.applied(APP, {"Replicas": 4})
    assert len(posts) == 3


def test_bad_requests_and_a_garbled_engine_get_an_answer_not_a_dropped_connection(
    served: Any,
) -> None:
    url, posts = served
    host, port = url.removeprefix("http://").split(":")
    for length, body in [("lots", b"{}"), ("-3", b"{}"), ("8", b"[1,2,3] ")]:
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.putrequest("POST", "/services/app/scale")
        conn.putheader("Content-Length", length)
        conn.endheaders()
        conn.send(body)
        res = conn.getresponse()
        assert res.status == 400, (length, res.status)
        assert "error" in json.loads(res.read())
        conn.close()
    code, answer = call(f"{url}/services/garbled")
    assert code == 502
    assert "not JSON" in answer["error"]
    assert posts == []
