"""source_data_upsert_many on a real database: versions only on real change, history kept,
rejections reported, one query per chunk for the read."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from source_data.models import SourceData
from source_data.records import SourceRecord
from source_data.selectors import source_data_get, source_data_history
from source_data.services import source_data_upsert_many

from .factories import product

pytestmark = pytest.mark.usefixtures("manual_clock")


def data_queries(captured):
    """The statements that touch data (savepoints of the test transaction left out), each
    named by its first word; PostgreSQL's COPY counts as the INSERT it is."""
    kinds = [q["sql"].split()[0].upper() for q in captured.captured_queries]
    return [
        "INSERT" if kind == "COPY" else kind
        for kind in kinds
        if kind not in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")
    ]


@pytest.mark.django_db
def test_first_load_creates_one_current_version_each():
    result = source_data_upsert_many([product(f"P{i}") for i in range(5)], batch_id="b1")
    assert (result.created, result.changed, result.unchanged, result.rejected) == (5, 0, 0, 0)
    rows = SourceData.objects.order_by("source_id")
    assert [r.source_id for r in rows] == ["P0", "P1", "P2", "P3", "P4"]
    assert {(r.version, r.is_current, r.batch_id, r.processing_status) for r in rows} == {
        (1, True, "b1", "raw")
    }


@pytest.mark.django_db
def test_reimporting_the_same_records_creates_no_version_and_marks_them_seen(manual_clock):
    records = [product(f"P{i}") for i in range(5)]
    source_data_upsert_many(records, batch_id="b1")
    first_seen = SourceData.objects.get(source_id="P0").last_seen_at
    manual_clock.advance(3600)
    # Same content with its keys in another order is the same content.
    shuffled = [
        SourceRecord(r.source_type, r.source_system, r.source_id, dict(reversed(r.raw.items())))
        for r in records
    ]
    result = source_data_upsert_many(shuffled, batch_id="b2")
    assert (result.created, result.changed, result.unchanged) == (0, 0, 5)
    assert SourceData.objects.count() == 5
    row = SourceData.objects.get(source_id="P0")
    assert row.version == 1 and row.batch_id == "b2"
    assert (row.last_seen_at - first_seen).total_seconds() == 3600
    assert row.updated_at == row.created_at


@pytest.mark.django_db
def test_a_price_change_makes_exactly_one_new_version_and_keeps_the_old(manual_clock):
    source_data_upsert_many(
        [
            product("P1", market_data={"buyma": {"status": "active", "price": 15000}}),
            product("P2"),
        ]
    )
    manual_clock.advance(60)
    result = source_data_upsert_many([product("P1", price=12000), product("P2")], batch_id="b2")
    assert (result.created, result.changed, result.unchanged) == (0, 1, 1)
    assert SourceData.objects.count() == 3

    history = list(source_data_history(source_system="ownerclan", source_id="P1"))
    assert [(r.version, r.is_current, r.raw["price"]) for r in history] == [
        (1, None, 10000),
        (2, True, 12000),
    ]
    old, new = history
    assert old.superseded_at == new.created_at
    # Derived data follows the product to its new version; the new content needs processing.
    assert new.market_data == {"buyma": {"status": "active", "price": 15000}}
    assert new.processing_status == "raw" and new.batch_id == "b2"
    assert SourceData.objects.get(source_id="P2").version == 1


@pytest.mark.django_db
def test_given_derived_data_replaces_the_carried_one():
    source_data_upsert_many([product("P1", ai_data={"score": 0.5}, normalized={"n": 1})])
    source_data_upsert_many([product("P1", price=1, ai_data={"score": 0.9})])
    row = source_data_get(source_system="ownerclan", source_id="P1")
    assert row.ai_data == {"score": 0.9} and row.normalized == {"n": 1}


@pytest.mark.django_db
def test_reading_the_current_version_is_one_query(django_assert_num_queries):
    source_data_upsert_many([product("P1")])
    source_data_upsert_many([product("P1", price=2), product("P1", price=3)])
    with django_assert_num_queries(1):
        row = source_data_get(source_system="ownerclan", source_id="P1")
    assert row.version == 3 and row.raw["price"] == 3


@pytest.mark.django_db
def test_bad_records_are_rejected_once_each_and_the_good_ones_stored():
    records = [
        product("good-1"),
        SourceRecord("supplier_product", "ownerclan", "", {"a": 1}),
        product("good-2"),
        SourceRecord("supplier_product", "ownerclan", "nan", {"p": float("nan")}),
        "not a record",
        product("bad-price", market_data={"buyma": {"price": "12,000원"}}),
        product("good-3"),
    ]
    result = source_data_upsert_many(records, chunk_size=2)
    assert (result.created, result.rejected, result.total) == (3, 4, 7)
    assert [r.as_dict() for r in result.rejections] == [
        {"index": 1, "source_id": "", "field": "source_id", "reason": "must be a non-empty string"},
        {
            "index": 3,
            "source_id": "nan",
            "field": "raw",
            "reason": "not JSON-serializable: Out of range float values are not JSON compliant",
        },
        {
            "index": 4,
            "source_id": "",
            "field": "record",
            "reason": "expected SourceRecord, got str",
        },
        {
            "index": 5,
            "source_id": "bad-price",
            "field": "market_data",
            "reason": "buyma.price must be a number",
        },
    ]
    assert sorted(SourceData.objects.values_list("source_id", flat=True)) == [
        "good-1",
        "good-2",
        "good-3",
    ]
    assert result.as_dict()["rejected"] == 4


@pytest.mark.django_db
def test_a_lone_surrogate_rejects_its_record_and_the_others_are_stored():
    # "\ud83d" is half an emoji: JSON sources can carry it, UTF-8 cannot encode it.
    records = [
        product("good-1"),
        SourceRecord("supplier_product", "ownerclan", "broken-name", {"name": "\ud83d 반쪽"}),
        SourceRecord("supplier_product", "ownerclan", "id-\udc00", {"a": 1}),
        product("broken-derived", normalized={"title": "\udfff"}),
        product("good-2"),
        SourceRecord("supplier_product", "ownerclan", "nul-\x00", {"a": 1}),
    ]
    result = source_data_upsert_many(records)
    assert (result.created, result.rejected) == (2, 4)
    assert [(r.index, r.source_id, r.field) for r in result.rejections] == [
        (1, "broken-name", "raw"),
        (2, "id-\\udc00", "source_id"),
        (3, "broken-derived", "normalized"),
        (5, "nul-\\x00", "source_id"),
    ]
    assert {r.reason for r in result.rejections[:3]} == {
        "contains a broken character (a lone UTF-16 surrogate, such as half an emoji)"
    }
    assert result.rejections[3].reason == "contains U+0000, which PostgreSQL cannot store"
    assert sorted(SourceData.objects.values_list("source_id", flat=True)) == ["good-1", "good-2"]


@pytest.mark.django_db
def test_the_same_key_twice_in_one_call_is_applied_in_order():
    result = source_data_upsert_many(
        [product("P1", price=1), product("P2"), product("P1", price=2), product("P1", price=2)]
    )
    assert (result.created, result.changed, result.unchanged) == (2, 1, 1)
    assert [
        r.raw["price"] for r in source_data_history(source_system="ownerclan", source_id="P1")
    ] == [1, 2]


@pytest.mark.django_db
def test_keys_are_exact_on_every_database():
    ids = ["SKU-1", "sku-1", "sku-1 ", "상품-1"]
    result = source_data_upsert_many([product(i) for i in ids])
    assert result.created == 4
    again = source_data_upsert_many([product(i) for i in ids])
    assert again.unchanged == 4
    assert sorted(SourceData.objects.values_list("source_id", flat=True)) == sorted(ids)
    assert source_data_get(source_system="ownerclan", source_id="sku-1 ").source_id == "sku-1 "


@pytest.mark.django_db
def test_same_source_id_in_two_systems_are_two_records():
    result = source_data_upsert_many([product("P1"), product("P1", system="domeggook")])
    assert result.created == 2
    assert source_data_get(source_system="domeggook", source_id="P1").version == 1


@pytest.mark.django_db
def test_each_chunk_reads_once_and_writes_in_bulk():
    records = [product(f"P{i}") for i in range(10)]
    with CaptureQueriesContext(connection) as first:
        source_data_upsert_many(records, chunk_size=5)
    assert data_queries(first) == ["SELECT", "INSERT"] * 2  # per chunk: one read, one write

    changed = [product(f"P{i}", price=1) if i in (2, 7) else product(f"P{i}") for i in range(10)]
    with CaptureQueriesContext(connection) as reload:
        result = source_data_upsert_many(changed, chunk_size=5)
    assert (result.changed, result.unchanged) == (2, 8)
    # per chunk: read current, read derived of the changed, retire old, insert new, touch seen
    assert data_queries(reload) == ["SELECT", "SELECT", "UPDATE", "INSERT", "UPDATE"] * 2


@pytest.mark.django_db
def test_arguments_are_checked():
    with pytest.raises(ValueError):
        source_data_upsert_many([], chunk_size=0)
    with pytest.raises(ValueError):
        source_data_upsert_many([], batch_id="x" * 33)
    assert source_data_upsert_many(iter([])).total == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_the_same_keys_leave_one_current_version_each():
    records = [product(f"P{i}") for i in range(200)]
    results, errors = [], []
    start = threading.Barrier(4)

    def writer():
        try:
            start.wait()
            results.append(source_data_upsert_many(records, chunk_size=50))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.created for r in results) == 200
    assert sum(r.unchanged for r in results) == 600
    assert SourceData.objects.count() == 200
    assert set(SourceData.objects.values_list("version", "is_current")) == {(1, True)}


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_keep_one_unbroken_version_chain_per_key():
    keys = [f"P{i}" for i in range(30)]
    source_data_upsert_many([product(k) for k in keys])
    errors = []
    start = threading.Barrier(3)

    def writer(offset):
        try:
            start.wait()
            for round_ in range(4):
                price = 1000 * (round_ + 1) + offset
                source_data_upsert_many([product(k, price=price) for k in keys], chunk_size=10)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for key in keys:
        history = list(source_data_history(source_system="ownerclan", source_id=key))
        assert [r.version for r in history] == list(range(1, len(history) + 1))
        assert [r.is_current for r in history] == [None] * (len(history) - 1) + [True]


@pytest.mark.django_db(transaction=True)
def test_market_updates_racing_new_versions_all_land_on_the_current_version():
    from source_data.services import source_data_market_update

    keys = [f"P{i}" for i in range(10)]
    source_data_upsert_many([product(k) for k in keys])
    errors = []
    start = threading.Barrier(2)

    def reloads():
        try:
            start.wait()
            for round_ in range(5):
                source_data_upsert_many([product(k, price=round_ + 1) for k in keys])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def market_updates():
        try:
            start.wait()
            for n in range(5):
                for k in keys:
                    source_data_market_update(
                        source_system="ownerclan",
                        source_id=k,
                        market=f"m{n}",
                        values={"status": "active"},
                    )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reloads), threading.Thread(target=market_updates)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for k in keys:
        current = source_data_get(source_system="ownerclan", source_id=k)
        assert current.version == 6
        assert sorted(current.market_data) == [f"m{n}" for n in range(5)]
