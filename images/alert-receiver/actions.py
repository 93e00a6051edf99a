#!/usr/bin/python3
"""docker-actions: the remediator's only way to the Swarm. Actions, never specs.

It holds a manager's engine socket and offers a few named actions on the stack's services; the
caller never sends a service spec, so it cannot change an image, a mount, a capability, a secret
or a published port. Each action is checked here, whatever the caller decided:

GET  /services/<name>           {"labels", "replicas", "updating"} (404: not a service of the stack)
GET  /services/<name>/tasks     {"running": [node id of each running task]}
GET  /nodes/ready               {"ready": [id of each ready, active node]}
POST /services/<name>/scale     {"replicas": n}: only a service whose `swarm-lab.remediate` label
                                lists scale-up or rebalance, n from its `swarm-lab.replicas` label
                                (1 without it) to ACTIONS_MAX_REPLICAS
POST /services/<name>/redeploy  tasks replaced (ForceUpdate + 1): only with `redeploy` listed
Refused: a service Swarm is updating (409: a deploy or its rollback), more than
ACTIONS_PER_MINUTE actions in a minute (429), anything else (403 or 404). Every answer is logged.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import quote

import webhook

PORT = int(os.environ.get("ACTIONS_PORT", "2375"))
SOCKET = os.environ.get("DOCKER_SOCKET", "/var/run/docker.sock")
ALLOW_LABEL = "swarm-lab.remediate"
REPLICAS_LABEL = "swarm-lab.replicas"
STACK_LABEL = "com.docker.stack.namespace"
UPDATING = ("updating", "paused", "rollback_started", "rollback_paused")
# Which labelled actions each of this service's actions serves (a rebalance scales up and back).
NEEDS = {"scale": ("scale-up", "rebalance"), "redeploy": ("redeploy",)}
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def check(
    action: str, spec: dict[str, Any], state: str | None, body: dict[str, Any], top: int
) -> dict[str, Any]:
    """Pure: the change an action makes to the service `spec` ({} is none), or Refused."""
    labels = spec.get("Labels") or {}
    allowed = {a.strip() for a in labels.get(ALLOW_LABEL, "").split(",")}
    if not allowed.intersection(NEEDS[action]):
        raise Refused(
            403,
            f"the service does not allow {action} (label {ALLOW_LABEL}: {sorted(allowed - {''})})",
        )
    change = _change(action, spec, body, top)
    # The request is judged first (a forged one is a 4xx whatever Swarm is doing), then the time.
    if state in UPDATING:
        raise Refused(409, f"Swarm is updating the service ({state}): try after its deploy")
    return change


def _change(action: str, spec: dict[str, Any], body: dict[str, Any], top: int) -> dict[str, Any]:
    if action == "redeploy":
        return {"ForceUpdate": int(spec.get("TaskTemplate", {}).get("ForceUpdate", 0)) + 1}
    if "Replicated" not in spec.get("Mode", {}):
        raise Refused(403, "not a replicated service")
    want = body.get("replicas")
    if not isinstance(want, int) or isinstance(want, bool):
        raise Refused(400, 'the body must be {"replicas": <whole number>}')
    floor = int((spec.get("Labels") or {}).get(REPLICAS_LABEL, "1"))
    if not floor <= want <= top:
        raise Refused(
            403,
            f"replicas {want} outside {floor}..{top} ({REPLICAS_LABEL} to ACTIONS_MAX_REPLICAS)",
        )
    return {"Replicas": want}


def applied(spec: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """Pure: the spec with the checked change, and nothing else, made."""
    out: dict[str, Any] = json.loads(json.dumps(spec))
    if "Replicas" in change:
        out["Mode"]["Replicated"]["Replicas"] = change["Replicas"]
    if "ForceUpdate" in change:
        out.setdefault("TaskTemplate", {})["ForceUpdate"] = change["ForceUpdate"]
    return out


class Window:
    """At most `limit` actions in any 60 s."""

    def __init__(self, limit: int) -> None:
        self.limit, self.times, self.lock = limit, deque[float](), threading.Lock()

    def take(self, now: float) -> None:
        with self.lock:
            while self.times and now - self.times[0] >= 60:
                self.times.popleft()
            if len(self.times) >= self.limit:
                raise Refused(429, f"{self.limit} actions in the last minute: wait")
            self.times.append(now)


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def engine(method: str, path: str, body: Any = None) -> tuple[int, Any]:
    conn = UnixConnection(SOCKET)
    try:
        data = None if body is None else json.dumps(body)
        conn.request(method, path, data, {"Content-Type": "application/json"})
        res = conn.getresponse()
        text = res.read()
        try:
            return res.status, (json.loads(text) if text else None)
        except ValueError:
            raise OSError(f"answered {res.status} with a body that is not JSON") from None
    finally:
        conn.close()


class Actions:
    def __init__(self, stack: str, top: int, per_minute: int) -> None:
        self.stack, self.top, self.window = stack, top, Window(per_minute)

    def service(self, name: str) -> dict[str, Any]:
        if not NAME.match(name):
            raise Refused(404, "not a service name")
        status, svc = engine("GET", f"/services/{self.stack}_{name}")
        if (
            status == 404
            or (svc or {}).get("Spec", {}).get("Labels", {}).get(STACK_LABEL) != self.stack
        ):
            raise Refused(404, f"no service {name} in the stack {self.stack}")
        if status != 200:
            raise Refused(502, f"the engine answered {status}")
        found: dict[str, Any] = svc
        return found

    def facts(self, name: str) -> dict[str, Any]:
        svc = self.service(name)
        spec = svc["Spec"]
        replicated = spec.get("Mode", {}).get("Replicated")
        return {
            "labels": spec.get("Labels") or {},
            "replicas": None if replicated is None else int(replicated.get("Replicas", 0)),
            "updating": (svc.get("UpdateStatus") or {}).get("State"),
        }

    def running(self, name: str) -> dict[str, Any]:
        self.service(name)
        filters = json.dumps({"service": [f"{self.stack}_{name}"], "desired-state": ["running"]})
        _, tasks = engine("GET", "/tasks?filters=" + quote(filters))
        return {
            "running": [
                t.get("NodeID") for t in tasks if t.get("Status", {}).get("State") == "running"
            ]
        }

    def ready(self) -> dict[str, Any]:
        _, nodes = engine("GET", "/nodes")
        return {
            "ready": [
                n["ID"]
                for n in nodes
                if n.get("Status", {}).get("State") == "ready"
                and n.get("Spec", {}).get("Availability") == "active"
            ]
        }

    def act(self, name: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        svc = self.service(name)
        state = (svc.get("UpdateStatus") or {}).get("State")
        change = check(action, svc["Spec"], state, body, self.top)
        self.window.take(time.monotonic())
        status, answer = engine(
            "POST",
            f"/services/{svc['ID']}/update?version={svc['Version']['Index']}",
            applied(svc["Spec"], change),
        )
        if status != 200:
            raise Refused(
                409 if status == 500 else 502, f"the engine refused the update ({status}): {answer}"
            )
        return {"service": name, "action": action, "change": change}


Route = Callable[["Actions", "re.Match[str]", dict[str, Any]], dict[str, Any]]
ROUTES: list[tuple[str, re.Pattern[str], Route]] = [
    ("GET", re.compile(r"^/services/([^/]+)$"), lambda a, m, _b: a.facts(m[1])),
    ("GET", re.compile(r"^/services/([^/]+)/tasks$"), lambda a, m, _b: a.running(m[1])),
    ("GET", re.compile(r"^/nodes/ready$"), lambda a, _m, _b: a.ready()),
    (
        "POST",
        re.compile(r"^/services/([^/]+)/(scale|redeploy)$"),
        lambda a, m, b: a.act(m[1], m[2], b),
    ),
]


def make_handler(actions: Actions) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            code, answer = 200, dict[str, Any]()
            try:
                if path == "/health":
                    code, answer = 200, {"ok": True}
                else:
                    answer = self._route(method, path)
            except Refused as err:
                code, answer = err.code, {"error": str(err)}
            except OSError as err:
                code, answer = 502, {"error": f"the engine did not answer: {err}"}
            if method == "POST" or code >= 400:
                webhook.log(
                    "docker-actions", f"{method} {path} -> {code}", code=code, answer=answer
                )
            data = json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str, path: str) -> dict[str, Any]:
            for verb, pattern, run in ROUTES:
                found = pattern.match(path)
                if found and verb == method:
                    return run(actions, found, self._body() if method == "POST" else {})
            raise Refused(404, f"{method} {path} is not an action of docker-actions")

        def _body(self) -> dict[str, Any]:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                raise Refused(400, "Content-Length is not a number") from None
            if length < 0:
                raise Refused(400, "Content-Length is negative")
            if length > 4096:
                raise Refused(413, "body too large")
            try:
                doc = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                raise Refused(400, "the body is not JSON") from None
            if not isinstance(doc, dict):
                raise Refused(400, "the body must be a JSON object")
            return doc

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_PUT(self) -> None:
            self._answer("PUT")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def log_message(self, *_: object) -> None:
            return

    return Handler


def main() -> None:
    actions = Actions(
        os.environ["STACK"],
        int(os.environ.get("ACTIONS_MAX_REPLICAS", "5")),
        int(os.environ.get("ACTIONS_PER_MINUTE", "12")),
    )
    webhook.log(
        "docker-actions", "listening", port=PORT, stack=actions.stack, maxReplicas=actions.top
    )
    webhook.Server(("", PORT), make_handler(actions)).serve_forever()


if __name__ == "__main__":
    main()
