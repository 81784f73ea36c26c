"""``yooini user NAME --role operator``: create or update a dashboard / API user."""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from ...roles import ROLE_NAMES, role_parse
from ...services import token_for, user_set


class Command(BaseCommand):
    help = (
        "Create or update a user with a role (viewer, operator, admin); optionally print a token."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLE_NAMES)
        parser.add_argument("--email", default="")
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input (asked for, unechoed, at a terminal)",
        )
        source.add_argument(
            "--password-env", metavar="VAR", help="read the password from this environment variable"
        )
        parser.add_argument(
            "--token",
            action="store_true",
            help="issue a new API token and print it (shown this once: only a digest is kept)",
        )
        parser.add_argument(
            "--rotate-token",
            action="store_true",
            help="issue a new API token and revoke the user's others",
        )

    def handle(self, *args, **opts):
        password = None
        if opts["password_stdin"]:
            # At a terminal, ask without echoing; from a pipe, read one line.
            tty = sys.stdin.isatty()
            password = getpass.getpass("Password: ") if tty else sys.stdin.readline().rstrip("\n")
        elif opts["password_env"]:
            password = os.environ.get(opts["password_env"])
            if password is None:
                raise CommandError(f"environment variable {opts['password_env']} is not set")
        if password == "":
            raise CommandError("the password is empty")
        if password is not None:
            _password_check(password, opts["username"], opts["email"])
        role = role_parse(opts["role"])
        user = user_set(
            username=opts["username"], role=role, password=password, email=opts["email"]
        )
        self.stdout.write(f"user {user.username}: {role.group}")
        if opts["token"] or opts["rotate_token"]:
            self.stdout.write(token_for(user, rotate=opts["rotate_token"]))


def _password_check(password: str, username: str, email: str) -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), as the admin applies
    them; the password itself never appears in the message."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    User = get_user_model()
    candidate = User.objects.filter(username=username).first() or User(
        username=username, email=email
    )
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise CommandError("the password is refused: " + " ".join(exc.messages)) from None
