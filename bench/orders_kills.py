"""Kill soak of ``order_processing``: orders keep coming, the command is SIGKILLed at random
moments again and again, and at the end every order is held once and no supplier purchase was
made twice.

    .venv/bin/python bench/orders_kills.py [--kills 25] [--seed 1] [--database-url URL]

Setup (in this process): a temporary SQLite database (or ``--database-url``, which must name
an empty database of its own), migrated; a local Coupang that takes orders and a local
ownerclan that takes purchases (their contract servers, as the tests use them); one product
of the supplier listed on the Coupang account. Then, until ``--kills`` kills have landed: 2 to
6 new orders are placed, ``yooini run order_processing`` starts as its own process and is
SIGKILLed after a random delay between 0.6 and 1.6 times a run's duration (the last run that
ended on its own tells it; so kills fall in collect,
acknowledge, purchase and tracking alike; the supplier answers each purchase after 100 ms to
widen that window); some of the supplier's orders ship meanwhile. Finally clean runs until
nothing is left to do. Prints one JSON document; exits 1 when an invariant broke:

- every order placed is held once (no line lost, none twice);
- the supplier took no purchase twice (it counts orders per purchase note);
- a line bought is recorded PLACED with that supplier order, a line whose purchase answer was
  lost is either found at the supplier or flagged for a person with nothing bought;
- no tracking number went to the market twice.

A long soak: not part of CI (the chaos tests in CI kill it twice per database).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERNAME, PASSWORD = "seller-kim", "pw-9f2e7c41b0"
SUPPLIER, ITEM = "oc", "W000001"
REFERENCE = f"{SUPPLIER}-{ITEM}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    # bench/ is first on the path and its source_data.py would hide the app of that name.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="yooini-orders-kills-") as tmp:
        from cryptography.fernet import Fernet

        env = {
            **os.environ,
            "YOOINI_VAR_DIR": tmp,
            "DATABASE_URL": args.database_url or f"sqlite:///{Path(tmp) / 'soak.sqlite3'}",
            "YOOINI_CREDENTIALS_KEY": Fernet.generate_key().decode(),
            "DJANGO_SETTINGS_MODULE": "yooini.settings",
            "YOOINI_EXECUTOR": "inline",
            "YOOINI_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT),
        }
        os.environ.update(env)
        cli = [sys.executable, "-m", "yooini.cli"]
        subprocess.run([*cli, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        report = soak(args, env, cli)
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


def soak(args, env: dict, cli: list[str]) -> dict:
    import django

    django.setup()
    from markets.contract import ListingState, Operation, connector_for
    from markets.coupang.order_testing import CoupangOrderServer
    from markets.coupang.tests.conftest import config_for, make_content
    from markets.testing import send
    from orders.models import OrderLine, Purchase, PurchaseStatus
    from orders.purchase import request_key
    from suppliers.tests.local_servers import OwnerclanApi

    rng = random.Random(args.seed)
    command = [*cli, "run", "order_processing", "--param", "account=live-coupang", "--quiet"]
    item = {
        "key": ITEM,
        "name": "오너클랜 스니커즈",
        "price": 50000,
        "status": "available",
        "options": [
            {"key": f"{ITEM}-0", "price": 50000, "quantity": 100_000,
             "optionAttributes": [{"name": "색상", "value": "블랙"}]},
        ],
    }  # fmt: skip
    with (
        OwnerclanApi(username=USERNAME, password=PASSWORD, items=[item]) as ownerclan,
        CoupangOrderServer() as market,
    ):
        ownerclan.stall_seconds = 1.5
        setup(
            market,
            ownerclan,
            config_for,
            make_content,
            connector_for,
            send,
            Operation,
            ListingState,
        )
        ownerclan.order_delay = 0.1
        placed = 0

        def place(n: int) -> None:
            nonlocal placed
            for _ in range(n):
                market.place(REFERENCE)
            placed += n

        place(3)
        started = time.monotonic()
        subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
        clean_s = time.monotonic() - started
        kills, ended_first, rounds = [], 0, 0
        # Until --kills kills have landed: a run that ends before its kill tells how long a
        # run takes now, and the next delays follow it.
        while len(kills) < args.kills and rounds < 3 * args.kills:
            rounds += 1
            place(rng.randint(2, 6))
            for key in rng.sample(sorted(ownerclan.orders), k=min(2, len(ownerclan.orders))):
                if ownerclan.orders[key].get("status") != "SHIPPED":
                    ownerclan.ship(key, number=f"6400{rng.randrange(10**8):08d}")
            delay = rng.uniform(0.6 * clean_s, 1.6 * clean_s)
            began = time.monotonic()
            proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)  # fmt: skip
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                kills.append(round(delay, 3))
            else:
                ended_first += 1
                clean_s = time.monotonic() - began
        ownerclan.order_delay = 0.0
        finals = []
        for _ in range(3):
            for key in list(ownerclan.orders):  # the supplier ships the rest
                if ownerclan.orders[key].get("status") != "SHIPPED":
                    ownerclan.ship(key, number=f"6400{rng.randrange(10**8):08d}")
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
            finals.append(done.returncode)

        lines = list(OrderLine.objects.select_related("purchase"))
        statuses: dict[str, int] = {}
        problems = []
        for line in lines:
            statuses[line.status] = statuses.get(line.status, 0) + 1
            bought = ownerclan.purchases.get(request_key(line), 0)
            held = Purchase.objects.filter(line=line).first()
            if held is None:
                if bought:
                    problems.append(f"{line.market_line_id}: bought {bought}x, no purchase held")
            elif held.status == PurchaseStatus.PLACED:
                if bought != 1:
                    problems.append(f"{line.market_line_id}: PLACED, bought {bought}x")
            elif held.status == PurchaseStatus.ATTENTION:
                if bought:
                    problems.append(f"{line.market_line_id}: flagged, yet bought {bought}x")
            elif held.status == PurchaseStatus.REQUESTED:
                problems.append(f"{line.market_line_id}: purchase answer still unresolved")
        invoices_twice = sum(1 for n in market.invoices.values() if n > 1)
        report = {
            "kills": len(kills),
            "rounds": rounds,
            "runs_ended_before_their_kill": ended_first,
            "kill_delays_s": kills,
            "clean_run_s": round(clean_s, 2),
            "orders_placed": placed,
            "lines_held": len(lines),
            "statuses": statuses,
            "attention": sum(1 for line in lines if line.attention),
            "supplier_purchases": sum(ownerclan.purchases.values()),
            "supplier_duplicates": ownerclan.duplicates,
            "invoices_sent_twice": invoices_twice,
            "final_runs_exit": finals,
            "problems": problems[:20],
        }
        report["ok"] = (
            len(kills) >= args.kills
            and len(lines) == placed
            and ownerclan.duplicates == 0
            and invoices_twice == 0
            and not problems
            and finals[-1] == 0
        )
        return report


def setup(
    market, ownerclan, config_for, make_content, connector_for, send, Operation, ListingState
):
    from markets.models import Listing, ListingStatus
    from markets.services import market_account_create
    from orchestrator.core.clock import get_clock
    from suppliers.connectors.contract import SupplierOption, SupplierRecord
    from suppliers.services import supplier_create, supplier_records_upsert

    with connector_for(config_for(market)) as listings:
        send(listings, Operation.CREATE, make_content(REFERENCE), ListingState(REFERENCE))
    config = config_for(market, timeout=2.0)
    account = market_account_create(
        name="live-coupang",
        market="coupang",
        dry_run=False,
        settings=dict(config.settings),
        credentials=dict(config.credentials),
    )
    supplier_create(
        name=SUPPLIER,
        kind="ownerclan",
        settings={
            "auth_url": f"{ownerclan.url}/auth",
            "graphql_url": f"{ownerclan.url}/v1/graphql",
            "timeout": 2.0,
            "max_retries": 0,
        },
        credentials={"username": USERNAME, "password": PASSWORD},
    )
    option = SupplierOption(
        name="블랙", key=f"{ITEM}-0", stock=100_000, attributes=(("색상", "블랙"),)
    )
    supplier_records_upsert(
        supplier_name=SUPPLIER,
        records=[
            SupplierRecord(source_id=ITEM, name="오너클랜 스니커즈", price=50000, options=(option,))
        ],
    )
    now = get_clock().now()
    Listing.objects.create(
        account=account,
        reference_number=REFERENCE,
        source_key=f"{SUPPLIER}:{ITEM}",
        external_id="1",
        currency="KRW",
        status=ListingStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
    )


if __name__ == "__main__":
    sys.exit(main())
