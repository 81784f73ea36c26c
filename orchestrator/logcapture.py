"""Collecting what a stage logs into its attempt's ``StageLog`` while it runs.

Three sources reach the buffer: ``ctx.log`` (a logger adapter writing to the buffer and to the
``yooini.stage`` logger as before), records of any other logger that reach the root logger's
handlers from the thread running the stage (a library's warning), and Python warnings. The
buffer of the running attempt is a context variable, so concurrent stage runs in other
threads each keep their own.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import warnings

from .core.clock import Clock
from .core.stagelog import StageLog

_current: contextvars.ContextVar[tuple[StageLog, Clock] | None] = contextvars.ContextVar(
    "yooini_stage_log", default=None
)
_BUFFERED = "yooini_buffered"  # marks records ctx.log already put in the buffer
_install_lock = threading.Lock()


class StageLogger(logging.LoggerAdapter):
    """``ctx.log``: logs as the ``yooini.stage`` logger does, and keeps the line for the cell."""

    def __init__(self, logger: logging.Logger, buffer: StageLog, clock: Clock) -> None:
        super().__init__(logger, {_BUFFERED: True})
        self.buffer = buffer
        self.clock = clock

    def log(self, level, msg, *args, **kwargs):  # noqa: ANN001 - logging's own signature
        if level >= logging.INFO:
            record = logging.LogRecord(
                self.logger.name, level, "", 0, msg, args, _exc_info(kwargs.get("exc_info"))
            )
            self.buffer.add_record(self.clock.now(), record)
        super().log(level, msg, *args, **kwargs)

    def process(self, msg, kwargs):
        kwargs["extra"] = {**(kwargs.get("extra") or {}), **self.extra}
        return msg, kwargs


def _exc_info(value):
    if value is True:
        import sys

        return sys.exc_info()
    if isinstance(value, BaseException):
        return (type(value), value, value.__traceback__)
    return value or None


class _RootHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        current = _current.get()
        if current is None or getattr(record, _BUFFERED, False):
            return
        buffer, clock = current
        try:
            buffer.add_record(clock.now(), record)
        except Exception:  # a log line must never fail the stage
            self.handleError(record)


def _showwarning(message, category, filename, lineno, file=None, line=None):
    current = _current.get()
    if current is None:
        return _previous_showwarning(message, category, filename, lineno, file, line)
    buffer, clock = current
    buffer.add(clock.now(), "WARNING", f"{category.__name__}: {message} ({filename}:{lineno})")
    return None


_previous_showwarning = warnings.showwarning
_root_handler = _RootHandler(level=logging.INFO)


def install() -> None:
    """Route root-logger records and warnings of stage threads to their buffers.

    Checked at every stage run, not once: a logging reconfiguration (``dictConfig``) or a
    ``warnings.catch_warnings`` block elsewhere may have put the originals back since.
    """
    global _previous_showwarning
    root = logging.getLogger()
    if _root_handler in root.handlers and warnings.showwarning is _showwarning:
        return
    with _install_lock:
        if _root_handler not in root.handlers:
            root.addHandler(_root_handler)
        if warnings.showwarning is not _showwarning:
            _previous_showwarning = warnings.showwarning
            warnings.showwarning = _showwarning


class capturing:  # noqa: N801 - used as a context manager, like contextlib's
    """``with capturing(buffer, clock):`` the stage's thread logs into ``buffer``. A class, not
    a generator: it runs around every stage run."""

    __slots__ = ("_value", "_token")

    def __init__(self, buffer: StageLog, clock: Clock) -> None:
        self._value = (buffer, clock)

    def __enter__(self) -> None:
        install()
        self._token = _current.set(self._value)

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)
