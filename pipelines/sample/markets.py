"""The sample's markets: each one's local contract server, live, for ``yooini sample --markets``.

Every market the sample lists on is served on 127.0.0.1 by its own contract server (the one
its tests use, enforcing its published contract: ``markets/<kind>/testing.py``, whose
``sample_market()`` says how the sample's account is made of it), from this process, for as
long as the run lasts. What each market holds is kept in
``$YOOINI_VAR_DIR/sample/markets/<kind>.state`` between runs, so a rerun talks to the same
market and changes nothing, and a partial run updates the listings it created. The accounts
are ``sample-<kind>``, live (not dry run): the code path of a real account; only the address
differs.
"""

from __future__ import annotations

import contextlib
import importlib
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
    server: Any
    settings: dict[str, Any]
    credentials: dict[str, str]


@contextlib.contextmanager
def markets_served(kinds: Sequence[str], state_dir: Path) -> Iterator[dict[str, SampleMarket]]:
    """Serve each market of ``kinds``; yields them by kind. What each market holds is saved
    when the block ends, whatever happens."""
    with contextlib.ExitStack() as stack:
        served: dict[str, SampleMarket] = {}
        for kind in kinds:
            if kind not in MARKETS:
                raise ValueError(f"the sample has no {kind!r} market; it has {', '.join(MARKETS)}")
            server, account = importlib.import_module(f"markets.{kind}.testing").sample_market()
            path = state_dir / f"{kind}.state"
            state_load(server, path)
            stack.enter_context(server)
            stack.callback(state_save, server, path)
            served[kind] = SampleMarket(kind, server, *account())
        yield served
