"""Pure: what the remediator does about an alert, with its safety rules. No I/O here.

An alert asks for an action through its labels (`action`, and `service` for the service it is
about). The answer is a Decision: `act` with the change to make, or why not (the result names the
rule that held it back). Rules, in order: the action is known and enabled; the service carries the
label `swarm-lab.remediate` listing the action; an incident is acted on once (scale-up: once per
cooldown, one replica at a time, while it lasts); the per-action cooldown; no change while Swarm is
updating the service (a deploy or its rollback); the bounds (never above the maximum, never below
the configured replicas); the global rate limit; dry-run.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

ACTIONS = ("scale-up", "backup", "redeploy", "rebalance")
# Actions on a Swarm service (backup asks the backup service instead).
SERVICE_ACTIONS = ("scale-up", "redeploy", "rebalance")
FORCE_UPDATES = ("redeploy", "rebalance")
ALLOW_LABEL = "swarm-lab.remediate"
REPLICAS_LABEL = "swarm-lab.replicas"


@dataclass
class Intent:
    action: str
    service: str
    alertname: str
    incident: str

    @property
    def key(self) -> str:
        return f"{self.action}/{self.service}"


@dataclass
class Facts:
    """What the Swarm says about the target service (read before deciding)."""

    exists: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    replicas: int | None = None
    # rebalance: the most tasks on one ready node minus the fewest (0 or 1 is balanced)
    spread: int = 0
    # Swarm's update of the service while one runs (a deploy, its rollback): None when none does
    updating: str | None = None


# UpdateStatus states in which Swarm is still replacing the service's tasks.
UPDATING_STATES = ("updating", "paused", "rollback_started", "rollback_paused")


@dataclass
class Decision:
    result: str
    reason: str
    action: str
    service: str
    alertname: str
    incident: str
    change: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False

    def record(self, now: float) -> dict[str, Any]:
        return {"at": now, **asdict(self)}


def intent_of(alert: dict[str, Any]) -> Intent | None:
    """The action an alert asks for, or None when it asks for none."""
    labels = alert.get("labels", {})
    action = labels.get("action", "")
    if not action:
        return None
    return Intent(
        action=action,
        service=labels.get("service", ""),
        alertname=labels.get("alertname", ""),
        # Alertmanager keeps the fingerprint for the same label set; startsAt tells incidents apart.
        incident=f"{alert.get('fingerprint', '')}@{instant(str(alert.get('startsAt', '')))}",
    )


def instant(text: str) -> str:
    """Alertmanager's API and its webhook write the same start time differently (fraction
    digits, offset): the same incident must get the same key from both."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$", text)
    if not m:
        return text
    frac = (m.group(2) or ".0")[1:4].ljust(6, "0")  # milliseconds, as JavaScript reads them
    zone = "+00:00" if m.group(3) in (None, "Z") else m.group(3)
    when = datetime.fromisoformat(f"{m.group(1)}.{frac}{zone}")
    return f"{when.timestamp():.3f}"


def new_state() -> dict[str, Any]:
    return {"last": {}, "incidents": {}, "done": [], "scaled": {}}


def _decision(intent: Intent, result: str, reason: str, **change: Any) -> Decision:
    return Decision(
        result, reason, intent.action, intent.service, intent.alertname, intent.incident, change
    )


def _allowed(intent: Intent, facts: Facts) -> str | None:
    if intent.action not in SERVICE_ACTIONS:
        return None
    if not facts.exists:
        return f"no service {intent.service!r} in the stack"
    allowed = [a.strip() for a in facts.labels.get(ALLOW_LABEL, "").split(",") if a.strip()]
    if intent.action not in allowed:
        return f"service {intent.service} does not allow {intent.action} (label {ALLOW_LABEL})"
    return None


def _change(
    intent: Intent, policy: dict[str, Any], facts: Facts
) -> tuple[str, str, dict[str, Any]]:
    """The change the action makes, or a result that says why there is none."""
    conf = policy["actions"][intent.action]
    if intent.action == "scale-up":
        if facts.replicas is None:
            return "not_allowed", f"{intent.service} is not a replicated service", {}
        if facts.replicas >= conf["max"]:
            return "at_bound", f"{intent.service} already at the maximum ({conf['max']})", {}
        return "act", "", {"kind": "scale", "from": facts.replicas, "to": facts.replicas + 1}
    if intent.action == "rebalance":
        if facts.spread <= 1:
            return "balanced", f"{intent.service} is spread evenly (difference {facts.spread})", {}
        if facts.replicas is None:
            return "not_allowed", f"{intent.service} is not a replicated service", {}
        # Up by the missing tasks (Swarm puts them on the emptiest nodes), then back (it removes
        # from the fullest). A forced redeploy does not do it: with start-first updates the old
        # tasks still count when the new ones are placed (measured: 2/1/0 stayed 2/1/0).
        top = policy["actions"]["scale-up"]["max"]
        extra = min(facts.spread - 1, top - facts.replicas)
        if extra < 1:
            return "at_bound", f"{intent.service} at its maximum: no room to rebalance", {}
        return (
            "act",
            "",
            {"kind": "scale-cycle", "from": facts.replicas, "via": facts.replicas + extra},
        )
    if intent.action == "redeploy":
        return "act", "", {"kind": "force-update"}
    return "act", "", {"kind": "backup"}


def decide(
    intent: Intent, policy: dict[str, Any], state: dict[str, Any], facts: Facts, now: float
) -> Decision:
    """Pure: the decision for one alert; `state` is read, never written (see `remember`)."""
    conf = policy["actions"].get(intent.action)
    if intent.action not in ACTIONS or conf is None:
        return _decision(intent, "unknown", f"no action named {intent.action!r}")
    if not conf.get("enabled", True):
        return _decision(intent, "disabled", f"{intent.action} is disabled in swarm-lab.yaml")
    refused = _allowed(intent, facts)
    if refused:
        return _decision(intent, "not_allowed", refused)
    # Dry-run keeps its own memory: what it "did" must not hold back a real action later.
    ns = "dry:" if policy.get("dryRun") else ""
    if intent.action != "scale-up" and f"{ns}{intent.key}/{intent.incident}" in state["incidents"]:
        return _decision(intent, "already_done", "this incident was acted on already")
    last = state["last"].get(ns + intent.key)
    if intent.action in FORCE_UPDATES:
        # A redeploy and a rebalance both replace every task: one holds back the other, or the
        # replacements one makes would read as a crash loop and call for the next.
        both = [state["last"].get(f"{ns}{a}/{intent.service}") for a in FORCE_UPDATES]
        last = max((t for t in both if t is not None), default=None)
    if last is not None and now - last < conf["cooldownS"]:
        wait = round(conf["cooldownS"] - (now - last))
        return _decision(
            intent, "cooldown", f"{intent.key} acted {round(now - last)} s ago ({wait} s left)"
        )
    if facts.updating:
        # A deploy (or its rollback) is replacing the tasks: a scale or a forced update now would
        # race it, and its own checks would read the change as the deploy's.
        return _decision(
            intent, "deploying", f"{intent.service} is being updated by Swarm ({facts.updating})"
        )
    result, reason, change = _change(intent, policy, facts)
    if result != "act":
        return _decision(intent, result, reason)
    limit = policy["rateLimit"]
    recent = [t for t in state["done"] if now - t < limit["perS"]]
    if len(recent) >= limit["max"]:
        return _decision(
            intent, "rate_limited", f"{len(recent)} actions in the last {limit['perS']} s"
        )
    d = _decision(intent, "act", "", **change)
    if policy.get("dryRun"):
        d.result, d.dry_run, d.reason = "dry_run", True, "dry-run: decided, nothing changed"
    return d


def decide_scale_down(
    service: str,
    policy: dict[str, Any],
    state: dict[str, Any],
    facts: Facts,
    now: float,
    active: bool,
) -> Decision | None:
    """Pure: one replica back towards the configured count after a quiet period, or None."""
    scaled = state["scaled"].get(service)
    if scaled is None or active or facts.replicas is None or facts.updating:
        return None
    quiet = policy["actions"]["scale-up"]["quietS"]
    intent = Intent("scale-down", service, "", "")
    base = int(facts.labels.get(REPLICAS_LABEL, scaled["base"]))
    if facts.replicas <= base:
        return _decision(intent, "settled", f"{service} back to its {base} replicas")
    since = min(now - scaled["quietSince"], now - state["last"].get(f"scale-up/{service}", 0))
    if since < quiet:
        return None
    last_down = state["last"].get(f"scale-down/{service}", 0)
    if now - last_down < quiet:
        return None
    d = _decision(
        intent, "act", "", kind="scale", **{"from": facts.replicas, "to": facts.replicas - 1}
    )
    if policy.get("dryRun"):
        d.result, d.dry_run, d.reason = "dry_run", True, "dry-run: decided, nothing changed"
    return d


def remember(state: dict[str, Any], d: Decision, now: float, base: int | None = None) -> None:
    """Writes what a decision that acted (or would have, in dry-run) changes in the state."""
    if d.result == "settled":
        state["scaled"].pop(d.service, None)
        return
    if d.result not in ("act", "dry_run"):
        return
    ns = "dry:" if d.dry_run else ""
    state["last"][f"{ns}{d.action}/{d.service}"] = now
    if d.action not in ("scale-up", "scale-down"):
        state["incidents"][f"{ns}{d.action}/{d.service}/{d.incident}"] = now
    if d.dry_run:
        return
    state["done"] = [t for t in state["done"] if now - t < 86_400] + [now]
    if d.action == "scale-up":
        state["scaled"].setdefault(d.service, {"base": base or d.change["from"], "quietSince": now})


def mark_active(state: dict[str, Any], service: str, now: float) -> None:
    """A scale-up alert for `service` is still active: its quiet period starts again."""
    if service in state["scaled"]:
        state["scaled"][service]["quietSince"] = now


def trim(state: dict[str, Any], now: float, keep_s: float = 7 * 86_400) -> None:
    state["incidents"] = {k: t for k, t in state["incidents"].items() if now - t < keep_s}
