"""The few Swarm calls the remediator makes, over HTTP to docker-actions (actions.py).

docker-actions offers named actions, never specs: read a stack service's labels, replicas and
update state, its running tasks' nodes, the ready nodes; scale a service or redeploy it, each
checked there (the service's own labels, the replica bounds, no action during a deploy, a rate
limit). The remediator holds no socket and sends no spec.
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
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

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

    def service(self, service: str) -> dict[str, Any] | None:
        """{"labels", "replicas", "updating"} of a service of the stack, or None."""
        try:
            found: dict[str, Any] = self._call("GET", f"/services/{urllib.parse.quote(service)}")
        except SwarmError as err:
            if "HTTP 404" in str(err):
                return None
            raise
        return found

    def running_tasks(self, service: str) -> list[str]:
        """The node of each running task."""
        found: list[str] = self._call("GET", f"/services/{urllib.parse.quote(service)}/tasks")[
            "running"
        ]
        return found

    def ready_nodes(self) -> list[str]:
        found: list[str] = self._call("GET", "/nodes/ready")["ready"]
        return found

    def facts(self, service: str, spread: bool = False) -> Facts:
        svc = self.service(service)
        if svc is None:
            return Facts()
        state = svc.get("updating")
        facts = Facts(
            exists=True,
            labels=svc.get("labels") or {},
            replicas=svc.get("replicas"),
            updating=state if state in UPDATING_STATES else None,
        )
        if spread:
            facts.spread = spread_of(self.running_tasks(service), self.ready_nodes())
        return facts

    def scale(self, service: str, replicas: int) -> None:
        self._call("POST", f"/services/{urllib.parse.quote(service)}/scale", {"replicas": replicas})

    def scale_cycle(self, service: str, via: int, back: int, timeout_s: float = 120) -> None:
        """Scales to `via`, waits for those tasks to run, then back to `back` (a rebalance)."""
        self.scale(service, via)
        deadline = time.monotonic() + timeout_s
        while len(self.running_tasks(service)) < via and time.monotonic() < deadline:
            time.sleep(2)
        self.scale(service, back)

    def force_update(self, service: str) -> None:
        """Swarm replaces every task (rolling, start-first in the lab): spread is applied anew."""
        self._call("POST", f"/services/{urllib.parse.quote(service)}/redeploy", {})


def spread_of(task_nodes: list[str], ready: list[str]) -> int:
    """Pure: most running tasks on one ready node minus the fewest (0 when nothing runs)."""
    if not ready:
        return 0
    per = {n: 0 for n in ready}
    for node in task_nodes:
        if node in per:
            per[node] += 1
    return max(per.values()) - min(per.values())
