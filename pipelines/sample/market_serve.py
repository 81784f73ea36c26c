"""Serve one sample market from a process of its own: ``python -m pipelines.sample.market_serve
--kind coupang --state PATH``.

``yooini sample --markets`` runs each market's local contract server in a child process, as a
real market is another machine: what the market holds (every product it was sent) and the work
of answering then never weigh on the pipeline's process. The child loads the market's state,
serves on a free port of 127.0.0.1, prints one JSON line on stdout (``base_url``, and the
account's ``settings`` and ``credentials``), and serves until told to stop (SIGTERM, SIGINT) or
until its parent is gone (even killed -9); then it saves the state and exits.

A file lock held for the child's whole life (``<state>.lock``) makes the next run's child wait
until this one has saved, so a run started right after a kill talks to the market as the killed
run left it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib
import json
import os
import signal
import sys
import threading
from pathlib import Path

from markets.contract_server import state_load, state_save

LOCK_WAIT_SECONDS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", required=True)
    parser.add_argument("--state", required=True, type=Path)
    args = parser.parse_args()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    parent = os.getppid()
    args.state.parent.mkdir(parents=True, exist_ok=True)
    with _held(args.state.with_name(args.state.name + ".lock")):
        server, account = importlib.import_module(f"markets.{args.kind}.testing").sample_market()
        state_load(server, args.state)
        with server:
            settings, credentials = account()
            line = {"base_url": server.base_url, "settings": settings, "credentials": credentials}
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()
            while not stop.wait(0.2):
                if os.getppid() != parent:  # the parent died: nobody will stop us
                    break
        state_save(server, args.state)


@contextlib.contextmanager
def _held(path: Path):
    """An exclusive lock on ``path``, waited for a bounded time (a killed run's child may
    still be saving what its market holds)."""
    with path.open("a") as handle:
        waited = threading.Event()
        for _ in range(LOCK_WAIT_SECONDS * 10):
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited.wait(0.1)
        else:
            raise SystemExit(f"{path} is held by another sample market for {LOCK_WAIT_SECONDS} s")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


if __name__ == "__main__":
    main()
