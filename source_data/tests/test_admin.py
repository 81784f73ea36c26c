"""The admin browses source data and lineage; it adds and deletes nothing."""

import pytest
from django.urls import reverse

from source_data.selectors import source_data_get
from source_data.services import lineage_record, source_data_upsert_many

from .factories import product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("manual_clock")]


def test_admin_lists_and_shows_but_does_not_add_or_delete(admin_client):
    source_data_upsert_many([product("A"), product("B")])
    a = source_data_get(source_system="ownerclan", source_id="A")
    b = source_data_get(source_system="ownerclan", source_id="B")
    link = lineage_record(parent=a, child=b, transformation="normalize")

    changelist = admin_client.get(reverse("admin:source_data_sourcedata_changelist"))
    assert changelist.status_code == 200 and b"ownerclan" in changelist.content
    assert (
        admin_client.get(reverse("admin:source_data_sourcedata_change", args=[a.pk])).status_code
        == 200
    )
    assert admin_client.get(reverse("admin:source_data_sourcedata_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:source_data_sourcedata_delete", args=[a.pk])).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:source_data_datalineage_changelist")).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:source_data_datalineage_change", args=[link.pk])
        ).status_code
        == 200
    )
