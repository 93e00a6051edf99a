"""Shared by the receiver's and the remediator's tests: a POST that returns the status code."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

import pytest


def _post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as res:
            return int(res.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


@pytest.fixture
def post() -> Callable[[str, bytes], int]:
    return _post
