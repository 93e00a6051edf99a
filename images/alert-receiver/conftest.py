"""Shared by the receiver's and the remediator's tests: a POST that returns the status code,
sent with the servers' test token unless told otherwise (`token=None`: no Authorization)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

TOKEN = "test-webhook-token"


def _post(url: str, body: bytes, token: str | None = TOKEN) -> int:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as res:
            return int(res.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


@pytest.fixture
def post() -> Callable[..., int]:
    return _post
