"""``yooini pokervod``: the PokerVOD blocks by hand, their status, and the sample."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pokervod.catalog import CatalogError, match_episode
from pokervod.models import MatchReview, ReviewStatus, SheetRow
from pokervod.nas.filenames import RuleError
from pokervod.nas.scan import NasUnavailable, scan_nas
from pokervod.sheets.a1 import A1Error
from pokervod.sheets.offline import OfflineFileError, write_rows
from pokervod.sheets.sync import SheetSource, SheetsSyncError, sync_sheet
from pokervod.status import block_statuses, overall_status


class Command(BaseCommand):
    help = "PokerVOD: scan the NAS, match titles, import or export the sheet, show block status."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help="scan NAS roots (default: POKERVOD_NAS_ROOTS)")
        scan.add_argument("roots", nargs="*")
        scan.add_argument("--full", action="store_true", help="parse and probe every file again")
        scan.add_argument("--json", action="store_true")
        match = sub.add_parser("match", help="the episode a title names, with its confidence")
        match.add_argument("title")
        match.add_argument("--json", action="store_true")
        reviews = sub.add_parser("reviews", help="titles waiting for a person")
        reviews.add_argument("--json", action="store_true")
        status = sub.add_parser("status", help="each block's status (the seed's BlockStatus)")
        status.add_argument("--json", action="store_true")
        imp = sub.add_parser("sheet-import", help="sync the sheet from a CSV or XLSX file")
        imp.add_argument("file")
        imp.add_argument("--spreadsheet", required=True, help="the spreadsheet id it stands for")
        imp.add_argument("--range", default="Hands!A1:Z")
        imp.add_argument("--key-column", default="hand_id")
        exp = sub.add_parser("sheet-export", help="write the rows last read to a CSV or XLSX file")
        exp.add_argument("file")
        exp.add_argument("--spreadsheet", required=True)
        exp.add_argument("--range", default="Hands!A1:Z")
        exp.add_argument("--key-column", default="hand_id")
        health = sub.add_parser("health", help="can each block work now (exit 1 when not)")
        health.add_argument("--json", action="store_true")
        sub.add_parser("migrate", help="apply this app's migrations, rolled back if one fails")
        sample = sub.add_parser("sample", help="a generated archive, fully synced, then one edit")
        sample.add_argument("--dir", default=None, help="where to generate (default: var/)")
        sample.add_argument("--files", type=int, default=1400)
        sample.add_argument("--hands", type=int, default=300)

    def handle(self, *args, **opts):
        try:
            getattr(self, "do_" + opts["action"].replace("-", "_"))(opts)
        except (
            NasUnavailable,
            RuleError,
            CatalogError,
            SheetsSyncError,
            A1Error,
            OfflineFileError,
        ) as exc:
            raise CommandError(str(exc)) from exc

    def out(self, opts, data, text: str) -> None:
        self.stdout.write(json.dumps(data, indent=2, default=str) if opts.get("json") else text)

    def do_scan(self, opts):
        result = scan_nas(opts["roots"] or None, full=opts["full"])
        data = result.as_dict()
        lines = [f"{k}: {v}" for k, v in data.items() if k != "root_errors"]
        lines += [f"unreadable root {r}: {e}" for r, e in result.root_errors.items()]
        self.out(opts, data, "\n".join(lines))

    def do_match(self, opts):
        found = match_episode(opts["title"])
        data = {
            "episode": found.episode.pk if found.episode else None,
            "title": str(found.episode or found.candidate or ""),
            "confidence": found.confidence,
            "queued_for_review": found.review is not None and found.episode is None,
        }
        verdict = "matched" if found.episode else "queued for review; best candidate"
        self.out(opts, data, f"{verdict}: {data['title'] or '-'} ({found.confidence:.2f})")

    def do_reviews(self, opts):
        rows = MatchReview.objects.filter(status=ReviewStatus.PENDING).select_related("candidate")
        data = [
            {
                "id": r.pk,
                "title": r.title,
                "candidate": str(r.candidate or ""),
                "confidence": r.confidence,
            }
            for r in rows.order_by("id")
        ]
        text = "\n".join(
            f"{d['id']}\t{d['confidence']:.2f}\t{d['title']} -> {d['candidate'] or '-'}"
            for d in data
        )
        self.out(opts, data, text or "no title waits for review")

    def do_status(self, opts):
        blocks = block_statuses()
        data = {
            "overall": overall_status(blocks),
            "blocks": {k: b.as_dict() for k, b in blocks.items()},
        }
        lines = [f"overall: {data['overall']}"]
        for block in blocks.values():
            when = (
                block.last_sync_at.isoformat(timespec="seconds") if block.last_sync_at else "never"
            )
            lines.append(
                f"{block.block_id} {block.stage:<8} {block.status:<12} last sync {when}  "
                f"{block.items_processed}/{block.items_total}"
                + (f"  ({block.last_error})" if block.last_error else "")
            )
        self.out(opts, data, "\n".join(lines))

    def do_sheet_import(self, opts):
        source = SheetSource(opts["spreadsheet"], opts["range"], opts["key_column"])
        result = sync_sheet(source, from_file=opts["file"])
        self.stdout.write(
            f"{source.name}: {result.added} added, {result.changed} changed, "
            f"{result.unchanged} unchanged, {result.removed} removed"
            + (f", left out: {result.failures}" if result.failures else "")
        )

    def do_sheet_export(self, opts):
        source = SheetSource(opts["spreadsheet"], opts["range"], opts["key_column"])
        rows = list(SheetRow.objects.filter(source=source.name).order_by("row_number"))
        if not rows:
            raise CommandError(f"{source.name}: no rows were read yet")
        # The key column first, then the others by name: the same file on every database
        # (PostgreSQL's jsonb does not keep the order of keys); an import reads it by header.
        others = sorted({name for r in rows for name in r.values} - {source.key_column})
        header = [source.key_column, *others]
        table = [header] + [[r.values.get(h, "") for h in header] for r in rows]
        path = write_rows(opts["file"], table)
        self.stdout.write(f"{len(rows)} rows of {source.name} written to {path}")

    def do_health(self, opts):
        from pokervod.health import health_check

        health = health_check()
        lines = [
            f"{block} {'ok' if state['ok'] else 'NOT OK'}  "
            + ", ".join(f"{k}={v}" for k, v in state.items() if k != "ok")
            for block, state in health.items()
        ]
        self.out(opts, health, "\n".join(lines))
        if not all(state["ok"] for state in health.values()):
            raise CommandError("a block is not healthy")

    def do_migrate(self, opts):
        from pokervod.health import MigrationFailed, run_migration

        try:
            result = run_migration()
        except MigrationFailed as exc:
            raise CommandError(str(exc)) from exc
        done = ", ".join(result.applied) or "nothing to apply"
        self.stdout.write(f"pokervod migrations (from {result.before}): {done}")

    def do_sample(self, opts):
        from pokervod.sample_run import run_sample

        base = Path(opts["dir"]) if opts["dir"] else None
        started = time.perf_counter()
        for line in run_sample(base, files=opts["files"], hands=opts["hands"]):
            self.stdout.write(line)
        self.stdout.write(f"done in {time.perf_counter() - started:.1f}s")
