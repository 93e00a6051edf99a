#!/usr/bin/python3
"""The backup service's daemon: pgBackRest server, backup schedule and Prometheus metrics.

- keeps `pgbackrest server` running (the members push WAL to it over TLS);
- creates the stanza once a primary answers, then takes a full backup when the repository has
  none, a full one every BACKUP_FULL_EVERY_S and a differential one every BACKUP_DIFF_EVERY_S;
- serves /metrics on :9854: the newest backups (time, duration, size), the repository's free
  space, and the primary's WAL archiver (pg_stat_archiver, read as the `monitor` role).
"""

from __future__ import annotations

import hmac
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STANZA = os.environ.get("PGBACKREST_STANZA", "main")
REPO = "/var/lib/pgbackrest"
FULL_EVERY = int(os.environ.get("BACKUP_FULL_EVERY_S", "86400"))
DIFF_EVERY = int(os.environ.get("BACKUP_DIFF_EVERY_S", "3600"))
PORT = int(os.environ.get("METRICS_PORT", "9854"))
MEMBERS = os.environ.get("PG_MEMBERS", "pg1,pg2")
LOCK_ERROR = 50  # pgBackRest: another backup holds the stanza's lock
PGBACKREST = "/usr/bin/pgbackrest"
TOKEN_FILE = os.environ.get("BACKUP_TOKEN_FILE", "/run/secrets/remediator_token")


def log(msg: str) -> None:
    print(
        f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} lab-backupd: {msg}",
        flush=True,
    )


def pgbackrest(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    # Fixed program, arguments from this file only.
    return subprocess.run(  # noqa: S603
        [PGBACKREST, f"--stanza={STANZA}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def info() -> list[dict[str, Any]]:
    res = pgbackrest("--output=json", "info", timeout=60)
    if res.returncode != 0:
        raise RuntimeError(res.stderr.strip() or res.stdout.strip())
    data: list[dict[str, Any]] = json.loads(res.stdout)
    return data


def backups(stanzas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for s in stanzas for b in s.get("backup", [])]


def due(found: list[dict[str, Any]], now: float) -> str | None:
    """Which backup the schedule wants now: full, diff, or none."""
    fulls = [b["timestamp"]["stop"] for b in found if b["type"] == "full"]
    if not fulls or now - max(fulls) >= FULL_EVERY:
        return "full"
    if now - max(b["timestamp"]["stop"] for b in found) >= DIFF_EVERY:
        return "diff"
    return None


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # POST /backup (the remediator, on an alert): take one now instead of waiting.
        self.wake = threading.Event()
        self.requested = False
        self.runs: dict[tuple[str, str], int] = {}
        self.stanza_ready = False
        self.last_error = ""

    def count(self, kind: str, result: str) -> None:
        with self.lock:
            self.runs[(kind, result)] = self.runs.get((kind, result), 0) + 1


STATE = State()


def serve_tls() -> None:
    while True:
        proc = subprocess.run(  # noqa: S603
            [PGBACKREST, "server"], capture_output=True, text=True, check=False
        )
        err = proc.stderr.strip()[-300:]
        log(f"pgbackrest server exited ({proc.returncode}): {err}; restarting")
        time.sleep(2)


def schedule() -> None:
    while True:
        try:
            if not STATE.stanza_ready:
                res = pgbackrest("stanza-create", timeout=120)
                if res.returncode != 0:
                    raise RuntimeError(f"stanza-create: {res.stderr.strip() or res.stdout.strip()}")
                STATE.stanza_ready = True
                log(f"stanza {STANZA} ready")
            found = backups(info())
            kind = due(found, time.time())
            if STATE.requested:
                STATE.requested = False
                kind = kind or ("diff" if any(b["type"] == "full" for b in found) else "full")
                log(f"{kind} backup requested")
            if kind:
                log(f"scheduled {kind} backup starting")
                res = pgbackrest(f"--type={kind}", "backup")
                if res.returncode == LOCK_ERROR:
                    log("another backup is running; the schedule waits for it")
                    STATE.count(kind, "skipped")
                elif res.returncode != 0:
                    STATE.count(kind, "failed")
                    raise RuntimeError(f"{kind} backup: {res.stderr.strip() or res.stdout.strip()}")
                else:
                    STATE.count(kind, "ok")
                    log(f"scheduled {kind} backup done")
            STATE.last_error = ""
        except Exception as err:
            STATE.last_error = str(err)[-500:]
            log(f"error: {STATE.last_error}")
        STATE.wake.wait(15)
        STATE.wake.clear()


def archiver() -> dict[str, float] | None:
    """The primary's pg_stat_archiver, or None when no primary answers."""
    import psycopg2

    with open(os.environ.get("PG_MONITOR_PASSWORD_FILE", "/run/secrets/pg_monitor_password")) as f:
        password = f.read().strip()
    hosts = MEMBERS
    conn = psycopg2.connect(
        host=hosts,
        dbname="postgres",
        user="monitor",
        password=password,
        # TLS only, and the member proves its name with a certificate from the lab CA.
        sslmode="verify-full",
        sslrootcert=os.environ.get("PG_CA_FILE", "/run/secrets/lab_ca"),
        connect_timeout=3,
        target_session_attrs="read-write",
    )
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT archived_count, failed_count,"
                " coalesce(extract(epoch FROM last_archived_time), 0),"
                " coalesce(extract(epoch FROM last_failed_time), 0) FROM pg_stat_archiver"
            )
            row = cur.fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    keys = ("archived", "failed", "last_archived", "last_failed")
    return {k: float(v) for k, v in zip(keys, row, strict=True)}


def metrics() -> str:
    out: list[str] = []

    def metric(name: str, kind: str, help_: str, samples: list[tuple[str, float]]) -> None:
        out.append(f"# HELP {name} {help_}")
        out.append(f"# TYPE {name} {kind}")
        out.extend(f"{name}{labels} {value}" for labels, value in samples)

    try:
        found = backups(info())
        up = 1.0
    except Exception:
        found, up = [], 0.0
    metric("lab_backup_repository_up", "gauge", "pgbackrest info answered", [("", up)])
    newest: dict[str, dict[str, Any]] = {}
    for b in found:
        for kind in (b["type"], "any"):
            if kind not in newest or b["timestamp"]["stop"] > newest[kind]["timestamp"]["stop"]:
                newest[kind] = b
    kinds = ["full", "diff", "incr", "any"]
    metric(
        "lab_backup_last_success_timestamp_seconds",
        "gauge",
        "end of the newest backup of this type (0: none)",
        [(f'{{type="{k}"}}', newest[k]["timestamp"]["stop"] if k in newest else 0) for k in kinds],
    )
    metric(
        "lab_backup_last_duration_seconds",
        "gauge",
        "duration of the newest backup of this type",
        [
            (
                f'{{type="{k}"}}',
                newest[k]["timestamp"]["stop"] - newest[k]["timestamp"]["start"],
            )
            for k in kinds
            if k in newest
        ],
    )
    metric(
        "lab_backup_last_size_bytes",
        "gauge",
        "bytes the newest backup of this type added to the repository (compressed)",
        [
            (f'{{type="{k}"}}', newest[k]["info"]["repository"]["delta"])
            for k in kinds
            if k in newest
        ],
    )
    metric(
        "lab_backup_last_database_size_bytes",
        "gauge",
        "size of the database the newest backup of this type restores",
        [(f'{{type="{k}"}}', newest[k]["info"]["size"]) for k in kinds if k in newest],
    )
    metric("lab_backup_count", "gauge", "backups in the repository", [("", len(found))])
    st = os.statvfs(REPO)
    metric(
        "lab_backup_repository_free_bytes",
        "gauge",
        "free space",
        [("", st.f_bavail * st.f_frsize)],
    )
    metric(
        "lab_backup_schedule_seconds",
        "gauge",
        "interval between scheduled backups of this type",
        [('{type="full"}', FULL_EVERY), ('{type="diff"}', DIFF_EVERY)],
    )
    with STATE.lock:
        runs = [(f'{{type="{k}",result="{r}"}}', float(n)) for (k, r), n in STATE.runs.items()]
    metric("lab_backup_scheduled_runs_total", "counter", "scheduled backups run", runs)
    metric(
        "lab_backup_scheduler_ok",
        "gauge",
        "1 when the last scheduler round had no error",
        [("", 0.0 if STATE.last_error else 1.0)],
    )
    try:
        arch = archiver()
    except Exception:
        arch = None
    metric(
        "lab_wal_archiver_up",
        "gauge",
        "the primary's archiver stats were read",
        [("", 1.0 if arch else 0.0)],
    )
    if arch:
        metric(
            "lab_wal_archived_total",
            "counter",
            "WAL segments archived",
            [("", arch["archived"])],
        )
        metric(
            "lab_wal_archive_failed_total",
            "counter",
            "failed archive attempts",
            [("", arch["failed"])],
        )
        metric(
            "lab_wal_last_archived_timestamp_seconds",
            "gauge",
            "last archived segment",
            [("", arch["last_archived"])],
        )
        metric(
            "lab_wal_last_failed_timestamp_seconds",
            "gauge",
            "last failed archive attempt",
            [("", arch["last_failed"])],
        )
    return "\n".join(out) + "\n"


def authorized(header: str) -> bool:
    """The remediator's token (a Docker secret both services hold); no token file: nobody."""
    try:
        with open(TOKEN_FILE) as f:
            token = f.read().strip()
    except OSError:
        return False
    return bool(token) and hmac.compare_digest(header, f"Bearer {token}")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/backup":
            self.send_error(404)
            return
        if not authorized(self.headers.get("Authorization", "")):
            self.send_error(401)
            return
        STATE.requested = True
        STATE.wake.set()
        log("backup requested over HTTP")
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        if self.path not in ("/metrics", "/health"):
            self.send_error(404)
            return
        body = (metrics() if self.path == "/metrics" else "ok\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def main() -> int:
    log(f"stanza {STANZA}: full every {FULL_EVERY} s, differential every {DIFF_EVERY} s")
    threading.Thread(target=serve_tls, daemon=True).start()
    threading.Thread(target=schedule, daemon=True).start()
    # Prometheus scrapes it over the monitoring overlay: every interface of the container.
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()  # noqa: S104
    return 0


if __name__ == "__main__":
    sys.exit(main())
