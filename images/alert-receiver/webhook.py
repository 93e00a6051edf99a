"""Alertmanager's webhook body (version 4), parsed once for the receiver and the remediator."""

from __future__ import annotations

import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1 << 20
# Alertmanager's key for its webhooks (a Docker secret): a POST without it is a 401.
TOKEN_FILE = os.environ.get("WEBHOOK_TOKEN_FILE", "/run/secrets/alert_webhook_token")


def read_token(path: str = TOKEN_FILE) -> str:
    """The webhook token; a server without one refuses every POST (fails closed)."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return ""


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


def log(logger: str, msg: str, **fields: object) -> None:
    """One JSON line on stdout: what the log agents ship and lab:logs reads."""
    print(
        json.dumps(
            {
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "level": "INFO",
                "logger": logger,
                "message": msg,
                **fields,
            }
        ),
        flush=True,
    )


class WebhookHandler(BaseHTTPRequestHandler):
    """JSON answers, and POST /alerts read and parsed once; a bad body is answered here."""

    # What Alertmanager sends as `Authorization: Bearer <token>` (http_config.authorization).
    token = ""

    def authorized(self) -> bool:
        got = self.headers.get("Authorization", "").encode()
        return bool(self.token) and hmac.compare_digest(got, f"Bearer {self.token}".encode())

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_alerts(self) -> list[dict[str, Any]] | None:
        """The webhook's alerts, or None once a 4xx has been sent (and `refused` called)."""
        if self.path != "/alerts":
            self._send(404, b'{"error": "not found"}')
            return None
        if not self.authorized():
            self.refused("no valid webhook token (Authorization: Bearer)")
            self._send(401, b'{"error": "a webhook token is required"}')
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            self._send(413 if length > MAX_BODY else 400, b'{"error": "body size"}')
            return None
        try:
            return parse_webhook(self.rfile.read(length))
        except BadBody as exc:
            self.refused(str(exc))
            self._send(400, json.dumps({"error": str(exc)}).encode())
            return None

    def refused(self, reason: str) -> None:
        """Called for a body that is not a webhook (counted and logged by each server)."""

    def log_message(self, *_: object) -> None:
        return


class Server(ThreadingHTTPServer):
    """A threading server whose listen backlog takes a burst: the default (5) let a burst of 20
    connections overflow it, and a client whose SYN was dropped retried after 1, 2, 4 s, past its
    timeout (the flood test failed that way once in ten)."""

    request_queue_size = 128
    daemon_threads = True
