from django.core.management.base import CommandError

from ...console import console
from ...services.prune import parse_age, prune
from ..base import EngineCommand


class Command(EngineCommand):
    help = "Delete delivered events and finished batches older than an age (e.g. 30d)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default="30d")

    def handle(self, *args, **opts):
        try:
            age = parse_age(opts["older_than"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        done = prune(older_than=age)
        console.print(
            f"pruned {done.events} event(s) and {done.batches} batch(es) older than {opts['older_than']}"
        )
