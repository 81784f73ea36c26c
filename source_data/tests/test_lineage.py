"""Lineage: links are idempotent; ancestors and descendants walk the graph level by level."""

import pytest

from source_data.selectors import lineage_ancestors, lineage_descendants, source_data_get
from source_data.services import lineage_record, source_data_upsert_many

from .factories import product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_clock")]


@pytest.fixture
def rows():
    """supplier -> normalized -> (buyma listing, smartstore listing); buyma listing -> order."""
    source_data_upsert_many([product(name) for name in ("sup", "norm", "buyma", "smart", "order")])
    return {
        name: source_data_get(source_system="ownerclan", source_id=name)
        for name in ("sup", "norm", "buyma", "smart", "order")
    }


def link(rows, parent, child, transformation, **metadata):
    return lineage_record(
        parent=rows[parent], child=rows[child], transformation=transformation, metadata=metadata
    )


def test_recording_twice_keeps_one_link_with_the_latest_metadata(rows, manual_clock):
    first = link(rows, "sup", "norm", "normalize", rules="v1")
    manual_clock.advance(10)
    again = link(rows, "sup", "norm", "normalize", rules="v2")
    assert again.id == first.id
    assert again.metadata == {"rules": "v2"} and again.created_at == first.created_at
    other = link(rows, "sup", "norm", "translate")
    assert other.id != first.id


def test_ancestors_and_descendants_nearest_first(rows):
    link(rows, "sup", "norm", "normalize")
    link(rows, "norm", "buyma", "listing", market="buyma")
    link(rows, "norm", "smart", "listing", market="smartstore")
    link(rows, "buyma", "order", "order")

    down = lineage_descendants(source_data=rows["sup"])
    assert [(h.depth, h.link.child.source_id) for h in down] == [
        (1, "norm"),
        (2, "buyma"),
        (2, "smart"),
        (3, "order"),
    ]
    assert down[1].link.metadata == {"market": "buyma"}

    up = lineage_ancestors(source_data=rows["order"])
    assert [(h.depth, h.link.parent.source_id, h.link.transformation) for h in up] == [
        (1, "buyma", "order"),
        (2, "norm", "listing"),
        (3, "sup", "normalize"),
    ]
    assert [
        h.link.parent.source_id for h in lineage_ancestors(source_data=rows["order"], max_depth=1)
    ] == ["buyma"]
    assert lineage_ancestors(source_data=rows["sup"]) == []


def test_a_cycle_does_not_loop(rows):
    link(rows, "sup", "norm", "a")
    link(rows, "norm", "sup", "b")
    hops = lineage_descendants(source_data=rows["sup"])
    assert [(h.depth, h.link.transformation) for h in hops] == [(1, "a"), (2, "b")]


def test_links_point_at_versions(rows):
    link(rows, "sup", "norm", "normalize")
    source_data_upsert_many([product("sup", price=1)])
    new_sup = source_data_get(source_system="ownerclan", source_id="sup")
    assert lineage_descendants(source_data=new_sup) == []
    assert len(lineage_descendants(source_data=rows["sup"])) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"child": "sup"}, "own parent"),
        ({"transformation": ""}, "transformation"),
        ({"metadata": {"when": object()}}, "JSON"),
    ],
)
def test_bad_links_are_refused(rows, kwargs, message):
    args = {"parent": rows["sup"], "child": rows["norm"], "transformation": "t", "metadata": {}}
    args.update({k: rows[v] if k == "child" else v for k, v in kwargs.items()})
    with pytest.raises(ValueError, match=message):
        lineage_record(**args)
