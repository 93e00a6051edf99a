#!/usr/bin/python3
"""The lab's remediator: Alertmanager's webhook target for alerts that carry an `action` label.

It decides with decide.py (cooldowns, bounds, rate limit, dry-run), acts on the Swarm through the
lab's docker-actions (named actions: scale, redeploy; never a spec) or asks the
backup service for a backup, and keeps an audit trail: a JSON log line and a metric per decision,
the decisions at GET /decisions (Grafana draws the metric as annotations on the dashboards).

POST /alerts     Alertmanager's webhook body, with its token (else 401); anything else is a 400
                 and changes nothing
GET  /decisions  the newest decisions, newest last
GET  /policy     the policy it runs with
GET  /metrics    lab_remediation_decisions_total{action,result}, lab_alert_threshold{name}
Every POLL_S it also reads Alertmanager's active alerts: an incident that outlives a cooldown
scales one more step, and a scaled service goes back one replica per quiet period.

The policy (REMEDIATOR_POLICY, JSON) is rendered from swarm-lab.yaml's `alerting` section.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
import time
import urllib.request
from collections import deque
from typing import Any

import decide as d
import webhook
from swarm import Swarm, SwarmError

PORT = int(os.environ.get("REMEDIATOR_PORT", "9096"))
POLL_S = float(os.environ.get("REMEDIATOR_POLL_S", "10"))
STATE_FILE = os.environ.get("REMEDIATOR_STATE", "/var/lib/remediator/state.json")
ALERTMANAGER = os.environ.get("ALERTMANAGER_URL", "http://alertmanager:9093")
BACKUP_URL = os.environ.get("BACKUP_URL", "http://backup:9854/backup")
TOKEN_FILE = os.environ.get("REMEDIATOR_TOKEN_FILE", "/run/secrets/remediator_token")
# Its own user on Alertmanager's API (--web.config.file there).
AM_USER = os.environ.get("ALERTMANAGER_USER", "remediator")
AM_PASSWORD_FILE = os.environ.get(
    "ALERTMANAGER_PASSWORD_FILE", "/run/secrets/alertmanager_remediator_password"
)


def log(msg: str, **fields: object) -> None:
    webhook.log("remediator", msg, **fields)


class Remediator:
    def __init__(self, policy: dict[str, Any], swarm: Swarm, state_file: str) -> None:
        self.policy = policy
        self.swarm = swarm
        self.state_file = state_file
        self.lock = threading.Lock()
        self.state = self._load()
        self.decisions: deque[dict[str, Any]] = deque(self.state.pop("decisions", []), maxlen=500)
        # Zero from the start: Prometheus' increase() then sees the first decision of each kind.
        self.counts: dict[tuple[str, str], int] = {
            (action, result): 0
            for action in (*d.ACTIONS, "scale-down")
            for result in ("act", "dry_run", "failed")
        }

    def _load(self) -> dict[str, Any]:
        try:
            with open(self.state_file) as f:
                loaded: dict[str, Any] = json.load(f)
            return {**d.new_state(), **loaded}
        except (OSError, ValueError):
            return d.new_state()

    def _save(self) -> None:
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with contextlib.suppress(OSError):
            with open(tmp, "w") as f:
                json.dump({**self.state, "decisions": list(self.decisions)}, f)
            os.replace(tmp, self.state_file)

    def handle(self, alerts: list[dict[str, Any]], polled: bool = False) -> list[dict[str, Any]]:
        """Decides (and acts) for every firing alert that asks for an action; one at a time.

        `polled`: from the periodic read of Alertmanager; a decision that changes nothing then
        leaves no record (it would repeat every poll), one from a notification always does.
        """
        out = []
        for alert in alerts:
            intent = d.intent_of(alert)
            if intent is None or alert.get("status", "firing") != "firing":
                continue
            with self.lock:
                rec = self._one(intent, polled)
            if rec is not None:
                out.append(rec)
        return out

    def _one(self, intent: d.Intent, polled: bool) -> dict[str, Any] | None:
        now = time.time()
        if intent.action == "scale-up":
            d.mark_active(self.state, intent.service, now)
        try:
            facts = (
                self.swarm.facts(intent.service, spread=intent.action == "rebalance")
                if intent.action in d.SERVICE_ACTIONS
                else d.Facts()
            )
            decision = d.decide(intent, self.policy, self.state, facts, now)
            if decision.result == "act":
                self._apply(decision)
        except (SwarmError, OSError) as err:
            decision = d.Decision(
                "failed",
                str(err)[:300],
                intent.action,
                intent.service,
                intent.alertname,
                intent.incident,
            )
        d.remember(self.state, decision, now)
        if polled and decision.result not in ("act", "dry_run", "failed"):
            return None
        return self._audit(decision, now)

    def _apply(self, decision: d.Decision) -> None:
        kind = decision.change["kind"]
        if kind == "scale":
            self.swarm.scale(decision.service, decision.change["to"])
        elif kind == "force-update":
            self.swarm.force_update(decision.service)
        elif kind == "scale-cycle":
            # Takes as long as new tasks take to start: not under the lock, not in the webhook.
            c = decision.change
            threading.Thread(
                target=self._cycle, args=(decision.service, c["via"], c["from"]), daemon=True
            ).start()
        elif kind == "backup":
            request_backup()

    def _cycle(self, service: str, via: int, back: int) -> None:
        try:
            self.swarm.scale_cycle(service, via, back)
            log("rebalance done", service=service, via=via, back=back)
        except SwarmError as err:
            log("rebalance failed", service=service, error=str(err)[:300])

    def _audit(self, decision: d.Decision, now: float) -> dict[str, Any]:
        rec = decision.record(now)
        self.decisions.append(rec)
        key = (decision.action, decision.result)
        self.counts[key] = self.counts.get(key, 0) + 1
        self._save()
        log("decision", **{k: v for k, v in rec.items() if k != "at"})
        return rec

    def poll(self, active: list[dict[str, Any]]) -> None:
        """Alertmanager's active alerts: re-decide (cooldowns hold), then maybe scale back."""
        self.handle([{**a, "status": "firing"} for a in active], polled=True)
        busy = {
            (a.get("labels") or {}).get("service", "")
            for a in active
            if (a.get("labels") or {}).get("action") == "scale-up"
        }
        with self.lock:
            now = time.time()
            for service in list(self.state["scaled"]):
                if service in busy:
                    d.mark_active(self.state, service, now)
                    continue
                try:
                    facts = self.swarm.facts(service)
                    decision = d.decide_scale_down(
                        service, self.policy, self.state, facts, now, False
                    )
                    if decision is None:
                        continue
                    if decision.result == "act":
                        self.swarm.scale(service, decision.change["to"])
                except SwarmError as err:
                    log("scale-down check failed", service=service, error=str(err)[:300])
                    continue
                d.remember(self.state, decision, now)
                self._audit(decision, now)
            d.trim(self.state, now)

    def metrics(self) -> str:
        lines = ["# TYPE lab_remediation_decisions_total counter"]
        with self.lock:
            for (action, result), n in sorted(self.counts.items()):
                lines.append(
                    f'lab_remediation_decisions_total{{action="{action}",result="{result}"}} {n}'
                )
            scaled = dict(self.state["scaled"])
        lines.append("# TYPE lab_remediation_dry_run gauge")
        lines.append(f"lab_remediation_dry_run {1 if self.policy.get('dryRun') else 0}")
        lines.append("# TYPE lab_remediation_scaled_services gauge")
        lines.append(f"lab_remediation_scaled_services {len(scaled)}")
        # Thresholds from swarm-lab.yaml, for the rules that compare against them.
        lines.append("# TYPE lab_alert_threshold gauge")
        for name, value in sorted(self.policy.get("thresholds", {}).items()):
            lines.append(f'lab_alert_threshold{{name="{name}"}} {value}')
        return "\n".join(lines) + "\n"


def read_secret(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def request_backup() -> None:
    """Asks the backup service for a backup now (it picks full or differential)."""
    req = urllib.request.Request(  # noqa: S310 (the backup service's URL from the stack)
        BACKUP_URL,
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Bearer {read_secret(TOKEN_FILE)}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as res:  # noqa: S310
            res.read()
    except urllib.error.HTTPError as err:
        raise SwarmError(f"backup request: HTTP {err.code}") from None


def basic_auth(user: str, password: str) -> str:
    """Pure: the Authorization header's value for HTTP basic authentication."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def active_alerts() -> list[dict[str, Any]]:
    url = f"{ALERTMANAGER}/api/v2/alerts?active=true&silenced=false&inhibited=false"
    auth = basic_auth(AM_USER, read_secret(AM_PASSWORD_FILE))
    req = urllib.request.Request(url, headers={"Authorization": auth})  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as res:  # noqa: S310
        alerts: list[dict[str, Any]] = json.load(res)
    return [a for a in alerts if (a.get("labels") or {}).get("action")]


def poller(rem: Remediator) -> None:
    while True:
        time.sleep(POLL_S)
        try:
            rem.poll(active_alerts())
        except (OSError, ValueError) as err:
            log("poll failed", error=str(err)[:300])


def make_handler(rem: Remediator, token: str) -> type[webhook.WebhookHandler]:
    class Handler(webhook.WebhookHandler):
        def refused(self, reason: str) -> None:
            with rem.lock:
                rem.counts[("webhook", "rejected")] = rem.counts.get(("webhook", "rejected"), 0) + 1
            log("webhook refused", reason=reason)

        def do_POST(self) -> None:
            alerts = self.read_alerts()
            if alerts is None:
                return
            done = rem.handle(alerts)
            self._send(200, json.dumps({"decisions": done}).encode())

        def do_GET(self) -> None:
            if self.path == "/decisions":
                with rem.lock:
                    body = json.dumps(list(rem.decisions)).encode()
                return self._send(200, body)
            if self.path == "/policy":
                return self._send(200, json.dumps(rem.policy).encode())
            if self.path == "/metrics":
                return self._send(200, rem.metrics().encode(), "text/plain; version=0.0.4")
            if self.path == "/health":
                return self._send(200, b"ok\n", "text/plain")
            self._send(404, b'{"error": "not found"}')

    Handler.token = token
    return Handler


def main() -> None:
    policy = json.loads(os.environ["REMEDIATOR_POLICY"])
    swarm = Swarm(os.environ.get("DOCKER_API", "http://docker-actions:2375"))
    rem = Remediator(policy, swarm, STATE_FILE)
    log("listening", port=PORT, dryRun=bool(policy.get("dryRun")), actions=policy["actions"])
    threading.Thread(target=poller, args=(rem,), daemon=True).start()
    webhook.Server(("", PORT), make_handler(rem, webhook.read_token())).serve_forever()


if __name__ == "__main__":
    main()
