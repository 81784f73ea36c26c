"""``yooini schedules``: list, add, enable, disable, remove and sync the workflow schedules."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from yooini.timefmt import when

from ...models import Schedule
from ...selectors import schedule_document, schedules_list
from ...services.schedules import (
    schedule_create,
    schedule_enable,
    schedule_remove,
    schedules_sync,
)
from ..base import EngineCommand, params_parse


class Command(EngineCommand):
    help = "List and edit the schedules that start workflows (the scheduler fires them)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="list as JSON")
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        add = actions.add_parser("add", help="add a schedule")
        add.add_argument("name")
        add.add_argument("--workflow", required=True)
        add.add_argument("--mode", help="default: the workflow's first mode")
        timing = add.add_mutually_exclusive_group(required=True)
        timing.add_argument("--cron", metavar="EXPR", help='5 fields, e.g. "0 3 * * *"')
        timing.add_argument("--every", type=int, metavar="SECONDS", help="an interval")
        add.add_argument("--tz", help="time zone the cron is read in (default: TIME_ZONE)")
        add.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
        add.add_argument("--misfire", choices=["run_once", "skip"], default="run_once")
        add.add_argument("--overlap", choices=["skip", "resume"], default="skip")
        add.add_argument("--disabled", action="store_true", help="add it disabled")
        for verb in ("enable", "disable", "remove"):
            actions.add_parser(verb, help=f"{verb} a schedule").add_argument("name")
        actions.add_parser("sync", help="create the schedules workflows declare (never edits)")

    def handle(self, *args, **opts):
        action = opts.get("action")
        if action == "add":
            self._add(opts)
        elif action in ("enable", "disable"):
            try:
                schedule_enable(opts["name"], action == "enable")
            except Schedule.DoesNotExist:
                raise CommandError(f"no schedule named {opts['name']!r}") from None
            self.stdout.write(f"{action}d schedule {opts['name']}")
        elif action == "remove":
            try:
                schedule_remove(opts["name"])
            except Schedule.DoesNotExist as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"removed schedule {opts['name']}")
        elif action == "sync":
            created = schedules_sync()
            for schedule in created:
                self.stdout.write(f"created schedule {schedule.name} ({schedule.workflow})")
            self.stdout.write(f"{len(created)} schedule(s) created")
        else:
            self._list(opts)

    def _add(self, opts: dict) -> None:
        params = params_parse(opts["param"], opts["workflow"])
        try:
            schedule = schedule_create(
                opts["name"],
                workflow=opts["workflow"],
                mode=opts["mode"],
                cron=opts["cron"],
                every_seconds=opts["every"],
                time_zone=opts["tz"],
                params=params,
                misfire=opts["misfire"],
                overlap=opts["overlap"],
                enabled=not opts["disabled"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(f"schedule {opts['name']!r} not added: {problems}") from None
        self.stdout.write(
            f"added schedule {schedule.name}: {schedule.workflow}/{schedule.mode}, "
            f"next run {when(schedule.next_run_at)}"
        )

    def _list(self, opts: dict) -> None:
        schedules = list(schedules_list())
        docs = [schedule_document(s) for s in schedules]
        if opts["json"]:
            self.stdout.write(json.dumps(docs, ensure_ascii=False, indent=2))
            return
        if not docs:
            self.stdout.write("no schedules (add one: yooini schedules add NAME --workflow W ...)")
            return
        for schedule, doc in zip(schedules, docs, strict=True):
            timing = f"cron {doc['cron']}" if doc["cron"] else f"every {doc['every_seconds']}s"
            state = "enabled" if doc["enabled"] else "disabled"
            self.stdout.write(
                f"{doc['name']}  {doc['workflow']}/{doc['mode']}  {timing}  {doc['time_zone']}  "
                f"{state}"
            )
            self.stdout.write(
                f"    next run: {when(schedule.next_run_at)}  last: {doc['last_outcome'] or '-'}"
            )
