"""The ``yooini`` console script: Django's management commands with our settings.

``yooini``, ``yooini help`` and ``yooini --help`` list yooini's own commands, a line each;
``yooini help --all`` lists every command Django and the installed apps bring too, and
``yooini help CMD`` (or ``yooini CMD --help``) tells one command's options. A command run on a
database that is not migrated says so in one line instead of a traceback.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from django.core.management import ManagementUtility

# Django's commands an operator of yooini needs, listed with ours.
DJANGO_COMMANDS_LISTED = ("migrate",)
# Commands that work, or fix things, before the database is migrated.
WITHOUT_DATABASE = {"help", "migrate", "makemigrations", "showmigrations", "sqlmigrate", "check"}
NOT_MIGRATED = "the database {where} is not migrated: run `yooini migrate`"
# Commands that fail in a thread, later, rather than at once: checked before they start
# (``serve`` checks for itself, after its own settings checks).
LONG_RUNNING = {"scheduler", "worker", "notify"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yooini.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    show_all = args[:2] == ["help", "--all"]
    if show_all:
        args = ["help"]
    if args and args[0] in LONG_RUNNING and "--help" not in args and "-h" not in args:
        import django

        django.setup()
        if migrations_pending():
            _exit_not_migrated()
    try:
        _Utility(["yooini", *args], show_all=show_all).execute()
    except Exception as exc:
        if _not_migrated(args, exc):
            _exit_not_migrated()
        raise


def _exit_not_migrated() -> None:
    sys.stderr.write(NOT_MIGRATED.format(where=_database_name()) + "\n")
    sys.exit(1)


class _Utility(ManagementUtility):
    def __init__(self, argv: list[str], *, show_all: bool) -> None:
        super().__init__(argv)
        self.show_all = show_all

    def main_help_text(self, commands_only: bool = False) -> str:
        if commands_only or self.show_all:
            return super().main_help_text(commands_only)
        return own_commands_help()


def own_commands(project_root: Path | None = None) -> dict[str, str]:
    """yooini's commands (those of the apps in this project, and ``migrate``): name -> one line."""
    from django.conf import settings
    from django.core.management import get_commands, load_command_class

    settings.INSTALLED_APPS  # noqa: B018 - loads the settings (raises when they are broken)
    root = (project_root or Path(__file__).resolve().parent.parent).resolve()
    lines: dict[str, str] = {}
    for name, app in sorted(get_commands().items()):
        if name not in DJANGO_COMMANDS_LISTED and not _inside(app, root):
            continue
        command = load_command_class(app, name)
        lines[name] = _first_line(str(command.help or ""))
    return lines


def own_commands_help() -> str:
    commands = own_commands()
    width = max(len(name) for name in commands)
    rows = [f"  {name:<{width}}  {line}" for name, line in commands.items()]
    return "\n".join(
        [
            "Usage: yooini COMMAND [options]",
            "",
            "Commands:",
            *rows,
            "",
            "yooini help COMMAND (or yooini COMMAND --help): that command's options.",
            "yooini help --all: every command, Django's and the installed apps' too.",
        ]
    )


def _inside(app: str, root: Path) -> bool:
    import importlib.util

    spec = importlib.util.find_spec(app)
    origin = spec.origin if spec is not None else None
    if origin is None:
        return False
    path = Path(origin).resolve()
    # a virtualenv may sit inside the checkout: its packages are not ours
    return path.is_relative_to(root) and "site-packages" not in path.parts


def _first_line(text: str) -> str:
    """The help's first sentence, on one line."""
    flat = " ".join(text.split())
    return re.split(r"(?<=[a-z0-9)\]`]\.) (?=[A-Z])", flat, maxsplit=1)[0]


def _not_migrated(args: list[str], exc: BaseException) -> bool:
    """True when ``exc`` came from a database missing yooini's tables or columns."""
    from django.db import DatabaseError

    if not isinstance(exc, DatabaseError) or (args and args[0] in WITHOUT_DATABASE):
        return False
    return migrations_pending()


def migrations_pending() -> bool:
    """True when the default database lacks migrations this code has."""
    from django.db import DatabaseError, connection

    from monitoring.health import migrations_unapplied

    try:
        connection.close()  # the failed statement may have left the connection unusable
        return bool(migrations_unapplied())
    except DatabaseError:
        return False


def _database_name() -> str:
    """Where the database is, without its password."""
    from django.db import connection

    settings = connection.settings_dict
    name = str(settings.get("NAME") or "")
    host = settings.get("HOST")
    return f"{host}/{name}" if host else name


if __name__ == "__main__":
    main()
