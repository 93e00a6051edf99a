#!/usr/bin/python3
"""The offline set's node agent (one per node), standing in for Grafana Alloy and cAdvisor.

Logs: tails every container's json-file log on its node and ships each line to VictoriaLogs'
JSON-lines API with the labels Alloy gives in the official set: service, stack, node, task,
stream. Service, stack and task come from the container's own config (config.v2.json, read from
the node's disk, no Docker API needed); node is this task's hostname ({{.Node.Hostname}}). A line
that is JSON (the app's logs, Traefik's access log) also has its top-level fields stored, so
`request_id`, `level` or `DownstreamStatus` can be filtered on. A line is acknowledged (its offset
saved) only after VictoriaLogs accepted it: a log store that is down delays lines, loses none
(up to the json-file rotation of the node's engine).

Metrics on :9101: the shipper's own counters, and per-container CPU and memory read from the
node's cgroups under cAdvisor's metric and label names, so one dashboard serves both sets.
"""

from __future__ import annotations

import glob
import json
import os
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONTAINERS = os.environ.get("LOGSHIP_CONTAINERS_DIR", "/host/containers")
CGROUP = os.environ.get("LOGSHIP_CGROUP_DIR", "/host/cgroup")
STATE = os.environ.get("LOGSHIP_STATE", "/var/lib/logship/positions.json")
URL = os.environ.get("LOGSHIP_URL", "http://victorialogs:9428")
if not URL.startswith(("http://", "https://")):
    raise SystemExit(f"LOGSHIP_URL must be an http(s) URL, not {URL!r}")
NODE = os.environ.get("LOGSHIP_NODE", os.uname().nodename)
PORT = int(os.environ.get("LOGSHIP_PORT", "9101"))
INTERVAL = float(os.environ.get("LOGSHIP_INTERVAL_S", "0.5"))
BATCH_BYTES = 1 << 20
LABELS = ("stack", "service", "node", "task", "stream")
RESERVED = {*LABELS, "_msg", "_time", "time"}
STREAM_FIELDS = ",".join(LABELS)

counters: dict[str, float] = {
    "lines": 0,
    "bytes": 0,
    "errors": 0,
    "last_success": 0,
    "files": 0,
}


def log(msg: str) -> None:
    print(
        json.dumps(
            {
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "level": "INFO",
                "logger": "logship",
                "message": msg,
            }
        ),
        flush=True,
    )


def labels_of(config: dict[str, Any]) -> dict[str, str] | None:
    """Pure: a container's config.v2.json -> its log labels, or None when it is no Swarm task."""
    found = (config.get("Config") or {}).get("Labels") or {}
    service = found.get("com.docker.swarm.service.name")
    if not service:
        return None
    stack = found.get("com.docker.stack.namespace", "")
    short = service[len(stack) + 1 :] if stack and service.startswith(f"{stack}_") else service
    return {
        "stack": stack,
        "service": short,
        "node": NODE,
        "task": found.get("com.docker.swarm.task.name", ""),
        "name": str(config.get("Name", "")).lstrip("/"),
    }


def record(raw: str, labels: dict[str, str]) -> dict[str, Any] | None:
    """Pure: one json-file line -> the record stored, or None for a line that is not JSON."""
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    text = str(entry.get("log", "")).rstrip("\n")
    out: dict[str, Any] = {
        "_time": entry.get("time"),
        "_msg": text,
        **{k: labels[k] for k in ("stack", "service", "node", "task")},
        "stream": entry.get("stream", ""),
    }
    if text.startswith("{"):
        try:
            inner = json.loads(text)
        except ValueError:
            inner = None
        if isinstance(inner, dict):
            for key, value in inner.items():
                if key not in RESERVED and isinstance(value, str | int | float | bool):
                    out[key] = value
    return out


class Tailer:
    def __init__(self) -> None:
        self.positions: dict[str, int] = self._load()
        self.labels: dict[str, dict[str, str] | None] = {}

    def _load(self) -> dict[str, int]:
        try:
            with open(STATE, encoding="utf8") as f:
                data = json.load(f)
            return {k: int(v) for k, v in data.items()}
        except (OSError, ValueError):
            return {}

    def save(self) -> None:
        os.makedirs(os.path.dirname(STATE), exist_ok=True)
        tmp = f"{STATE}.tmp"
        with open(tmp, "w", encoding="utf8") as f:
            json.dump(self.positions, f)
        os.replace(tmp, STATE)

    def _labels(self, cid: str) -> dict[str, str] | None:
        if cid not in self.labels:
            try:
                with open(os.path.join(CONTAINERS, cid, "config.v2.json"), encoding="utf8") as f:
                    self.labels[cid] = labels_of(json.load(f))
            except (OSError, ValueError):
                return None
        return self.labels[cid]

    def collect(self) -> tuple[list[bytes], dict[str, int]]:
        """New complete lines of every file, and the offsets to save once they are shipped."""
        lines: list[bytes] = []
        advanced: dict[str, int] = {}
        files = glob.glob(os.path.join(CONTAINERS, "*", "*-json.log"))
        counters["files"] = len(files)
        size = 0
        for path in files:
            cid = os.path.basename(os.path.dirname(path))
            labels = self._labels(cid)
            if labels is None:
                continue
            start = self.positions.get(path, 0)
            try:
                if os.path.getsize(path) < start:
                    start = 0  # rotated or truncated
                with open(path, "rb") as f:
                    f.seek(start)
                    chunk = f.read(BATCH_BYTES - size)
            except OSError:
                continue
            end = chunk.rfind(b"\n") + 1
            if end == 0:
                continue
            for raw in chunk[:end].splitlines():
                rec = record(raw.decode("utf8", "replace"), labels)
                if rec is not None:
                    lines.append(json.dumps(rec).encode())
            advanced[path] = start + end
            size += end
            if size >= BATCH_BYTES:
                break
        live = set(files)
        self.positions = {p: o for p, o in self.positions.items() if p in live}
        return lines, advanced


def ship(lines: list[bytes]) -> None:
    url = f"{URL}/insert/jsonline?_stream_fields={STREAM_FIELDS}"
    # The scheme is checked at start (http or https only).
    req = urllib.request.Request(url, data=b"\n".join(lines) + b"\n", method="POST")  # noqa: S310
    req.add_header("Content-Type", "application/stream+json")
    with urllib.request.urlopen(req, timeout=10) as res:  # noqa: S310
        res.read()


def ship_forever(tailer: Tailer) -> None:
    failing = False
    while True:
        lines, advanced = tailer.collect()
        if lines:
            try:
                ship(lines)
            except OSError as exc:
                counters["errors"] += 1
                if not failing:
                    log(f"cannot ship to {URL}: {exc}; keeping the lines and retrying")
                failing = True
                time.sleep(2)
                continue
            if failing:
                log(f"shipping to {URL} again")
            failing = False
            counters["lines"] += len(lines)
            counters["bytes"] += sum(len(x) for x in lines)
            counters["last_success"] = time.time()
        if advanced:
            tailer.positions.update(advanced)
            tailer.save()
        if not lines:
            time.sleep(INTERVAL)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf8") as f:
            return f.read()
    except OSError:
        return None


def cgroup_dir(controller: str, cid: str) -> str | None:
    """The container's cgroup (v1 cgroupfs or v2) as the node sees it."""
    for pattern in (
        f"{CGROUP}/{controller}/docker/{cid}",
        f"{CGROUP}/{controller}/*/docker/{cid}",
        f"{CGROUP}/{controller}/**/docker/{cid}",
        f"{CGROUP}/system.slice/docker-{cid}.scope",
        f"{CGROUP}/**/docker/{cid}",
    ):
        found = glob.glob(pattern, recursive=True)
        if found:
            return found[0]
    return None


def container_metrics(tailer: Tailer) -> list[str]:
    out = [
        "# TYPE container_memory_usage_bytes gauge",
        "# TYPE container_memory_working_set_bytes gauge",
        "# TYPE container_cpu_usage_seconds_total counter",
    ]
    for cfg in glob.glob(os.path.join(CONTAINERS, "*", "config.v2.json")):
        cid = os.path.basename(os.path.dirname(cfg))
        labels = tailer._labels(cid)
        if labels is None:
            continue
        tags = (
            f'container_label_com_docker_swarm_service_name="{labels["stack"]}_{labels["service"]}",'
            f'container_label_com_docker_swarm_task_name="{labels["task"]}",'
            f'container_label_com_docker_stack_namespace="{labels["stack"]}",'
            f'name="{labels["name"]}",id="/docker/{cid}"'
        )
        mem = cgroup_dir("memory", cid)
        usage = _read(f"{mem}/memory.usage_in_bytes") if mem else None
        usage = usage or (_read(f"{mem}/memory.current") if mem else None)
        if usage:
            out.append(f"container_memory_usage_bytes{{{tags}}} {int(usage)}")
            stat: dict[str, str] = dict(
                [*line.split(), "0"][:2]
                for line in (_read(f"{mem}/memory.stat") or "").splitlines()
            )
            inactive = int(stat.get("total_inactive_file", stat.get("inactive_file", "0")))
            out.append(
                f"container_memory_working_set_bytes{{{tags}}} {max(0, int(usage) - inactive)}"
            )
        cpu = cgroup_dir("cpuacct", cid) or cgroup_dir("cpu,cpuacct", cid)
        ns = _read(f"{cpu}/cpuacct.usage") if cpu else None
        if ns:
            out.append(f"container_cpu_usage_seconds_total{{{tags}}} {int(ns) / 1e9}")
        elif mem and mem.endswith(".scope"):
            for line in (_read(f"{mem}/cpu.stat") or "").splitlines():
                if line.startswith("usage_usec "):
                    out.append(
                        f"container_cpu_usage_seconds_total{{{tags}}} {int(line.split()[1]) / 1e6}"
                    )
    return out


def metrics_text(tailer: Tailer) -> str:
    lines = [
        "# TYPE logship_lines_shipped_total counter",
        f"logship_lines_shipped_total {counters['lines']}",
        "# TYPE logship_bytes_shipped_total counter",
        f"logship_bytes_shipped_total {counters['bytes']}",
        "# TYPE logship_ship_errors_total counter",
        f"logship_ship_errors_total {counters['errors']}",
        "# TYPE logship_last_success_timestamp_seconds gauge",
        f"logship_last_success_timestamp_seconds {counters['last_success']}",
        "# TYPE logship_files gauge",
        f"logship_files {counters['files']}",
        *container_metrics(tailer),
    ]
    return "\n".join(lines) + "\n"


def serve(tailer: Tailer) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                body = metrics_text(tailer).encode()
                ctype = "text/plain; version=0.0.4"
            elif self.path == "/health":
                body, ctype = b"ok\n", "text/plain"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            return

    ThreadingHTTPServer(("", PORT), Handler).serve_forever()


def main() -> None:
    tailer = Tailer()
    threading.Thread(target=serve, args=(tailer,), daemon=True).start()
    log(f"shipping container logs of node {NODE} from {CONTAINERS} to {URL}")
    ship_forever(tailer)


if __name__ == "__main__":
    main()
