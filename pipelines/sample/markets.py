"""The sample's markets: each one's local contract server, live, for ``yooini sample --markets``.

Every market the sample lists on is served on 127.0.0.1 by its own contract server (the one
its tests use, enforcing its published contract: ``markets/<kind>/testing.py``, whose
``sample_market()`` says how the sample's account is made of it), for as long as the run
lasts: from a child process each (``markets_served(..., apart=True)``, what ``yooini sample``
does: ``pipelines.sample.market_serve``), or from this process (the tests, which read the
servers' counters). What each market holds is kept in
``$YOOINI_VAR_DIR/sample/markets/<kind>.state`` between runs, so a rerun talks to the same
market and changes nothing, and a partial run updates the listings it created. The accounts
are ``sample-<kind>``, live (not dry run): the code path of a real account; only the address
differs.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markets.contract_server import state_load, state_save

MARKETS = ("buyma", "smartstore", "coupang", "gmarket")


def account_name(kind: str) -> str:
    return f"sample-{kind}"


@dataclass(frozen=True)
class SampleMarket:
    """A market served for the sample: its contract server and what its account needs."""

    kind: str
    server: Any  # None when it runs in a process of its own
    settings: dict[str, Any]
    credentials: dict[str, str]


START_SECONDS = 60


@contextlib.contextmanager
def markets_served(
    kinds: Sequence[str], state_dir: Path, *, apart: bool = False
) -> Iterator[dict[str, SampleMarket]]:
    """Serve each market of ``kinds``; yields them by kind. What each market holds is saved
    when the block ends, whatever happens. ``apart``: each in a child process."""
    unknown = [kind for kind in kinds if kind not in MARKETS]
    if unknown:
        raise ValueError(f"the sample has no {unknown[0]!r} market; it has {', '.join(MARKETS)}")
    if apart:
        with _served_apart(kinds, state_dir) as served:
            yield served
        return
    with contextlib.ExitStack() as stack:
        served: dict[str, SampleMarket] = {}
        for kind in kinds:
            server, account = importlib.import_module(f"markets.{kind}.testing").sample_market()
            path = state_dir / f"{kind}.state"
            state_load(server, path)
            stack.enter_context(server)
            stack.callback(state_save, server, path)
            served[kind] = SampleMarket(kind, server, *account())
        yield served


@contextlib.contextmanager
def _served_apart(kinds: Sequence[str], state_dir: Path) -> Iterator[dict[str, SampleMarket]]:
    children: dict[str, subprocess.Popen] = {}
    try:
        # All started before any is waited for: their state loads side by side.
        for kind in kinds:
            command = [sys.executable, "-m", "pipelines.sample.market_serve", "--kind", kind]
            command += ["--state", str(state_dir / f"{kind}.state")]
            children[kind] = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
            )
        served = {kind: _started(kind, child) for kind, child in children.items()}
        yield served
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=60)  # saving a big market takes a few seconds
            except subprocess.TimeoutExpired:
                child.kill()
            if child.stdout is not None:
                child.stdout.close()


def _started(kind: str, child: subprocess.Popen) -> SampleMarket:
    """The first line the child prints: where it serves and the account it hands out."""
    assert child.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + START_SECONDS
        while not selector.select(timeout=0.5):
            if child.poll() is not None or time.monotonic() > deadline:
                raise OSError(f"the sample {kind} market did not start (exit {child.poll()})")
    line = child.stdout.readline()
    if not line:
        raise OSError(f"the sample {kind} market stopped at start (exit {child.wait()})")
    started = json.loads(line)
    return SampleMarket(kind, None, started["settings"], started["credentials"])
