"""What other apps add to the engine's long-running processes, by registration: an app's
``AppConfig.ready`` registers its background loops (the notification pump) and its startup
checks (the database's migrations), and ``yooini serve`` / ``yooini scheduler`` run whatever
is registered, without importing those apps. An app that is not installed adds nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "BackgroundLoop",
    "StartupCheck",
    "background_loop_register",
    "background_loops",
    "startup_check_register",
    "startup_checks",
    "startup_problems",
]


@dataclass(frozen=True)
class BackgroundLoop:
    """A loop a long-running engine process runs in a thread of its own (named ``name``)
    until the event it is given is set."""

    name: str
    run: Callable[[threading.Event], None]


@dataclass(frozen=True)
class StartupCheck:
    """What keeps a process from starting: ``problems()`` says it in one line each (empty
    when there is none)."""

    name: str
    problems: Callable[[], list[str]]


_lock = threading.Lock()
_loops: dict[str, BackgroundLoop] = {}
_checks: dict[str, StartupCheck] = {}


def background_loop_register(name: str, run: Callable[[threading.Event], None]) -> None:
    """Register (or replace, by name: ``ready`` may run twice in tests) a background loop."""
    with _lock:
        _loops[name] = BackgroundLoop(name, run)


def background_loops() -> list[BackgroundLoop]:
    with _lock:
        return list(_loops.values())


def startup_check_register(name: str, problems: Callable[[], list[str]]) -> None:
    """Register (or replace, by name) a check run before a process starts serving."""
    with _lock:
        _checks[name] = StartupCheck(name, problems)


def startup_checks() -> list[StartupCheck]:
    with _lock:
        return list(_checks.values())


def startup_problems() -> list[str]:
    """Every registered check's problems, in the order the checks were registered."""
    return [problem for check in startup_checks() for problem in check.problems()]
