"""Suppliers: credentials encrypted at rest with the key from the environment, never shown
(repr, admin, logs, errors), and the services that keep the cursor theirs."""

from __future__ import annotations

import json
import logging

import pytest
from cryptography.fernet import Fernet
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection

from suppliers.connectors import connector_for, kinds
from suppliers.models import Supplier
from suppliers.services import (
    supplier_create,
    supplier_credentials,
    supplier_credentials_reencrypt,
    supplier_cursor_save,
    supplier_save,
    supplier_set_credentials,
)
from yooini.crypto import CredentialsKeyMissing, CredentialsUnreadable

pytestmark = pytest.mark.django_db

SECRET = "tok-3f9a1c77e2b54d10"
OTHER_SECRET = "tok-8d2e5a90c4f13b66"


@pytest.fixture(autouse=True)
def credentials_key(settings):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()
    return settings


def stored_column(supplier: Supplier) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted FROM yooini_supplier WHERE id = %s", [supplier.pk]
        )
        return cursor.fetchone()[0]


def make(name="acme", **kwargs) -> Supplier:
    kwargs.setdefault("kind", "http")
    kwargs.setdefault("settings", {"url": "http://127.0.0.1:9/products"})
    return supplier_create(name=name, **kwargs)


def test_credentials_are_encrypted_at_rest_and_read_back():
    supplier = make(credentials={"token": SECRET})
    column = stored_column(supplier)
    assert column and SECRET not in column and "token" not in column
    fresh = Supplier.objects.get(pk=supplier.pk)
    assert supplier_credentials(fresh) == {"token": SECRET}
    supplier_set_credentials(supplier=fresh, credentials={"token": OTHER_SECRET, "user": "me"})
    assert supplier_credentials(Supplier.objects.get(pk=supplier.pk)) == {
        "token": OTHER_SECRET,
        "user": "me",
    }
    supplier_set_credentials(supplier=fresh, credentials={})
    assert stored_column(fresh) == "" and supplier_credentials(fresh) == {}


def test_no_secret_in_repr_str_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    supplier = make(credentials={"token": SECRET})
    supplier_set_credentials(supplier=supplier, credentials={"token": OTHER_SECRET})
    shown = " ".join([repr(supplier), str(supplier), caplog.text])
    assert SECRET not in shown and OTHER_SECRET not in shown
    assert "token" in caplog.text  # the logs say which keys were set, not their values
    connector = connector_for("http", supplier.settings, supplier_credentials(supplier))
    try:
        assert OTHER_SECRET not in repr(connector)
    finally:
        connector.close()


def test_a_missing_key_is_a_clear_error_naming_the_variable(settings):
    settings.YOOINI_CREDENTIALS_KEY = ""
    with pytest.raises(CredentialsKeyMissing, match="YOOINI_CREDENTIALS_KEY"):
        make(credentials={"token": SECRET})
    assert not Supplier.objects.exists()  # nothing half-written
    public = make("public-feed")  # a supplier without credentials needs no key
    assert supplier_credentials(public) == {}


def test_reading_with_a_missing_or_wrong_key_names_the_variable(settings):
    supplier = make(credentials={"token": SECRET})
    settings.YOOINI_CREDENTIALS_KEY = ""
    with pytest.raises(CredentialsKeyMissing, match="YOOINI_CREDENTIALS_KEY"):
        supplier_credentials(supplier)
    wrong = Fernet.generate_key().decode()
    settings.YOOINI_CREDENTIALS_KEY = wrong
    with pytest.raises(CredentialsUnreadable, match="YOOINI_CREDENTIALS_KEY") as caught:
        supplier_credentials(supplier)
    assert wrong not in str(caught.value)
    settings.YOOINI_CREDENTIALS_KEY = "not-a-key"
    with pytest.raises(CredentialsKeyMissing, match="not a Fernet key") as caught:
        supplier_credentials(supplier)
    assert "not-a-key" not in str(caught.value)


def test_key_rotation_new_key_first_then_reencrypt(settings):
    old = settings.YOOINI_CREDENTIALS_KEY
    supplier = make(credentials={"token": SECRET})
    new = Fernet.generate_key().decode()
    settings.YOOINI_CREDENTIALS_KEY = f"{new},{old}"
    assert supplier_credentials(supplier) == {"token": SECRET}
    assert supplier_credentials_reencrypt() == 1
    settings.YOOINI_CREDENTIALS_KEY = new
    assert supplier_credentials(Supplier.objects.get(pk=supplier.pk)) == {"token": SECRET}


def test_validation_names_kinds_and_credentials_without_values():
    with pytest.raises(ValidationError, match="unknown connector kind"):
        make(kind="nope")
    with pytest.raises(ValidationError):
        make(name="has/slash")
    with pytest.raises(ValidationError) as caught:
        make(credentials={"token": 12345678, "ok": "x"})
    assert "12345678" not in str(caught.value) and "token" in str(caught.value)
    make()
    with pytest.raises(ValidationError):
        make()  # the name is unique


def test_saving_the_editable_fields_never_writes_back_an_old_cursor():
    supplier = make()
    stale = Supplier.objects.get(pk=supplier.pk)
    supplier_cursor_save(supplier=supplier, cursor={"since": "2025-01-02"})
    stale.enabled = False
    supplier_save(supplier=stale)
    fresh = Supplier.objects.get(pk=supplier.pk)
    assert fresh.cursor == {"since": "2025-01-02"} and fresh.enabled is False


def test_the_webhook_kind_is_registered_and_push_only():
    assert "webhook" in kinds()
    assert not connector_for("webhook").check().ok
    connector = connector_for("webhook", {}, {"webhook_secret": SECRET})
    assert connector.check().ok
    page = connector.read(None)
    assert page.done and page.records == () and page.next_cursor is None
    assert SECRET not in repr(connector)


# --- admin: write-only credentials ---------------------------------------------------------


def _form(**changes) -> dict:
    data = {
        "name": "acme",
        "kind": "http",
        "settings": json.dumps({"url": "http://127.0.0.1:9/p"}),
        "enabled": "on",
        "new_credentials": "",
        "_save": "Save",
        # The brand units inline's management form (no units).
        "brands-TOTAL_FORMS": "0",
        "brands-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_sets_credentials_but_never_shows_them(admin_client):
    response = admin_client.post(
        "/admin/suppliers/supplier/add/", _form(new_credentials=json.dumps({"token": SECRET}))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    supplier = Supplier.objects.get(name="acme")
    assert supplier_credentials(supplier) == {"token": SECRET}

    page = admin_client.get(f"/admin/suppliers/supplier/{supplier.pk}/change/").content.decode()
    assert SECRET not in page and supplier.credentials_encrypted not in page
    assert "stored (encrypted)" in page and "/hooks/suppliers/acme/" in page

    # Saving other fields with the credentials input left empty keeps them.
    response = admin_client.post(
        f"/admin/suppliers/supplier/{supplier.pk}/change/", _form(enabled=None)
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.enabled is False and supplier_credentials(supplier) == {"token": SECRET}

    # A form error elsewhere does not send the typed secret back.
    response = admin_client.post(
        f"/admin/suppliers/supplier/{supplier.pk}/change/",
        _form(settings="{broken", new_credentials=json.dumps({"token": OTHER_SECRET})),
    )
    assert response.status_code == 200 and OTHER_SECRET not in response.content.decode()
    assert supplier_credentials(Supplier.objects.get(pk=supplier.pk)) == {"token": SECRET}

    response = admin_client.post(
        f"/admin/suppliers/supplier/{supplier.pk}/change/", _form(clear_credentials="on")
    )
    assert response.status_code == 302
    assert Supplier.objects.get(pk=supplier.pk).credentials_encrypted == ""
    history = " ".join(LogEntry.objects.values_list("change_message", flat=True))
    assert SECRET not in history and OTHER_SECRET not in history


def test_admin_without_a_key_refuses_credentials_with_a_form_error(admin_client, settings):
    settings.YOOINI_CREDENTIALS_KEY = ""
    response = admin_client.post(
        "/admin/suppliers/supplier/add/", _form(new_credentials=json.dumps({"token": SECRET}))
    )
    page = response.content.decode()
    assert response.status_code == 200 and "YOOINI_CREDENTIALS_KEY" in page
    assert SECRET not in page and not Supplier.objects.exists()
