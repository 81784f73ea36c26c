"""``yooini sample``: the BUYMA pipeline end to end on the bundled sample, offline; with
``--markets``, ``product_sync`` listing live on local contract servers of several markets."""

from __future__ import annotations

import contextlib
import sys

from django.core.management.base import CommandError

from media.storage import media_root
from orchestrator.console import console, print_summary, run_with_progress
from orchestrator.management.base import EngineCommand, add_run_options
from orchestrator.services.batches import BatchConflict, batch_start
from pipelines.sample.markets import MARKETS, markets_served
from pipelines.sample.orders import orders_place
from pipelines.sample_run import (
    ACCOUNT,
    UNITS,
    SampleBusy,
    SampleState,
    live_accounts_configure,
    sample_configure,
    sample_disarm,
    sample_lock,
    sample_run_settings,
    sample_served,
    state_path,
)
from pipelines.summary import print_outputs, print_stage_table


class Command(EngineCommand):
    help = (
        "Run the buyma workflow on the bundled sample: a sample mall and an Excel feed served "
        "on 127.0.0.1 by this command, BUYMA in dry run (nothing leaves this machine)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mode", choices=["full", "partial"], default="full")
        parser.add_argument(
            "--products", type=int, help="sample size (first run only; default 1000)"
        )
        parser.add_argument(
            "--reprice",
            type=float,
            metavar="SHARE",
            help="before running, change the price of this share of the sample's products "
            "(e.g. 0.05), as a mall does between two runs",
        )
        parser.add_argument(
            "--markets",
            help=f"list live on these markets' local contract servers instead ({','.join(MARKETS)}"
            "), with product_sync: the code path of real accounts",
        )
        parser.add_argument(
            "--orders",
            type=int,
            default=0,
            metavar="N",
            help="with --markets: then have the markets that take orders place N orders on the "
            "listed products, and run order_processing on them",
        )
        add_run_options(parser)

    def handle(self, *args, **opts):
        path = state_path()
        with contextlib.ExitStack() as held:
            try:
                held.enter_context(sample_lock(path.parent))
            except SampleBusy as exc:
                raise CommandError(str(exc)) from None
            self._run(path, opts)

    def _run(self, path, opts):
        state = SampleState.load(path)
        if opts["products"]:
            if path.exists() and opts["products"] != state.products:
                raise CommandError(
                    f"the sample already has {state.products} products; remove {path} "
                    "(and the database) to start over with another size"
                )
            state.products = opts["products"]
        if opts["reprice"] is not None:
            if not 0 < opts["reprice"] <= 1:
                raise CommandError("--reprice must be a share in (0, 1], e.g. 0.05")
            state.reprices.append(opts["reprice"])
        kinds = _markets(opts["markets"])
        if opts["orders"] and not kinds:
            raise CommandError("--orders needs --markets: orders are placed on the live markets")
        catalog = state.catalog()
        port = state.free_port()
        state.save(path)
        with contextlib.ExitStack() as stack:
            # last out, after the servers stop: nothing is left enabled against them
            stack.callback(_disarm)
            try:
                base_url = stack.enter_context(sample_served(state, media_root()))
            except OSError as exc:
                raise CommandError(f"cannot serve the sample on 127.0.0.1:{port}: {exc}") from exc
            run_settings = sample_run_settings(port, base_url)
            sample_configure(base_url, list(catalog.brands))
            workflow, accounts = "buyma", [ACCOUNT]
            if kinds:
                served = stack.enter_context(
                    markets_served(kinds, path.parent / "markets", apart=True)
                )
                workflow, accounts = "product_sync", live_accounts_configure(served, base_url)
            try:
                started = batch_start(
                    workflow,
                    mode=opts["mode"],
                    params={"units": UNITS, "account": ",".join(accounts)},
                    settings=run_settings,
                )
            except BatchConflict as exc:
                raise CommandError(str(exc)) from exc
            verb = "resuming" if started.resumed else "started"
            console.print(
                f"{verb} batch [bold]{started.batch.id}[/] of {workflow} in mode {opts['mode']} "
                f"on the sample ({len(catalog)} mall products, {len(catalog.brands)} brands) at "
                f"{base_url}, listing on {', '.join(accounts)}"
            )
            batch = run_with_progress(
                started.batch.id,
                executor=opts["executor"],
                concurrency=opts["concurrency"],
                quiet=opts["quiet"],
            )
            if opts["orders"] and batch.status == "COMPLETED":
                print_summary(batch)
                batch = run_orders(served, accounts, opts)
        print_summary(batch)
        print_stage_table(batch)
        print_outputs(batch, accounts=accounts)
        sys.exit(0 if batch.status == "COMPLETED" else 1)


def _disarm() -> None:
    disabled = sample_disarm()
    if disabled:
        console.print(
            f"disabled until the next `yooini sample` (their servers are gone): "
            f"{', '.join(disabled)}"
        )


def run_orders(served, accounts, opts):
    """Buyers order on the served markets, then order_processing runs while they are up."""
    taking = orders_place(served, accounts, opts["orders"])
    console.print(
        f"{opts['orders']} order(s) placed on {', '.join(taking.values()) or 'no account'}"
        " (markets taking orders here: coupang, smartstore)"
    )
    started = batch_start("order_processing", params={"account": ",".join(taking.values())})
    return run_with_progress(
        started.batch.id,
        executor=opts["executor"],
        concurrency=opts["concurrency"],
        quiet=opts["quiet"],
    )


def _markets(value: str | None) -> list[str]:
    if not value:
        return []
    kinds = list(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in MARKETS]
    if unknown:
        raise CommandError(
            f"--markets: no sample market {', '.join(unknown)} (choose from {', '.join(MARKETS)})"
        )
    return kinds
