import pytest

from analytics import codec, registry


@pytest.fixture(autouse=True)
def _schema_caches_clear():
    """Schema ids live in the test database, which is rolled back after each test."""
    registry.cache_clear()
    codec._codecs.clear()
    yield
    registry.cache_clear()
    codec._codecs.clear()
