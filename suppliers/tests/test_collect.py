"""The ``supplier_collect`` workflow on the real engine: an Excel feed with broken rows, a REST
supplier on a local server whose since-cursor is kept between runs, retries by error type,
and a run killed after its first page that resumes without reading that page again."""

from __future__ import annotations

import openpyxl
import pytest
from cryptography.fernet import Fernet

from orchestrator.executors import InlineExecutor
from orchestrator.models import Event, ResourceState, StageRun
from orchestrator.runner import Runner
from orchestrator.services.batches import batch_start
from orchestrator.services.claims import claims_take
from pipelines.supplier_collect import supplier_collect
from source_data.models import SourceData
from suppliers.connectors import register, unregister
from suppliers.connectors.feed import ExcelFeedConnector
from suppliers.models import Supplier
from suppliers.services import supplier_create
from suppliers.tests.local_servers import RestApi

pytestmark = pytest.mark.usefixtures("transactional_db", "manual_clock")

TOKEN = "rest-token-91d0c2e7aa"
HEADER = ["상품코드", "상품명", "판매가", "재고"]
COLUMNS = {"상품코드": "source_id", "상품명": "name", "판매가": "price", "재고": "stock"}
ROWS = [
    ["A001", "양말", 3000, 10],  # row 2
    ["A002", "모자", "12,000원", 5],
    ["A003", "장갑", "문의", 1],  # row 4: price is text
    ["A004", None, 5000, 1],  # row 5: no name
    ["A001", "양말 두 번째", 3100, 1],  # row 6: duplicate code
    ["A005", "가방", 45000, "품절"],
    [None, None, None, None],  # blank: skipped, not reported
    ["A006", "신발", -100, 2],  # row 9: negative price
    ["A007", "벨트", 15000, "많음"],  # row 10: stock is text
    ["A008", "셔츠", 22000, 3],
]
GOOD_IDS = {"A001", "A002", "A005", "A008"}
BAD_ROWS = [(4, "판매가"), (5, "상품명"), (6, "상품코드"), (9, "판매가"), (10, "재고")]


@pytest.fixture(autouse=True)
def credentials_key(settings):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()


def write_feed(path, rows) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


@pytest.fixture
def feed(tmp_path):
    path = tmp_path / "catalogue.xlsx"
    write_feed(path, ROWS)
    supplier_create(
        name="feedco",
        kind="excel",
        settings={"source": str(path), "columns": COLUMNS, "page_size": 3},
    )
    return path


def collect_cell(batch) -> StageRun:
    return StageRun.objects.get(batch=batch, stage="collect")


def run(run_batch, **start):
    return run_batch(supplier_collect, runner_kwargs={"max_sleep": 3600}, **start)


def test_an_excel_feed_with_broken_rows_completes_and_reports_each_bad_row_once(feed, run_batch):
    batch = run(run_batch)
    assert batch.status == "COMPLETED"
    cell = collect_cell(batch)
    assert cell.partition == "feedco" and cell.resource == "supplier:feedco"
    assert cell.item_count == 4
    result = cell.result
    assert (result["created"], result["changed"], result["unchanged"]) == (4, 0, 0)
    assert result["pages"] == 3 and result["rejected_count"] == len(BAD_ROWS)
    assert [(r["row"], r["column"]) for r in result["rejected"]] == BAD_ROWS
    assert {r["reason"] for r in result["rejected"]} >= {
        "price not a number",
        "missing name",
        "duplicate product code, first seen in row 2",
    }
    current = SourceData.objects.filter(source_system="feedco", is_current=True)
    assert set(current.values_list("source_id", flat=True)) == GOOD_IDS
    a002 = current.get(source_id="A002")
    assert a002.source_type == "supplier_product" and a002.batch_id == batch.id
    assert a002.raw["price"] == 12000 and a002.raw["raw"]["판매가"] == "12,000원"
    assert current.get(source_id="A005").raw["stock"] == 0
    (event,) = Event.objects.filter(type="supplier.collected", correlation_id=batch.id)
    assert event.payload["supplier"] == "feedco" and event.payload["items"] == 4
    assert ResourceState.objects.get(name="supplier:feedco").concurrency == 1


def test_running_again_adds_no_version_and_one_price_change_adds_exactly_one(feed, run_batch):
    run(run_batch)
    again = collect_cell(run(run_batch)).result
    assert (again["created"], again["changed"], again["unchanged"]) == (0, 0, 4)
    assert again["rejected_count"] == len(BAD_ROWS)
    assert SourceData.objects.filter(source_system="feedco").count() == 4

    rows = [list(r) for r in ROWS]
    rows[1][2] = 13000  # A002's price
    write_feed(feed, rows)
    changed = collect_cell(run(run_batch)).result
    assert (changed["created"], changed["changed"], changed["unchanged"]) == (0, 1, 3)
    assert SourceData.objects.filter(source_system="feedco").count() == 5
    a002 = SourceData.objects.get(source_system="feedco", source_id="A002", is_current=True)
    assert a002.version == 2 and a002.raw["price"] == 13000


# --- a REST supplier and its since-cursor -------------------------------------------------


def product(n: int, **changes) -> dict:
    return {
        "id": f"P{n:03}",
        "name": f"상품 {n}",
        "price": 1000 * n,
        "stock": n,
        "updated_at": f"2025-01-{n:02}T09:00:00+09:00",
        **changes,
    }


def rest_settings(api: RestApi) -> dict:
    return {
        "url": f"{api.url}/v1/products",
        "items_path": "data.items",
        "page_size": 2,
        "since_param": "updated_since",
        "timeout": 2,
        "backoff_seconds": 0.01,
        "max_retries": 1,
    }


def test_a_rest_supplier_keeps_its_since_cursor_between_runs(run_batch):
    with RestApi(token=TOKEN, products=[product(n) for n in range(1, 6)], faults=()) as api:
        supplier_create(
            name="restco", kind="http", settings=rest_settings(api), credentials={"token": TOKEN}
        )
        first = collect_cell(run(run_batch)).result
        assert (first["items"], first["created"]) == (5, 5)
        supplier = Supplier.objects.get(name="restco")
        assert supplier.cursor == {"since": "2025-01-05T09:00:00+09:00"}
        assert first["cursor"] == supplier.cursor

        # The supplier changes one product and adds one; the next run asks only for changes.
        products = [product(n) for n in range(1, 6)]
        products[2] = product(3, price=3500, updated_at="2025-01-06T09:00:00+09:00")
        products.append(product(7))
        api.products = sorted(products, key=lambda p: p["updated_at"])
        requests_before = len(api.hits)
        second = collect_cell(run(run_batch)).result
    # P005 (the boundary, asked with >=) unchanged, P003 changed, P007 new; P001-P004 not read.
    assert (second["items"], second["created"], second["changed"], second["unchanged"]) == (
        3,
        1,
        1,
        1,
    )
    assert len(api.hits) - requests_before == 2  # two pages of two, not three
    assert Supplier.objects.get(name="restco").cursor == {"since": "2025-01-07T09:00:00+09:00"}
    p003 = SourceData.objects.get(source_system="restco", source_id="P003", is_current=True)
    assert p003.version == 2 and p003.raw["price"] == 3500


def test_refused_credentials_fail_at_once_and_show_no_token(run_batch):
    with RestApi(token=TOKEN, products=[product(1)], faults=()) as api:
        supplier_create(
            name="restco",
            kind="http",
            settings=rest_settings(api),
            credentials={"token": "wrong-token-5e2b7c"},
        )
        batch = run(run_batch)
    cell = collect_cell(batch)
    assert batch.status == "FAILED" and cell.status == "ERROR"
    assert cell.attempt == 1 and cell.error_type == "AuthError"
    assert "wrong-token-5e2b7c" not in cell.error + cell.traceback
    assert Supplier.objects.get(name="restco").cursor is None


def test_a_transient_error_is_retried_by_the_engine(run_batch):
    # max_retries=1: the connector tries twice, then hands the wait to the engine.
    faults = ((503, {}), (503, {}), (503, {}))
    with RestApi(token=TOKEN, products=[product(1), product(2)], faults=faults) as api:
        supplier_create(
            name="restco", kind="http", settings=rest_settings(api), credentials={"token": TOKEN}
        )
        batch = run(run_batch)
    cell = collect_cell(batch)
    assert batch.status == "COMPLETED" and cell.attempt == 2 and cell.failures == 1
    assert cell.result["created"] == 2


# --- a run killed after its first page ----------------------------------------------------


class RecordedFeed(ExcelFeedConnector):
    """The Excel connector, recording every cursor it is asked to read from; the process
    "dies" (SystemExit, which no stage catches) on the read numbered ``die_on``."""

    kind = "recorded-excel"
    reads: list = []
    die_on: int | None = None

    def read(self, cursor):
        RecordedFeed.reads.append(cursor)
        if RecordedFeed.die_on == len(RecordedFeed.reads):
            raise SystemExit("process killed")
        return super().read(cursor)


@pytest.fixture
def recorded_feed(tmp_path):
    register(RecordedFeed.kind, RecordedFeed, replace=True)
    RecordedFeed.reads, RecordedFeed.die_on = [], 2
    path = tmp_path / "catalogue.xlsx"
    write_feed(path, ROWS)
    supplier_create(
        name="feedco",
        kind=RecordedFeed.kind,
        settings={"source": str(path), "columns": COLUMNS, "page_size": 3},
    )
    yield
    unregister(RecordedFeed.kind)


def test_a_killed_run_resumes_from_its_checkpoint_without_rereading_pages(
    recorded_feed, manual_clock
):
    batch = batch_start(supplier_collect.name).batch
    (claim,) = claims_take(
        batch_ids=[batch.id], owner="dead", limit=1, now=manual_clock.now(), lease_seconds=30
    ).claims
    from orchestrator.execution import execute_claim

    with pytest.raises(SystemExit):
        execute_claim(claim)
    checkpoint = collect_cell(batch).checkpoint
    assert checkpoint["pages"] == 1 and checkpoint["cursor"]["offset"] == 3
    assert SourceData.objects.filter(source_system="feedco").count() == 2  # page 1's records

    done = Runner(InlineExecutor(), max_sleep=3600).run(batch.id)
    assert done.status == "COMPLETED"
    reads = RecordedFeed.reads
    assert reads.count(None) == 1  # the first page was read once, before the kill
    assert [c["offset"] for c in reads[1:]] == [3, 3, 6]  # the killed read, then on
    result = collect_cell(batch).result
    # Counts and rejected rows from before the kill are carried in the checkpoint.
    assert (result["items"], result["created"], result["pages"]) == (4, 4, 3)
    assert [(r["row"], r["column"]) for r in result["rejected"]] == BAD_ROWS
    assert SourceData.objects.filter(source_system="feedco").count() == 4
