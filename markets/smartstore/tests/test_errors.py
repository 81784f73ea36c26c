"""Each documented error shape, answered by the local server, becomes the right exception."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from markets.contract import ListingState, MarketRequest, Operation
from markets.listing import ListingRejected, MarketAuthError, MarketUnavailable
from markets.smartstore.api import error_for, retry_after_of
from markets.testing import send

from .conftest import content_for


def test_a_refused_field_names_the_field_as_naver_does(connector, server, content):
    state = ListingState(content.reference_number)
    request = connector.request_for(Operation.CREATE, content, state)
    long_name = dict(request.body)
    long_name["originProduct"] = {**request.body["originProduct"], "name": "가" * 101}
    with pytest.raises(ListingRejected) as caught:
        connector.send(dataclasses.replace(request, body=long_name), state)
    assert caught.value.status_code == 400
    assert list(caught.value.errors) == ["originProduct.name"]
    assert server.creates[content.reference_number] == 0


def test_validate_finds_what_the_server_refuses(connector, content):
    state = ListingState(content.reference_number)
    odd = dataclasses.replace(content, price=content.price + 5, name='나이키 "에어" <포스>')
    errors = connector.validate(connector.request_for(Operation.CREATE, odd, state), state)
    assert set(errors) == {"originProduct.salePrice", "originProduct.name"}


def test_an_image_not_uploaded_to_naver_is_refused(connector, server, content):
    state = ListingState(content.reference_number)
    request = connector.request_for(Operation.CREATE, content, state)
    # Sent as is (without the connector's upload step), the product names our own host.
    with pytest.raises(ListingRejected) as caught:
        connector.client.call("POST", request.path, json=request.body)
    assert "originProduct.images.representativeImage.url" in caught.value.errors


def test_an_unreadable_image_is_a_rejection_naming_the_images(connector, server):
    content = content_for(server, images=(server.image_url("missing.png"),))
    state = ListingState(content.reference_number)
    with pytest.raises(ListingRejected) as caught:
        connector.send(connector.request_for(Operation.CREATE, content, state), state)
    assert "originProduct.images" in caught.value.errors


def test_an_unknown_product_number_is_a_missing_conflict(connector, content):
    state = ListingState(content.reference_number, external_id="99999")
    request = connector.request_for(Operation.UPDATE, content, state)
    with pytest.raises(ListingRejected) as caught:
        connector.send(request, state)
    assert caught.value.conflict == "missing"
    assert caught.value.status_code == 404


def test_an_unknown_option_id_is_refused(connector, server, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    wrong = {**state.external_ids, "options": {k: 1 for k in state.external_ids["options"]}}
    state = dataclasses.replace(state, external_ids=wrong)
    with pytest.raises(ListingRejected) as caught:
        connector.send(connector.request_for(Operation.STOCK, content, state), state)
    assert any(name.endswith(".id") for name in caught.value.errors)


def test_a_denied_ip_is_an_auth_error(connector, server):
    server.ip_deny()
    with pytest.raises(MarketAuthError):
        connector.find("x")


@pytest.mark.parametrize(
    "status,code", [(500, "GW.PROXY.05"), (503, "GW.BLOCK.02"), (504, "GW.TIMEOUT.01")]
)
def test_gateway_errors_are_retryable(connector, server, status, code):
    connector.find("warm-up")
    server.fail_next(status)
    with pytest.raises(MarketUnavailable) as caught:
        connector.find("x")
    assert caught.value.status_code == status
    assert code in str(caught.value)


def test_a_timeout_is_retryable(connector, server):
    connector.find("warm-up")
    server.fault_rate(1.0, seed=0)  # seed 0: the first call is held past the client's timeout
    with pytest.raises(MarketUnavailable) as caught:
        connector.find("x")
    assert "timed out" in str(caught.value)


def test_error_shapes_map_without_a_server():
    def answer(status, body, headers=None):
        return httpx.Response(status, json=body, headers=headers or {})

    rejected = error_for(
        answer(
            400,
            {
                "code": "BAD_REQUEST",
                "invalidInputs": [
                    {"name": "originProduct.salePrice", "type": "Max", "message": "too high"}
                ],
            },
        ),
        "PUT x",
    )
    assert isinstance(rejected, ListingRejected) and rejected.errors == {
        "originProduct.salePrice": ["too high"]
    }
    bare = error_for(answer(409, {"code": "CONFLICT", "message": "상태 변경 불가"}), "PUT x")
    assert isinstance(bare, ListingRejected) and "CONFLICT" in bare.errors["base"][0]
    gateway_404 = error_for(answer(404, {"code": "GW.NOT_FOUND"}), "GET x")
    assert isinstance(gateway_404, ListingRejected) and gateway_404.conflict is None
    assert isinstance(error_for(answer(401, {"code": "GW.AUTHN"}), "x"), MarketAuthError)
    limited = answer(429, {"code": "GW.RATE_LIMIT"}, {"GNCP-GW-RateLimit-Replenish-Rate": "4"})
    assert retry_after_of(limited) == 0.25
    quota = answer(429, {"code": "GW.QUOTA_LIMIT"}, {"GNCP-GW-Quota-Period": "SECONDS"})
    assert retry_after_of(quota) == 1.0
    rounds = answer(429, {"code": "GW.QUOTA_LIMIT"}, {"GNCP-GW-Quota-Period": "ROUND"})
    assert retry_after_of(rounds) is None


def test_no_request_of_an_unknown_kind_validates(connector, content):
    request = MarketRequest(Operation.UPDATE, "DELETE", "/v2/products/origin-products/1", {})
    assert connector.validate(request, ListingState(content.reference_number))
