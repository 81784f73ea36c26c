"""The seed's market queries on a small fixture, with exact expected rows. The suite runs on
SQLite, PostgreSQL and MariaDB (DATABASE_URL), so each answer is checked on all three."""

from datetime import timedelta

import pytest

from source_data.records import InvalidRecord
from source_data.selectors import (
    source_data_active_in_market,
    source_data_aggregate_by_market,
    source_data_by_market,
    source_data_get,
    source_data_market_names,
    source_data_need_price_update,
    source_data_search,
    source_data_with_ai_score_above,
)
from source_data.services import (
    source_data_ai_update,
    source_data_market_update,
    source_data_upsert_many,
)

from .factories import product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_clock")]

# The manual clock starts at 2026-01-27T03:00:00Z.
HOURS_AGO_7 = "2026-01-26T20:00:00Z"
HOURS_AGO_5 = "2026-01-26T22:00:00Z"
ODD = "11st-global__status"  # digits, dash, a double underscore: a key, never a lookup


@pytest.fixture
def catalog():
    source_data_upsert_many(
        [
            product(
                "A",
                market_data={
                    "buyma": {"status": "active", "price": 12000, "price_updated_at": HOURS_AGO_7},
                    "smartstore": {"status": "active", "price": 9000},
                },
                ai_data={"score": 0.95},
            ),
            product(
                "B",
                market_data={
                    "buyma": {"status": "inactive", "price": 8000, "price_updated_at": HOURS_AGO_5}
                },
                ai_data={"score": 0.8},
            ),
            product(
                "C",
                market_data={
                    "buyma": {"status": "Active", "price": None, "price_updated_at": None}
                },
                ai_data={"score": 1},
            ),
            product("D", market_data={"smartstore": {"status": "active", "price": 11000}}),
            product("E", ai_data={"score": 0.5, "label": "x"}),
            product("F", market_data={ODD: {"status": "active"}}, ai_data={"score": None}),
            product("G", market_data={"buyma": {"status": "active", "price": 10000}}),
        ]
    )
    # A history row that would match every query: H's first version (active, stale, score 1)
    # must never show up once H has a new version without market or AI data.
    source_data_upsert_many(
        [
            product(
                "H",
                market_data={
                    "buyma": {"status": "active", "price": 1, "price_updated_at": HOURS_AGO_7}
                },
                ai_data={"score": 1},
            )
        ]
    )
    source_data_upsert_many([product("H", price=1, market_data={}, ai_data={})])


def ids(query):
    return sorted(query.values_list("source_id", flat=True))


def test_by_market_lists_every_status_with_the_market_entry(catalog):
    rows = {r.source_id: r.market_info for r in source_data_by_market(market="buyma")}
    assert sorted(rows) == ["A", "B", "C", "G"]
    assert rows["B"] == {"status": "inactive", "price": 8000, "price_updated_at": HOURS_AGO_5}
    assert rows["C"] == {"status": "Active", "price": None, "price_updated_at": None}
    assert ids(source_data_by_market(market="smartstore")) == ["A", "D"]
    assert ids(source_data_by_market(market=ODD)) == ["F"]
    assert ids(source_data_by_market(market="coupang")) == []


def test_active_in_market_is_exact_and_case_sensitive(catalog):
    assert ids(source_data_active_in_market(market="buyma")) == ["A", "G"]
    assert ids(source_data_active_in_market(market="smartstore")) == ["A", "D"]
    assert ids(source_data_active_in_market(market=ODD)) == ["F"]
    assert ids(source_data_active_in_market(market="buyma__status")) == []


def test_need_price_update_takes_never_stamped_and_stale(catalog):
    # A: 7h old, B: 5h old, C: stamped null, G: no stamp; D and E are not on buyma.
    assert ids(source_data_need_price_update(market="buyma", older_than=timedelta(hours=6))) == [
        "A",
        "C",
        "G",
    ]
    assert ids(source_data_need_price_update(market="buyma", older_than=timedelta(hours=4))) == [
        "A",
        "B",
        "C",
        "G",
    ]
    assert ids(
        source_data_need_price_update(market="smartstore", older_than=timedelta(hours=6))
    ) == ["A", "D"]


def test_need_price_update_follows_the_clock_and_the_market_update_stamp(catalog, manual_clock):
    source_data_market_update(
        source_system="ownerclan", source_id="G", market="buyma", values={"price": 10500}
    )
    assert ids(source_data_need_price_update(market="buyma", older_than=timedelta(hours=6))) == [
        "A",
        "C",
    ]
    manual_clock.advance(6 * 3600 + 1)
    assert "G" in ids(source_data_need_price_update(market="buyma", older_than=timedelta(hours=6)))


def test_with_ai_score_above_is_at_least_and_numeric(catalog):
    assert ids(source_data_with_ai_score_above(score=0.8)) == ["A", "B", "C"]
    assert ids(source_data_with_ai_score_above(score=0.81)) == ["A", "C"]
    assert ids(source_data_with_ai_score_above(score=1)) == ["C"]
    assert ids(source_data_with_ai_score_above(score=0)) == ["A", "B", "C", "E"]


def test_aggregate_by_market(catalog):
    assert source_data_aggregate_by_market() == {
        "buyma": {
            "listed": 4,
            "active": 2,
            "min_price": 8000.0,
            "max_price": 12000.0,
            "avg_price": 10000.0,
        },
        "smartstore": {
            "listed": 2,
            "active": 2,
            "min_price": 9000.0,
            "max_price": 11000.0,
            "avg_price": 10000.0,
        },
        ODD: {"listed": 1, "active": 1, "min_price": None, "max_price": None, "avg_price": None},
    }
    assert source_data_aggregate_by_market(markets=["coupang"], source_system="ownerclan") == {
        "coupang": {
            "listed": 0,
            "active": 0,
            "min_price": None,
            "max_price": None,
            "avg_price": None,
        }
    }
    assert source_data_aggregate_by_market(markets=["buyma"], source_system="nobody") == {
        "buyma": {"listed": 0, "active": 0, "min_price": None, "max_price": None, "avg_price": None}
    }


def test_market_names_are_the_keys_of_current_records(catalog):
    assert source_data_market_names() == [ODD, "buyma", "smartstore"]


@pytest.mark.parametrize("market", ["", "smart store", "a'b", 'a"b', "a.b", "가게", None])
def test_market_names_outside_the_contract_are_refused(market):
    with pytest.raises(ValueError):
        source_data_active_in_market(market=market)
    result = source_data_upsert_many([product("X", market_data={market: {"status": "active"}})])
    assert result.rejections[0].field == "market_data"


def test_market_update_merges_and_keeps_the_contract(catalog):
    row = source_data_market_update(
        source_system="ownerclan",
        source_id="D",
        market="buyma",
        values={"status": "active", "price": 7000},
    )
    assert row.market_data["buyma"] == {
        "status": "active",
        "price": 7000,
        "price_updated_at": "2026-01-27T03:00:00Z",
    }
    assert row.market_data["smartstore"]["price"] == 11000
    assert source_data_get(source_system="ownerclan", source_id="D").market_data == row.market_data
    assert row.version == 1  # derived data never makes a version
    with pytest.raises(InvalidRecord):
        source_data_market_update(
            source_system="ownerclan", source_id="D", market="buyma", values={"price": "7천원"}
        )


def test_ai_update_merges_and_sets_the_status(catalog):
    row = source_data_ai_update(
        source_system="ownerclan",
        source_id="E",
        values={"score": 0.9},
        processing_status="processed",
    )
    assert row.ai_data == {"score": 0.9, "label": "x"} and row.processing_status == "processed"
    assert "E" in ids(source_data_with_ai_score_above(score=0.9))
    with pytest.raises(InvalidRecord):
        source_data_ai_update(source_system="ownerclan", source_id="E", values={"score": "high"})


def test_search_matches_the_id_title_and_brand_case_blind_on_current_versions():
    source_data_upsert_many(
        [
            product("AB-100", normalized={"title": "Wool Coat", "brand": "ACNE Studios"}),
            product("ab-200", normalized={"title": "Cotton Shirt", "brand": "Nike"}),
            product("X-1", system="domeggook"),
        ]
    )
    source_data_upsert_many([product("AB-100", price=12000, normalized={"title": "Wool Coat"})])

    def ids(**query):
        return sorted(r.source_id for r in source_data_search(**query))

    assert ids(q="ab-") == ["AB-100", "ab-200"]  # one current version each
    assert ids(q="COAT") == ["AB-100"] and ids(q="nike") == ["ab-200"]
    assert ids(q="상품 x-1") == ["X-1"]  # the supplier's own name, in raw
    assert ids(q="ab-", current_only=False) == ["AB-100", "AB-100", "ab-200"]
    assert ids(source_system="domeggook") == ["X-1"]
    assert ids(q="nothing like it") == []
