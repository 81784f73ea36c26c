"""Health checks: open without sign-in, and their reasons never reveal where things are."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_sign_in():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_is_ready_with_a_migrated_database():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"ready": True, "problems": []}


@override_settings(YOOINI_EXECUTOR="celery", CELERY_BROKER_URL="redis://:broker-pw@127.0.0.1:1/0")
def test_readyz_is_not_ready_when_the_broker_is_unreachable():
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["ready"] is False
    assert body["problems"] == ["broker unreachable (OperationalError)"]
    text = response.content.decode()
    assert "broker-pw" not in text and "redis://" not in text and "127.0.0.1" not in text


def test_readyz_ignores_the_broker_in_the_embedded_mode():
    with override_settings(YOOINI_EXECUTOR="threads", CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        assert Client().get("/readyz").status_code == 200


def test_the_open_endpoints_need_no_sign_in_while_the_dashboard_does():
    client = Client()
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path).status_code == 200, path
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith("/login/")


def test_only_reads_are_allowed():
    assert Client().post("/healthz").status_code == 405
    assert Client().post("/metrics").status_code == 405
