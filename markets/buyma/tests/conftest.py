"""BUYMA master data for the tests: the shipped copy, loaded once per test session.

pytest-django runs the tests that use ``db`` before the transactional ones, so rows committed
here stay for every ``db`` test; a test that changes them does so inside its own transaction,
which is rolled back.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def buyma_master(django_db_setup, django_db_blocker):
    from markets.buyma.master import buyma_master_ensure, buyma_master_status

    with django_db_blocker.unblock():
        buyma_master_ensure()
        return buyma_master_status()


@pytest.fixture(scope="session")
def shared_mapper(buyma_master, django_db_blocker):
    """One ``Mapper`` for the tests that only read: building one parses 22k brand names."""
    from markets.buyma.mapping import Mapper

    with django_db_blocker.unblock():
        return Mapper.load()


@pytest.fixture
def mapper(shared_mapper, db):
    return shared_mapper


@pytest.fixture
def converter(buyma_master, db):
    from markets.buyma.convert import Converter

    return Converter.load()
