"""The few Swarm calls the remediator makes, over HTTP to the lab's Docker API proxy.

The proxy (images/docker-proxy) answers only these: read services, tasks and nodes, and update a
service. No container, exec, image, volume, secret or create call gets through it.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from typing import Any

from decide import UPDATING_STATES, Facts


class SwarmError(RuntimeError):
    pass


class Swarm:
    def __init__(self, url: str, stack: str) -> None:
        self.url = url.rstrip("/")
        self.stack = stack

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 (the proxy's URL from the stack)
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as res:  # noqa: S310
                text = res.read()
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")[:300]
            raise SwarmError(f"{method} {path}: HTTP {err.code} {detail}") from None
        except OSError as err:
            raise SwarmError(f"{method} {path}: {err}") from None
        return json.loads(text) if text else None

    def full_name(self, service: str) -> str:
        return f"{self.stack}_{service}"

    def service(self, service: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._call("GET", f"/services/{self.full_name(service)}")
        except SwarmError as err:
            if "HTTP 404" in str(err):
                return None
            raise
        return found

    def running_tasks(self, service: str) -> list[dict[str, Any]]:
        filters = json.dumps({"service": [self.full_name(service)], "desired-state": ["running"]})
        tasks = self._call("GET", "/tasks?filters=" + urllib.parse.quote(filters))
        return [t for t in tasks if t.get("Status", {}).get("State") == "running"]

    def ready_nodes(self) -> list[str]:
        return [
            n["ID"]
            for n in self._call("GET", "/nodes")
            if n.get("Status", {}).get("State") == "ready"
            and n.get("Spec", {}).get("Availability") == "active"
        ]

    def facts(self, service: str, spread: bool = False) -> Facts:
        svc = self.service(service)
        if svc is None:
            return Facts()
        spec = svc["Spec"]
        replicated = spec.get("Mode", {}).get("Replicated")
        state = (svc.get("UpdateStatus") or {}).get("State")
        facts = Facts(
            exists=True,
            labels=spec.get("Labels") or {},
            replicas=None if replicated is None else int(replicated.get("Replicas", 0)),
            updating=state if state in UPDATING_STATES else None,
        )
        if spread:
            facts.spread = spread_of(self.running_tasks(service), self.ready_nodes())
        return facts

    def _update(self, service: str, change: Any) -> None:
        svc = self.service(service)
        if svc is None:
            raise SwarmError(f"no service {self.full_name(service)}")
        spec = svc["Spec"]
        change(spec)
        version = svc["Version"]["Index"]
        self._call("POST", f"/services/{svc['ID']}/update?version={version}", spec)

    def scale(self, service: str, replicas: int) -> None:
        def set_replicas(spec: dict[str, Any]) -> None:
            spec["Mode"]["Replicated"]["Replicas"] = replicas

        self._update(service, set_replicas)

    def scale_cycle(self, service: str, via: int, back: int, timeout_s: float = 120) -> None:
        """Scales to `via`, waits for those tasks to run, then back to `back` (a rebalance)."""
        self.scale(service, via)
        deadline = time.monotonic() + timeout_s
        while len(self.running_tasks(service)) < via and time.monotonic() < deadline:
            time.sleep(2)
        self.scale(service, back)

    def force_update(self, service: str) -> None:
        """Swarm replaces every task (rolling, start-first in the lab): spread is applied anew."""

        def bump(spec: dict[str, Any]) -> None:
            spec["TaskTemplate"]["ForceUpdate"] = (
                int(spec["TaskTemplate"].get("ForceUpdate", 0)) + 1
            )

        self._update(service, bump)


def spread_of(tasks: list[dict[str, Any]], ready: list[str]) -> int:
    """Pure: most running tasks on one ready node minus the fewest (0 when nothing runs)."""
    if not ready:
        return 0
    per = {n: 0 for n in ready}
    for t in tasks:
        if t.get("NodeID") in per:
            per[t["NodeID"]] += 1
    return max(per.values()) - min(per.values())
