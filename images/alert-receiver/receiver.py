#!/usr/bin/python3
"""The lab's local alert receiver: Alertmanager's webhook target, so a notification is visible
without internet (npm run lab:alerts). Keeps the newest notifications in memory and counts them.

POST /alerts         Alertmanager's webhook body (version 4); anything else is a 400 and is dropped
GET  /notifications  the newest notifications, newest last, as JSON
GET  /metrics        lab_alert_notifications_total{status}, for Prometheus
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PORT = int(os.environ.get("RECEIVER_PORT", "9095"))
KEEP = int(os.environ.get("RECEIVER_KEEP", "500"))
MAX_BODY = 1 << 20

notifications: deque[dict[str, Any]] = deque(maxlen=KEEP)
counts: dict[str, int] = {"firing": 0, "resolved": 0, "rejected": 0}
lock = threading.Lock()


class BadBody(ValueError):
    pass


def parse_webhook(body: bytes) -> list[dict[str, Any]]:
    """Pure: Alertmanager's webhook body -> one record per alert; BadBody when it is not one."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise BadBody(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("version") != "4":
        raise BadBody('not an Alertmanager webhook (version "4")')
    alerts = doc.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise BadBody("no alerts in the body")
    out = []
    for a in alerts:
        if not isinstance(a, dict) or not isinstance(a.get("labels"), dict):
            raise BadBody("an alert without labels")
        status = a.get("status")
        if status not in ("firing", "resolved"):
            raise BadBody(f"unknown alert status {status!r}")
        labels = {str(k): str(v) for k, v in a["labels"].items()}
        out.append(
            {
                "received": time.time(),
                "status": status,
                "alertname": labels.get("alertname", ""),
                "labels": labels,
                "annotations": {str(k): str(v) for k, v in (a.get("annotations") or {}).items()},
                "startsAt": str(a.get("startsAt", "")),
                "endsAt": str(a.get("endsAt", "")),
                "fingerprint": str(a.get("fingerprint", "")),
                "receiver": str(doc.get("receiver", "")),
            }
        )
    return out


def log(msg: str, **fields: object) -> None:
    print(
        json.dumps(
            {
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "level": "INFO",
                "logger": "alert-receiver",
                "message": msg,
                **fields,
            }
        ),
        flush=True,
    )


class Handler(BaseHTTPRequestHandler):
    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        if self.path != "/alerts":
            return self._send(404, b'{"error": "not found"}')
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            return self._send(413 if length > MAX_BODY else 400, b'{"error": "body size"}')
        try:
            records = parse_webhook(self.rfile.read(length))
        except BadBody as exc:
            with lock:
                counts["rejected"] += 1
            log("webhook refused", reason=str(exc))
            return self._send(400, json.dumps({"error": str(exc)}).encode())
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

    def log_message(self, *_: object) -> None:
        return


def main() -> None:
    log(f"listening on :{PORT}")
    ThreadingHTTPServer(("", PORT), Handler).serve_forever()


if __name__ == "__main__":
    main()
