"""In-process subscribers of events, by exact type or by prefix (``"stage.*"``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], None]


class Subscribers:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.Lock()

    def subscribe(self, pattern: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for every delivered event matching ``pattern``; returns an unsubscribe."""
        with self._lock:
            self._handlers.setdefault(pattern, []).append(handler)

        def unsubscribe() -> None:
            with self._lock:
                handlers = self._handlers.get(pattern, [])
                if handler in handlers:
                    handlers.remove(handler)

        return unsubscribe

    def handlers_for(self, event_type: str) -> list[Handler]:
        with self._lock:
            found = list(self._handlers.get(event_type, ()))
            for pattern, handlers in self._handlers.items():
                if pattern.endswith("*") and event_type.startswith(pattern[:-1]):
                    found.extend(handlers)
            return found

    def wants(self, event_type: str) -> bool:
        return bool(self.handlers_for(event_type))


subscribers = Subscribers()
subscribe = subscribers.subscribe
