"""A gauge for tests of concurrency limits."""

import threading


class Gauge:
    """Counts how many stage bodies are inside at once."""

    def __init__(self):
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def __enter__(self):
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc):
        with self._lock:
            self.now -= 1
