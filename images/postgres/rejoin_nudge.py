#!/usr/bin/python3
"""On the primary: one small write while another member is stuck starting after pg_rewind.

pg_rewind sets the rewound member's minimum recovery point to the primary's WAL insert position
at that moment (just past a page header when the primary is idle). The member may serve reads
only once it has replayed a record past that point, so on an idle primary it stays "starting"
until something writes: up to checkpoint_timeout (5 min) in this lab, seen after every node-down
drill whose traffic had stopped (the old primary came back at once, then waited minutes).
Patroni 3.0's on_start callback cannot help: it runs only once the member is ready.

Every POLL_S seconds, this member asks its own Patroni (the REST API's read endpoints are open
on 127.0.0.1) whether it is the running leader and another member is starting; if so it runs
`SELECT txid_current()` through the local socket (peer authentication): one commit record, a
few dozen bytes of WAL. Nothing is written while every member runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from typing import Any

POLL_S = 5
API = "http://127.0.0.1:8008/cluster"
WRITE = ["psql", "-h", "/var/run/postgresql", "-U", "postgres", "-d", "postgres"]


def should_write(cluster: dict[str, Any], me: str) -> bool:
    """Pure: this member leads and runs, and another member is starting."""
    members = cluster.get("members") or []
    mine = next((m for m in members if m.get("name") == me), None)
    if mine is None or mine.get("role") != "leader" or mine.get("state") != "running":
        return False
    return any(m.get("name") != me and m.get("state") == "starting" for m in members)


def read_cluster() -> dict[str, Any]:
    with urllib.request.urlopen(API, timeout=3) as res:  # noqa: S310 (a constant http URL)
        data: dict[str, Any] = json.load(res)
        return data


def main(me: str) -> None:
    writing = False
    while True:
        time.sleep(POLL_S)
        try:
            due = should_write(read_cluster(), me)
        except (OSError, ValueError):
            continue  # Patroni not answering yet, or restarting
        if due:
            try:
                subprocess.run(  # noqa: S603 (a constant command)
                    [*WRITE, "-Atqc", "SELECT txid_current()"], capture_output=True, timeout=10
                )
            except (OSError, subprocess.TimeoutExpired):
                continue  # Postgres busy or going down: the next poll tries again
        if due != writing:
            state = "a member is starting: writing" if due else "every member runs: idle"
            print(f"lab-rejoin-nudge: {state}", flush=True)
            writing = due


if __name__ == "__main__":
    main(sys.argv[1])
