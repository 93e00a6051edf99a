#!/usr/bin/python3
"""The lab's local alert receiver: Alertmanager's webhook target, so a notification is visible
without internet (npm run lab:alerts). Keeps the newest notifications in memory and counts them.

POST /alerts         Alertmanager's webhook body (version 4), with its token (else 401); anything
                     else is a 400 and is dropped
GET  /notifications  the newest notifications, newest last, as JSON
GET  /metrics        lab_alert_notifications_total{status}, for Prometheus
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from typing import Any

import webhook

PORT = int(os.environ.get("RECEIVER_PORT", "9095"))
KEEP = int(os.environ.get("RECEIVER_KEEP", "500"))

notifications: deque[dict[str, Any]] = deque(maxlen=KEEP)
counts: dict[str, int] = {"firing": 0, "resolved": 0, "rejected": 0}
lock = threading.Lock()


def log(msg: str, **fields: object) -> None:
    webhook.log("alert-receiver", msg, **fields)


class Handler(webhook.WebhookHandler):
    def refused(self, reason: str) -> None:
        with lock:
            counts["rejected"] += 1
        log("webhook refused", reason=reason)

    def do_POST(self) -> None:
        records = self.read_alerts()
        if records is None:
            return
        with lock:
            for r in records:
                notifications.append(r)
                counts[r["status"]] += 1
        for r in records:
            log(
                "notification",
                status=r["status"],
                alertname=r["alertname"],
                labels=r["labels"],
            )
        self._send(200, b'{"status": "ok"}')

    def do_GET(self) -> None:
        if self.path == "/notifications":
            with lock:
                body = json.dumps(list(notifications)).encode()
            return self._send(200, body)
        if self.path == "/metrics":
            with lock:
                lines = [
                    "# TYPE lab_alert_notifications_total counter",
                    *(
                        f'lab_alert_notifications_total{{status="{k}"}} {v}'
                        for k, v in counts.items()
                    ),
                ]
            return self._send(200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4")
        if self.path == "/health":
            return self._send(200, b"ok\n", "text/plain")
        self._send(404, b'{"error": "not found"}')


def main() -> None:
    Handler.token = webhook.read_token()
    log(f"listening on :{PORT}", token=bool(Handler.token))
    webhook.Server(("", PORT), Handler).serve_forever()


if __name__ == "__main__":
    main()
