"""Fixtures shared by every app's tests."""

from __future__ import annotations

import itertools
import os

import pytest

_names = itertools.count(1)


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']} ({os.environ.get('DATABASE_URL', 'default SQLite')})"


@pytest.fixture
def manual_clock():
    """The engine's clock, frozen and moved by hand (``advance``); ``sleep`` advances it."""
    from orchestrator.core.clock import ManualClock, set_clock

    clock = ManualClock()
    previous = set_clock(clock)
    yield clock
    set_clock(previous)


@pytest.fixture
def make_workflow():
    """Build a registered workflow with a unique name; removed from the registry afterwards."""
    from orchestrator import Workflow, registry

    made: list[str] = []

    def factory(prefix: str = "wf", **kwargs) -> Workflow:
        workflow = Workflow(f"{prefix}_{next(_names)}", **kwargs)
        made.append(workflow.name)
        return workflow

    yield factory
    for name in made:
        registry.remove(name)


@pytest.fixture
def run_batch(transactional_db):
    """Start (or resume) a batch and run it to its end: ``run_batch(workflow, executor=..., **start)``."""
    from orchestrator.executors import executor_create
    from orchestrator.runner import Runner
    from orchestrator.services.batches import batch_start

    def run(
        workflow, *, executor: str = "inline", concurrency: int = 4, runner_kwargs=None, **start
    ):
        batch = batch_start(workflow.name, **start).batch
        engine = executor_create(executor, concurrency=concurrency)
        try:
            return Runner(engine, **(runner_kwargs or {})).run(batch.id)
        finally:
            engine.close()

    return run


@pytest.fixture
def user_as(db):
    """A fresh active user with ``role`` ("viewer", "operator" or "admin"), password ``pw-for-tests``."""
    from access.roles import role_parse
    from access.services import user_set

    def make(role: str, username: str | None = None):
        return user_set(
            username=username or f"{role}_{next(_names)}",
            role=role_parse(role),
            password="pw-for-tests",
        )

    return make


@pytest.fixture
def client_as(user_as):
    """A Django test client signed in as a fresh user with ``role``; ``client.user`` is that user."""
    from django.test import Client

    def make(role: str, username: str | None = None) -> Client:
        client = Client()
        client.user = user_as(role, username)
        client.force_login(client.user)
        return client

    return make


@pytest.fixture
def api_as(user_as):
    """A REST framework client authenticated by API token as a fresh user with ``role``."""
    from rest_framework.test import APIClient

    from access.services import token_for

    def make(role: str, username: str | None = None) -> APIClient:
        client = APIClient()
        client.user = user_as(role, username)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(client.user)}")
        return client

    return make
