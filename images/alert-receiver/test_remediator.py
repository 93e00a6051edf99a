"""The remediator's decisions and HTTP answers. The Swarm here is a recording stand-in: these tests
pin the safety rules; the lab tests (tests/lab/remediation.test.ts) prove them on a real Swarm."""

from __future__ import annotations

import json
import threading
from typing import Any

import decide as d
import pytest
import remediator
import webhook
from conftest import TOKEN

POLICY: dict[str, Any] = {
    "stack": "lab",
    "dryRun": False,
    "rateLimit": {"max": 3, "perS": 3600},
    "actions": {
        "scale-up": {"enabled": True, "cooldownS": 120, "max": 5, "quietS": 60},
        "backup": {"enabled": True, "cooldownS": 600},
        "redeploy": {"enabled": True, "cooldownS": 600},
        "rebalance": {"enabled": False, "cooldownS": 600},
    },
    "thresholds": {"app_latency_p95_seconds": 0.5},
}
APP = d.Facts(True, {d.ALLOW_LABEL: "scale-up,redeploy", d.REPLICAS_LABEL: "3"}, 3)


def alert(action: str, service: str = "app", start: str = "2026-11-26T12:00:00Z") -> dict:
    return {
        "status": "firing",
        "labels": {"alertname": "AppSaturated", "action": action, "service": service},
        "fingerprint": "f1",
        "startsAt": start,
    }


def intent(action: str, **kw: str) -> d.Intent:
    found = d.intent_of(alert(action, **kw))
    assert found is not None
    return found


def test_an_alert_without_an_action_asks_for_none() -> None:
    assert d.intent_of({"labels": {"alertname": "NodeDown"}}) is None


def test_scale_up_adds_one_replica_then_cooldown_holds() -> None:
    state = d.new_state()
    first = d.decide(intent("scale-up"), POLICY, state, APP, 1000.0)
    assert (first.result, first.change) == ("act", {"kind": "scale", "from": 3, "to": 4})
    d.remember(state, first, 1000.0)
    again = d.decide(intent("scale-up"), POLICY, state, APP, 1010.0)
    assert again.result == "cooldown"
    later = d.decide(intent("scale-up"), POLICY, state, d.Facts(True, APP.labels, 4), 1200.0)
    assert later.change["to"] == 5


def test_never_above_the_maximum() -> None:
    top = d.Facts(True, APP.labels, 5)
    assert d.decide(intent("scale-up"), POLICY, d.new_state(), top, 0).result == "at_bound"


def test_only_services_that_allow_the_action() -> None:
    pg = d.Facts(True, {}, 1)
    assert d.decide(intent("redeploy", service="pg1"), POLICY, d.new_state(), pg, 0).result == (
        "not_allowed"
    )
    assert d.decide(
        intent("redeploy", service="gone"), POLICY, d.new_state(), d.Facts(), 0
    ).result == ("not_allowed")


def test_an_incident_is_acted_on_once_even_after_the_cooldown() -> None:
    state = d.new_state()
    first = d.decide(intent("backup"), POLICY, state, d.Facts(), 0)
    d.remember(state, first, 0)
    assert d.decide(intent("backup"), POLICY, state, d.Facts(), 5000).result == "already_done"
    # A new incident (another start) after the cooldown is acted on.
    new = intent("backup", start="2026-11-26T14:00:00Z")
    assert d.decide(new, POLICY, state, d.Facts(), 5000).result == "act"


def test_the_same_start_written_two_ways_is_one_incident() -> None:
    a = intent("backup", start="2026-11-26T12:00:00.5Z")
    b = intent("backup", start="2026-11-26T12:00:00.500000000+00:00")
    assert a.incident == b.incident


def test_rate_limit_and_disabled() -> None:
    state = d.new_state()
    state["done"] = [100.0, 200.0, 300.0]
    assert d.decide(intent("backup"), POLICY, state, d.Facts(), 400).result == "rate_limited"
    assert d.decide(intent("rebalance"), POLICY, state, APP, 400).result == "disabled"


def test_rebalance_only_when_unbalanced() -> None:
    policy = {
        **POLICY,
        "actions": {**POLICY["actions"], "rebalance": {"enabled": True, "cooldownS": 1}},
    }
    labels = {d.ALLOW_LABEL: "rebalance"}
    even = d.Facts(True, labels, 3, spread=1)
    uneven = d.Facts(True, labels, 3, spread=2)
    assert d.decide(intent("rebalance"), policy, d.new_state(), even, 0).result == "balanced"
    done = d.decide(intent("rebalance"), policy, d.new_state(), uneven, 0)
    assert (done.result, done.change) == ("act", {"kind": "scale-cycle", "from": 3, "via": 4})
    at_max = d.Facts(True, labels, 5, spread=2)
    assert d.decide(intent("rebalance"), policy, d.new_state(), at_max, 0).result == "at_bound"


def test_dry_run_decides_and_says_so_without_holding_back_a_real_action() -> None:
    state = d.new_state()
    dry = {**POLICY, "dryRun": True}
    dec = d.decide(intent("backup"), dry, state, d.Facts(), 0)
    assert (dec.result, dec.dry_run) == ("dry_run", True)
    d.remember(state, dec, 0)
    assert d.decide(intent("backup"), dry, state, d.Facts(), 1).result == "already_done"
    assert d.decide(intent("backup"), POLICY, state, d.Facts(), 2).result == "act"
    assert state["done"] == [] and state["scaled"] == {}


def test_scale_down_one_replica_per_quiet_period_never_below_the_configured_count() -> None:
    state = d.new_state()
    up = d.decide(intent("scale-up"), POLICY, state, APP, 0)
    d.remember(state, up, 0)
    four = d.Facts(True, APP.labels, 4)
    assert d.decide_scale_down("app", POLICY, state, four, 30, active=False) is None
    assert d.decide_scale_down("app", POLICY, state, four, 100, active=True) is None
    down = d.decide_scale_down("app", POLICY, state, four, 100, active=False)
    assert down is not None and down.change == {"kind": "scale", "from": 4, "to": 3}
    d.remember(state, down, 100)
    settled = d.decide_scale_down("app", POLICY, state, APP, 200, active=False)
    assert settled is not None and settled.result == "settled"
    d.remember(state, settled, 200)
    assert state["scaled"] == {}


def test_no_change_while_swarm_updates_the_service_a_deploy_or_its_rollback() -> None:
    state = d.new_state()
    for update in ("updating", "rollback_started"):
        deploying = d.Facts(True, APP.labels, 3, updating=update)
        held = d.decide(intent("scale-up"), POLICY, state, deploying, 0)
        assert (held.result, held.change) == ("deploying", {})
        assert update in held.reason
        assert d.decide(intent("redeploy"), POLICY, state, deploying, 0).result == "deploying"
        d.remember(state, held, 0)
    # Nothing was remembered as done: once the update is over, the same alert acts.
    assert d.decide(intent("scale-up"), POLICY, state, APP, 1).result == "act"
    # A scale back down waits for the update too.
    up = d.decide(intent("scale-up"), POLICY, state, APP, 0)
    d.remember(state, up, 0)
    four = d.Facts(True, APP.labels, 4)
    assert d.decide_scale_down("app", POLICY, state, four, 100, active=False) is not None
    busy = d.Facts(True, APP.labels, 4, updating="updating")
    assert d.decide_scale_down("app", POLICY, state, busy, 100, active=False) is None


def test_the_update_state_is_read_from_the_service() -> None:
    from swarm import Swarm

    cases = {"updating": "updating", "completed": None, "rollback_completed": None, None: None}
    for state, expected in cases.items():
        sw = Swarm("http://unused")
        found = {"labels": APP.labels, "replicas": 3, "updating": state}
        sw.service = lambda _s, f=found: f  # type: ignore[method-assign]
        assert sw.facts("app").updating == expected
        assert sw.facts("app").replicas == 3


class RecordingSwarm:
    """Stand-in for the proxy's Swarm API: records what would be changed."""

    def __init__(self) -> None:
        self.replicas = 3
        self.calls: list[tuple[str, int]] = []

    def facts(self, service: str, spread: bool = False) -> d.Facts:
        return d.Facts(True, APP.labels, self.replicas)

    def scale(self, service: str, replicas: int) -> None:
        self.calls.append((service, replicas))
        self.replicas = replicas

    def force_update(self, service: str) -> None:
        self.calls.append((service, -1))


@pytest.fixture
def served():  # type: ignore[no-untyped-def]
    swarm = RecordingSwarm()
    rem = remediator.Remediator(POLICY, swarm, "")  # type: ignore[arg-type]
    srv = webhook.Server(("127.0.0.1", 0), remediator.make_handler(rem, TOKEN))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", swarm, rem
    srv.shutdown()


def test_a_flood_of_repeats_acts_once_and_a_bad_body_changes_nothing(
    served: Any, post: Any
) -> None:
    url, swarm, rem = served
    body = json.dumps({"version": "4", "alerts": [alert("scale-up")]}).encode()
    assert post(f"{url}/alerts", b'{"version": "4", "alerts": [{"status": "x"}]}') == 400
    assert post(f"{url}/alerts", body, token=None) == 401
    assert post(f"{url}/alerts", body, token="guessed") == 401
    assert swarm.calls == []
    assert list(rem.decisions) == []
    threads = [threading.Thread(target=post, args=(f"{url}/alerts", body)) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert swarm.calls == [("app", 4)]
    results = [r["result"] for r in rem.decisions]
    assert results.count("act") == 1 and results.count("cooldown") == 19
    metrics = rem.metrics()
    assert 'lab_remediation_decisions_total{action="scale-up",result="act"} 1' in metrics
    assert 'lab_alert_threshold{name="app_latency_p95_seconds"} 0.5' in metrics


def test_a_redeploy_holds_back_a_rebalance_of_the_same_service() -> None:
    policy = {
        **POLICY,
        "actions": {**POLICY["actions"], "rebalance": {"enabled": True, "cooldownS": 600}},
    }
    facts = d.Facts(True, {d.ALLOW_LABEL: "redeploy,rebalance"}, 3, spread=2)
    state = d.new_state()
    done = d.decide(intent("redeploy"), policy, state, facts, 0)
    d.remember(state, done, 0)
    assert d.decide(intent("rebalance"), policy, state, facts, 100).result == "cooldown"
    assert d.decide(intent("rebalance"), policy, state, facts, 700).result == "act"


def test_alertmanager_is_read_with_the_remediator_s_own_user(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.error
    from http.server import BaseHTTPRequestHandler

    expected = remediator.basic_auth("remediator", "s3cret")
    seen: list[str] = []

    class Am(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            ok = seen[-1] == expected
            body = json.dumps([alert("scale-up"), {"labels": {"alertname": "NoAction"}}]).encode()
            self.send_response(200 if ok else 401)
            self.end_headers()
            self.wfile.write(body if ok else b"Unauthorized")

        def log_message(self, *_: object) -> None:
            return

    srv = webhook.Server(("127.0.0.1", 0), Am)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    monkeypatch.setattr(remediator, "ALERTMANAGER", f"http://127.0.0.1:{srv.server_address[1]}")
    monkeypatch.setattr(remediator, "AM_PASSWORD_FILE", str(secret))
    try:
        assert [a["labels"]["action"] for a in remediator.active_alerts()] == ["scale-up"]
        secret.write_text("wrong\n")
        with pytest.raises(urllib.error.HTTPError):
            remediator.active_alerts()
        assert seen == [expected, remediator.basic_auth("remediator", "wrong")]
    finally:
        srv.shutdown()
