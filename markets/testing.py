"""The contract suite every market's tests inherit (as ``suppliers.connectors.testing`` is for
suppliers).

Subclass ``MarketContract`` in a ``Test...`` class and provide these pytest fixtures::

    class TestCoupang(MarketContract):
        @pytest.fixture
        def server(self): ...            # the market's local contract server, started
        @pytest.fixture
        def connector(self, server): ... # a live connector to it (close it after the test)
        @pytest.fixture
        def broken_connector(self, server): ...  # the same with credentials the server refuses
        @pytest.fixture
        def secrets(self): ...           # every credential value the connectors were given
        @pytest.fixture
        def content(self): ...           # a valid ListingContent in the market's currency

        def market_view(self, server, reference_number) -> dict:
            # what the market holds now: {"price": int, "stock": int, "on_sale": bool}

The suite then checks what the publish state machine relies on: capabilities are declared and
the kind is registered; a create is accepted once and its ids come back (or later, for an
asynchronous market); an update, a price and a stock change reach the market without a second
create; suspend and resume follow the capability; ``find`` finds what was created and nothing
else; a body the contract refuses is refused by ``validate`` before sending, naming the field;
refused credentials raise ``MarketAuthError``, a 429 and a 5xx ``MarketUnavailable``; no
credential appears in a repr, a message or a traceback; prices keep the market's step; and the
bulk-upload file has one row per listing.
"""

from __future__ import annotations

import dataclasses
import traceback
from pathlib import Path

import pytest
from openpyxl import load_workbook

from markets.contract import (
    ListingState,
    MarketAnswer,
    MarketAuthError,
    MarketCapabilities,
    MarketConnector,
    MarketUnavailable,
    Operation,
    kinds,
    market_kind,
)
from markets.listing import ListingContent, ListingVariant


def state_after(state: ListingState, answer: MarketAnswer) -> ListingState:
    """The listing state once ``answer`` is recorded (what the services do)."""
    return dataclasses.replace(
        state,
        external_id=answer.external_id or state.external_id,
        external_ids={**state.external_ids, **answer.external_ids},
    )


def send(connector, operation: Operation, content: ListingContent, state: ListingState):
    request = connector.request_for(operation, content, state)
    errors = connector.validate(request, state)
    assert not errors, f"{operation} of a valid content refused before sending: {errors}"
    if operation is Operation.CREATE:
        state = dataclasses.replace(state, fixed=request.fixed)
    return state_after(state, connector.send(request, state))


def sold_out(content: ListingContent) -> ListingContent:
    return dataclasses.replace(
        content,
        variants=tuple(ListingVariant(v.options, "out_of_stock", 0) for v in content.variants),
    )


def assert_no_secret(text: str, secrets) -> None:
    for secret in secrets:
        assert secret not in text, "a credential appears in connector output"


class MarketContract:
    def market_view(self, server, reference_number: str) -> dict:
        raise NotImplementedError

    def created(self, connector, content: ListingContent) -> ListingState:
        state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
        if connector.capabilities.asynchronous:
            found = connector.find(content.reference_number)
            if found is not None:
                state = state_after(state, found)
        return state

    # --- declared -------------------------------------------------------------------------

    def test_is_a_registered_market_with_capabilities(self, connector, content):
        assert isinstance(connector, MarketConnector)
        assert connector.kind in kinds()
        market = market_kind(connector.kind)
        assert market.capabilities == connector.capabilities
        assert isinstance(connector.capabilities, MarketCapabilities)
        assert content.currency == connector.capabilities.currency
        assert content.price % connector.capabilities.price_step == 0

    def test_settings_are_complete(self, connector):
        assert connector.settings_problems() == []

    # --- publishing -----------------------------------------------------------------------

    def test_create_is_accepted_once_with_its_ids(self, connector, server, content):
        state = self.created(connector, content)
        assert server.creates[content.reference_number] == 1
        if not connector.capabilities.asynchronous:
            assert state.external_id, "a synchronous create answers the market's id"
        view = self.market_view(server, content.reference_number)
        assert view["price"] == content.price
        assert view["on_sale"] is True

    def test_update_changes_the_listing_without_a_second_create(self, connector, server, content):
        state = self.created(connector, content)
        renamed = dataclasses.replace(content, name=content.name + " 2")
        send(connector, Operation.UPDATE, renamed, state)
        assert server.creates[content.reference_number] == 1
        assert server.duplicates == 0

    def test_price_change_reaches_the_market(self, connector, server, content):
        state = self.created(connector, content)
        step = connector.capabilities.price_step
        dearer = dataclasses.replace(content, price=content.price + 100 * step)
        operation = (
            Operation.PRICE if connector.capabilities.price_only_update else Operation.UPDATE
        )
        send(connector, operation, dearer, state)
        assert self.market_view(server, content.reference_number)["price"] == dearer.price

    def test_sold_out_reaches_the_market(self, connector, server, content):
        state = self.created(connector, content)
        operation = (
            Operation.STOCK if connector.capabilities.stock_only_update else Operation.UPDATE
        )
        send(connector, operation, sold_out(content), state)
        assert self.market_view(server, content.reference_number)["stock"] == 0

    def test_suspend_and_resume_follow_the_capability(self, connector, server, content):
        state = self.created(connector, content)
        if not connector.capabilities.suspend_resume:
            pytest.skip("this market cannot suspend a listing")
        send(connector, Operation.SUSPEND, content, state)
        assert self.market_view(server, content.reference_number)["on_sale"] is False
        send(connector, Operation.RESUME, content, state)
        assert self.market_view(server, content.reference_number)["on_sale"] is True

    def test_find_finds_what_was_created_and_nothing_else(self, connector, content):
        assert connector.find("never-" + content.reference_number[:40]) is None
        self.created(connector, content)
        found = connector.find(content.reference_number)
        if connector.capabilities.lookup_by_reference:
            assert found is not None and found.external_id
        else:
            assert found is None

    # --- refusals and faults ------------------------------------------------------------------

    def test_validate_refuses_a_blank_name_naming_the_field(self, connector, content):
        blank = dataclasses.replace(content, name="")
        state = ListingState(content.reference_number)
        errors = connector.validate(connector.request_for(Operation.CREATE, blank, state), state)
        assert errors, "a create without a name must be refused before sending"
        assert all(isinstance(v, list) and v for v in errors.values())

    def test_validate_refuses_a_price_off_the_step(self, connector, content):
        step = connector.capabilities.price_step
        if step == 1:
            pytest.skip("every whole price is on this market's step")
        odd = dataclasses.replace(content, price=content.price + 1)
        state = ListingState(content.reference_number)
        assert connector.validate(connector.request_for(Operation.CREATE, odd, state), state)

    def test_refused_credentials_raise_auth_error_without_secrets(
        self, broken_connector, content, secrets
    ):
        state = ListingState(content.reference_number)
        request = broken_connector.request_for(Operation.CREATE, content, state)
        with pytest.raises(MarketAuthError) as caught:
            broken_connector.send(request, state)
        assert_no_secret(str(caught.value), secrets)
        assert_no_secret("".join(traceback.format_exception(caught.value)), secrets)

    def test_server_errors_are_retryable(self, connector, server, content):
        server.fail_next(500, times=10)
        state = ListingState(content.reference_number)
        request = connector.request_for(Operation.CREATE, content, state)
        with pytest.raises(MarketUnavailable):
            connector.send(request, state)
        assert server.creates[content.reference_number] == 0

    def test_rate_limit_is_retryable_with_a_wait(self, connector, server, content):
        server.fail_next(429, times=10)
        state = ListingState(content.reference_number)
        request = connector.request_for(Operation.CREATE, content, state)
        with pytest.raises(MarketUnavailable) as caught:
            connector.send(request, state)
        assert caught.value.retry_after is None or caught.value.retry_after >= 0

    def test_no_secret_in_repr_or_bodies(self, connector, content, secrets):
        assert_no_secret(repr(connector), secrets)
        request = connector.request_for(
            Operation.CREATE, content, ListingState(content.reference_number)
        )
        assert_no_secret(repr(request), secrets)

    # --- export -----------------------------------------------------------------------------

    def test_export_writes_one_row_per_listing(self, connector, content, tmp_path: Path):
        second = dataclasses.replace(content, reference_number=content.reference_number + "b")
        path = tmp_path / "upload.xlsx"
        written = connector.export([content, second], path)
        assert written == 2
        sheet = load_workbook(path, read_only=True).worksheets[0]
        values = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell]
        assert any(content.name in value for value in values)
        assert any(str(content.price) in value for value in values)
