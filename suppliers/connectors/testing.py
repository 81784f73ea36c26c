"""The contract suite every connector's tests inherit (after Airbyte's standard connector tests).

Subclass ``ConnectorContract`` in a ``Test...`` class and provide three pytest fixtures and one
attribute::

    class TestMyConnector(ConnectorContract):
        expected_count = 7          # records a full read returns (more than one page of them)

        @pytest.fixture
        def connector(self): ...         # a working connector (close it after the test)

        @pytest.fixture
        def broken_connector(self): ...  # one whose reads fail: bad credentials, missing file

        @pytest.fixture
        def secrets(self): ...           # every credential value both of them were given

The suite then checks what the engine relies on: ``check()`` says ok (and reports a failure
instead of raising), ``read(None)`` returns records with ``source_id`` and a price, reads page
until done, cursors are JSON and move forward, a fresh instance resumes from a cursor (the
connector keeps no progress), records survive a JSON round trip, ``read_stock`` matches the
declared capability, and no credential appears in a repr, a message or a traceback.
"""

from __future__ import annotations

import json
import traceback
from typing import ClassVar
from urllib.parse import quote, quote_plus

import pytest

from suppliers.connectors.contract import (
    Capabilities,
    Connector,
    ConnectorError,
    ReadResult,
    StockInfo,
    SupplierRecord,
    Unsupported,
    connector_for,
    kinds,
)


def read_all(connector: Connector, cursor=None, *, max_pages: int = 50) -> list[ReadResult]:
    """Every page from ``cursor`` until ``done``; fails when it takes more than ``max_pages``."""
    pages = []
    for _ in range(max_pages):
        result = connector.read(cursor)
        pages.append(result)
        if result.done:
            return pages
        assert result.next_cursor != cursor, f"read({cursor!r}) returned the same cursor"
        cursor = result.next_cursor
    raise AssertionError(f"no end after {max_pages} pages (last cursor {cursor!r})")


def source_ids(pages: list[ReadResult]) -> list[str]:
    return [record.source_id for page in pages for record in page.records]


def assert_no_secret(text: str, secrets) -> None:
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            assert form not in text, "a credential appears in connector output"


class ConnectorContract:
    expected_count: ClassVar[int]
    max_pages: ClassVar[int] = 50

    def test_is_a_registered_connector_with_capabilities(self, connector):
        assert isinstance(connector, Connector)
        assert connector.kind in kinds()
        capabilities = connector.capabilities
        assert isinstance(capabilities, Capabilities)
        assert isinstance(capabilities.page_size, int) and capabilities.page_size >= 1
        assert capabilities.rate_limit is None or capabilities.rate_limit > 0

    def test_check_ok(self, connector):
        result = connector.check()
        assert result.ok, result.message

    def test_check_reports_failure_without_raising(self, broken_connector, secrets):
        result = broken_connector.check()
        assert not result.ok
        assert result.message
        assert_no_secret(result.message, secrets)

    def test_first_read_returns_records_with_id_and_price(self, connector):
        result = connector.read(None)
        assert result.records
        for record in result.records:
            assert isinstance(record, SupplierRecord)
            assert isinstance(record.source_id, str) and record.source_id.strip()
            assert type(record.price) is int and record.price > 0
        assert len(result.records) + len(result.rejected) <= connector.capabilities.page_size

    def test_reads_page_by_page_until_done(self, connector):
        pages = read_all(connector, max_pages=self.max_pages)
        assert len(pages) > 1, "the fixture must hold more than one page"
        assert [page.done for page in pages] == [False] * (len(pages) - 1) + [True]
        ids = source_ids(pages)
        assert len(ids) == len(set(ids)) == self.expected_count

    def test_next_cursor_makes_progress_and_the_final_one_ends(self, connector):
        pages = read_all(connector, max_pages=self.max_pages)
        cursors = [page.next_cursor for page in pages[:-1]]
        assert len({json.dumps(c, sort_keys=True) for c in cursors}) == len(cursors)
        final = pages[-1].next_cursor
        if final is not None:  # an incremental "changed since" cursor: reading it must end
            again = read_all(connector, final, max_pages=self.max_pages)
            assert again[-1].done
            assert len(source_ids(again)) <= self.expected_count

    def test_a_fresh_instance_resumes_from_a_cursor(self, connector):
        first = connector.read(None)
        assert not first.done, "the fixture must hold more than one page"
        fresh = connector_for(
            connector.kind, connector.config.settings, connector.config.credentials
        )
        try:
            resumed = source_ids(read_all(fresh, first.next_cursor, max_pages=self.max_pages))
        finally:
            fresh.close()
        continued = source_ids(read_all(connector, first.next_cursor, max_pages=self.max_pages))
        assert resumed == continued
        assert not {r.source_id for r in first.records} & set(resumed)

    def test_records_rejections_and_cursors_are_json(self, connector):
        for page in read_all(connector, max_pages=self.max_pages):
            json.dumps(page.next_cursor)
            for record in page.records:
                data = json.loads(json.dumps(record.to_dict(), ensure_ascii=False))
                assert SupplierRecord.from_dict(data) == record
            for row in page.rejected:
                json.dumps(row.to_dict(), ensure_ascii=False)

    def test_read_stock_matches_the_capability(self, connector):
        keys = [record.source_id for record in connector.read(None).records][:3]
        if not connector.capabilities.supports_stock:
            with pytest.raises(Unsupported):
                connector.read_stock(keys)
            return
        unknown = "no-such-product-0000"
        stock = connector.read_stock([*keys, unknown])
        assert set(keys) <= set(stock) and unknown not in stock
        for info in stock.values():
            assert isinstance(info, StockInfo)
            assert info.quantity is None or info.quantity >= 0

    def test_no_credential_in_repr_messages_or_tracebacks(
        self, connector, broken_connector, secrets
    ):
        assert secrets, "list the credentials the fixtures use"
        for text in (repr(connector), repr(broken_connector), repr(connector.config)):
            assert_no_secret(text, secrets)
        with pytest.raises(ConnectorError) as info:
            broken_connector.read(None)
        error = info.value
        assert_no_secret(str(error), secrets)
        assert_no_secret(repr(error), secrets)
        assert_no_secret("".join(traceback.format_exception(error)), secrets)
