"""Logins under abuse: failed attempts limited per account, argon2 work bounded per process.

Each argon2 hash or verification takes 64 MiB for a moment: a burst of logins would take that
times the number of threads. `hashing()` lets a few run at once and makes the rest wait a little,
then refuses (429), so a burst costs bounded memory. Failed logins are counted per account in a
sliding window held for a bounded number of accounts (least recently used forgotten first).
"""

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from .settings import get_settings


class TooManyLogins(Exception):
    def __init__(self, reason: str, retry_after_s: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = max(1, retry_after_s)


class FailureWindow:
    """At most `limit` failures per key within `window_s`; remembers at most `max_keys` keys."""

    def __init__(
        self,
        limit: int,
        window_s: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window_s, self.max_keys, self.clock = limit, window_s, max_keys, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and now - times[0] >= self.window_s:
            times.popleft()
        return times

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again (0: now)."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            return 0.0 if len(times) < self.limit else self.window_s - (now - times[0])

    def failed(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def __len__(self) -> int:
        return len(self._failures)


@lru_cache
def failures() -> FailureWindow:
    s = get_settings()
    return FailureWindow(s.login_max_failures, s.login_failure_window_s)


@lru_cache
def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(get_settings().hash_concurrency)


@contextmanager
def hashing() -> Iterator[None]:
    """One of the few argon2 computations allowed at once in this process, or TooManyLogins."""
    slots = _slots()
    if not slots.acquire(timeout=get_settings().hash_wait_s):
        raise TooManyLogins("too many logins at once: retry in a second", 1)
    try:
        yield
    finally:
        slots.release()
