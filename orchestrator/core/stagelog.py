"""What one attempt of a stage printed, kept in memory while it runs and bounded in size.

The attempt's log is written once, with its outcome (nothing per line on the hot path, and
nothing at all for an attempt that logged nothing). Only the newest ``LIMIT`` characters are
kept: the end of a log (the traceback, the last items) is what an operator reads first.

Plain Python, no database.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import datetime, tzinfo

LIMIT = 64 * 1024  # characters kept per attempt
LINE_LIMIT = 8 * 1024  # one line longer than this is cut (a dumped payload is not a log line)


class StageLog:
    """An attempt's log lines; thread-safe, as a stage may log from threads of its own."""

    def __init__(self, limit: int = LIMIT, zone: tzinfo | None = None) -> None:
        self.limit = limit
        self.zone = zone  # lines show their time in this zone (the installation's)
        self._lines: deque[str] = deque()
        self._size = 0
        self._dropped = 0  # characters dropped from the start
        self._lock = threading.Lock()

    def add(self, at: datetime, level: str, text: str) -> None:
        text = text if len(text) <= LINE_LIMIT else text[: LINE_LIMIT - 1] + "…"
        if self.zone is not None and at.tzinfo is not None:
            at = at.astimezone(self.zone)
        line = f"{at:%H:%M:%S} {level:<7} {text}\n"
        with self._lock:
            self._lines.append(line)
            self._size += len(line)
            while self._size > self.limit and len(self._lines) > 1:
                dropped = self._lines.popleft()
                self._size -= len(dropped)
                self._dropped += len(dropped)

    def add_record(self, at: datetime, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.name and not record.name.startswith("yooini.stage"):
            text = f"[{record.name}] {text}"
        self.add(at, record.levelname, text)

    @property
    def truncated(self) -> bool:
        return self._dropped > 0

    def __bool__(self) -> bool:
        return bool(self._lines)

    def text(self) -> str:
        """The kept lines, after a marker saying how much was dropped when anything was."""
        with self._lock:
            body = "".join(self._lines)
            if self._dropped:
                marker = f"[truncated: the first {self._dropped} characters were dropped]\n"
                return marker + body
            return body
