"""Calls to one market account kept within the market's rate, across a process's threads.

A market counts calls per account (Coupang about 10 a second per vendor, then 429). Two register
cells of one process, or an account's calls from several threads, share the account's
``Pacer``: a token bucket holding ``burst`` calls, refilled at ``per_second``. A caller that
finds it empty reserves the next token and sleeps until it is due, outside the lock, so the
callers go in turn. Processes do not share a pacer: the market's 429 and its ``Retry-After``
pace them (the connectors wait and retry briefly).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class Pacer:
    def __init__(
        self,
        per_second: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be above 0, not {per_second!r}")
        self.per_second = float(per_second)
        self.burst = float(burst if burst is not None else max(1.0, per_second))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._at = clock()

    def wait(self) -> float:
        """Take one call's token, sleeping until it is due; the seconds slept."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
            self._at = now
            self._tokens -= 1  # below 0: a token reserved from the refill to come
            due = -self._tokens / self.per_second if self._tokens < 0 else 0.0
        if due:
            self._sleep(due)
        return due


_pacers: dict[Hashable, Pacer] = {}
_pacers_lock = threading.Lock()


def pacer_for(key: Hashable, per_second: float) -> Pacer:
    """The process's pacer of ``key`` (a market and account), made at ``per_second`` on first
    use and made anew when the rate changes (an operator edited the account)."""
    with _pacers_lock:
        pacer = _pacers.get(key)
        if pacer is None or pacer.per_second != float(per_second):
            pacer = _pacers[key] = Pacer(per_second)
        return pacer
