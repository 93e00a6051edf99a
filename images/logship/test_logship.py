"""The node agent's parsing and tailing, on real files (pytest; the lab tests run it for real)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGSHIP_CONTAINERS_DIR", str(tmp_path / "containers"))
    monkeypatch.setenv("LOGSHIP_STATE", str(tmp_path / "state" / "positions.json"))
    monkeypatch.setenv("LOGSHIP_NODE", "lab-node-2")
    monkeypatch.setenv("LOGSHIP_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    spec = importlib.util.spec_from_file_location("logship", HERE / "logship.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["logship"] = module
    spec.loader.exec_module(module)
    return module


def container(root: Path, cid: str, service: str, lines: list[dict[str, str]]) -> Path:
    d = root / "containers" / cid
    d.mkdir(parents=True)
    labels = {
        "com.docker.swarm.service.name": f"lab_{service}",
        "com.docker.stack.namespace": "lab",
        "com.docker.swarm.task.name": f"lab_{service}.1.x{cid}",
    }
    (d / "config.v2.json").write_text(json.dumps({"Name": f"/{cid}", "Config": {"Labels": labels}}))
    log = d / f"{cid}-json.log"
    log.write_text("".join(json.dumps(entry) + "\n" for entry in lines))
    return log


def test_labels_are_the_short_service_the_stack_the_task_and_the_node(agent) -> None:  # type: ignore[no-untyped-def]
    labels = agent.labels_of(
        {
            "Config": {
                "Labels": {
                    "com.docker.swarm.service.name": "lab_pg1",
                    "com.docker.stack.namespace": "lab",
                    "com.docker.swarm.task.name": "lab_pg1.1.z",
                }
            }
        }
    )
    assert labels["service"] == "pg1"
    assert labels["stack"] == "lab"
    assert labels["node"] == "lab-node-2"
    assert labels["task"] == "lab_pg1.1.z"
    assert agent.labels_of({"Config": {"Labels": {}}}) is None


def test_a_json_line_keeps_its_fields_and_cannot_override_the_labels(agent) -> None:  # type: ignore[no-untyped-def]
    labels = {"stack": "lab", "service": "app", "node": "n", "task": "t", "name": "c"}
    inner = {
        "level": "ERROR",
        "request_id": "r1",
        "service": "spoofed",
        "nested": {"a": 1},
    }
    rec = agent.record(
        json.dumps(
            {
                "log": json.dumps(inner) + "\n",
                "stream": "stderr",
                "time": "2026-11-26T12:00:00Z",
            }
        ),
        labels,
    )
    assert rec["service"] == "app"
    assert rec["level"] == "ERROR"
    assert rec["request_id"] == "r1"
    assert "nested" not in rec
    assert rec["_msg"] == json.dumps(inner)
    assert rec["_time"] == "2026-11-26T12:00:00Z"
    assert agent.record("not json", labels) is None


def test_lines_are_collected_once_and_only_complete_ones(agent, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = container(
        tmp_path,
        "c1",
        "app",
        [{"log": f"line {i}\n", "stream": "stdout", "time": "t"} for i in range(3)],
    )
    with log.open("a") as f:
        f.write('{"log": "half a li')
    tailer = agent.Tailer()
    lines, advanced = tailer.collect()
    assert [json.loads(x)["_msg"] for x in lines] == ["line 0", "line 1", "line 2"]
    tailer.positions.update(advanced)
    tailer.save()
    again = agent.Tailer()  # a restarted agent reads its positions back
    assert again.collect()[0] == []
    with log.open("a") as f:
        f.write('ne\\n", "stream": "stdout", "time": "t"}\n')
    assert [json.loads(x)["_msg"] for x in again.collect()[0]] == ["half a line"]


def test_a_rotated_file_is_read_from_its_start(agent, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = container(
        tmp_path,
        "c2",
        "traefik",
        [{"log": "old old old\n", "stream": "stdout", "time": "t"}],
    )
    tailer = agent.Tailer()
    tailer.positions.update(tailer.collect()[1])
    log.write_text(json.dumps({"log": "new\n", "stream": "stdout", "time": "t"}) + "\n")
    assert [json.loads(x)["_msg"] for x in tailer.collect()[0]] == ["new"]


def test_lines_are_not_acknowledged_while_the_store_refuses(agent, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    container(tmp_path, "c3", "app", [{"log": "keep me\n", "stream": "stdout", "time": "t"}])
    tailer = agent.Tailer()
    lines, _ = tailer.collect()
    with pytest.raises(OSError):
        agent.ship(lines)  # connection refused: nothing listens on the discard port
    assert tailer.positions == {}
    assert not os.path.exists(os.environ["LOGSHIP_STATE"])
    assert [json.loads(x)["_msg"] for x in tailer.collect()[0]] == ["keep me"]
