"""Serve the sample from a process of its own: ``python -m pipelines.sample.serve ...``.

``yooini sample`` runs the sample mall in a separate process, as a real mall is another
machine: its page rendering then never competes with the pipeline for the interpreter. The
child rebuilds the same catalog from the sample's state (size, seed, price changes), serves it
on the given port and exits when its parent is gone (even when the parent was killed -9), so a
stale server never holds the port of the next run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import threading
import time
from pathlib import Path

from pipelines.sample.catalog import SampleCatalog
from pipelines.sample.server import SampleServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--reprices", default="", help="comma-separated shares, in order")
    parser.add_argument("--own-buyer-id", required=True)
    parser.add_argument("--media-root")
    args = parser.parse_args()
    catalog = SampleCatalog.generate(products=args.products, seed=args.seed)
    shares = [float(s) for s in args.reprices.split(",") if s]
    for generation, share in enumerate(shares, start=1):
        catalog = catalog.repriced(fraction=share, generation=generation)
    parent = os.getppid()
    media_root = Path(args.media_root) if args.media_root else None
    with _bound(catalog, args.own_buyer_id, args.port, media_root):
        watcher = threading.Event()
        while not watcher.wait(0.5):
            if os.getppid() != parent:  # the parent died: nobody will stop us
                return


def _bound(catalog, own_buyer_id: str, port: int, media_root: Path | None) -> SampleServer:
    """The server on ``port``, waiting a few seconds for a killed run's server to let go."""
    deadline = time.monotonic() + 5
    while True:
        try:
            return SampleServer(
                catalog, own_buyer_id=own_buyer_id, port=port, media_root=media_root
            )
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):  # SIGINT from a terminal: just stop
        main()
