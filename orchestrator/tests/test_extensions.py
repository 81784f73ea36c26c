"""``serve`` and ``scheduler`` run what other apps registered (the notification pump, the
migrations check) without importing those apps."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from orchestrator import extensions

COMMANDS = Path(__file__).resolve().parents[1] / "management" / "commands"


def test_the_installed_apps_registered_the_pump_and_the_migrations_check():
    assert [loop.name for loop in extensions.background_loops()] == ["yooini-notifications"]
    assert [check.name for check in extensions.startup_checks()] == ["migrations"]


@pytest.mark.django_db
def test_the_migrations_check_passes_on_a_migrated_database():
    assert extensions.startup_problems() == []


def test_a_registered_loop_runs_until_stopped_and_a_check_speaks(monkeypatch):
    monkeypatch.setattr(extensions, "_loops", {})
    monkeypatch.setattr(extensions, "_checks", {})
    turns: list[int] = []

    def loop(stop: threading.Event) -> None:
        while not stop.wait(0.01):
            turns.append(1)

    extensions.background_loop_register("test-loop", loop)
    extensions.background_loop_register("test-loop", loop)  # a second ready(): replaced
    extensions.startup_check_register("first", lambda: [])
    extensions.startup_check_register("second", lambda: ["the moon is down"])
    (registered,) = extensions.background_loops()
    stop = threading.Event()
    thread = threading.Thread(target=registered.run, args=(stop,))
    thread.start()
    while not turns:
        stop.wait(0.01)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert extensions.startup_problems() == ["the moon is down"]


@pytest.mark.parametrize("command", ["serve.py", "scheduler.py"])
def test_the_commands_import_neither_notifications_nor_monitoring(command):
    tree = ast.parse((COMMANDS / command).read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not imported & {"notifications", "monitoring"}
