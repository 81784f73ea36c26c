"""The OpenAI and Anthropic providers through the real SDKs, against local servers on 127.0.0.1
that enforce each API's contract (``llm_servers``): path, auth headers, required fields, a 429
with retry-after once, a 401 for a wrong key, malformed answers."""

from __future__ import annotations

import json
import logging
import traceback

import pytest

from ai.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderRequestError,
    ProviderUnavailable,
)
from ai.models import CachedTranslation
from ai.providers import provider_from_settings
from ai.services import translate_many

from .llm_servers import AnthropicServer, OpenAIServer

OPENAI_KEY = "sk-test-openai-3f9c2a7e51d04b8a"
ANTHROPIC_KEY = "sk-ant-test-9b1e47c0d2f6a835"
TITLE = "나이키 남성 로고 반팔 티셔츠 블랙"
BRAND = {"나이키": "Nike(ナイキ)"}

# one parametrization per API: (provider setting, server class, key setting, key, base url suffix)
APIS = {
    "openai": (OpenAIServer, "YOOINI_OPENAI_API_KEY", OPENAI_KEY, "/v1"),
    "anthropic": (AnthropicServer, "YOOINI_ANTHROPIC_API_KEY", ANTHROPIC_KEY, ""),
}


@pytest.fixture(params=sorted(APIS))
def api(request, settings):
    """(provider name, server factory): the server is started by the test with its faults."""
    name = request.param
    server_class, key_setting, key, suffix = APIS[name]
    settings.YOOINI_AI_PROVIDER = name
    settings.YOOINI_AI_MODEL = "test-model"
    settings.YOOINI_AI_TIMEOUT = 5
    settings.YOOINI_AI_MAX_RETRIES = 2
    setattr(settings, key_setting, key)

    def start(**kwargs):
        server = server_class(api_key=key, **kwargs)
        settings.YOOINI_AI_BASE_URL = server.url + suffix
        return server

    return name, start


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert OPENAI_KEY not in text and ANTHROPIC_KEY not in text
        assert "wrong-key-5e6f7a8b" not in text


@pytest.mark.django_db
def test_a_batch_is_one_request_with_the_glossary_and_is_then_cached(api):
    name, start = api
    with start() as server:
        texts = [TITLE, "여성 울 코트 베이지", "무신사 반팔"]
        results = translate_many(texts, glossary=BRAND)
        assert server.statuses() == [200]
        assert [r.provider for r in results] == [f"{name}:test-model"] * 3
        assert results[0].text == "Nike(ナイキ) メンズ ロゴ 半袖 Tシャツ ブラック"
        assert results[1].text == "レディース ウール コート ベージュ"
        # the stand-in model leaves unknown Korean: that needs a person
        assert (
            results[2].needs_human and results[2].text is None and results[2].draft == "무신사 半袖"
        )

        [body] = server.bodies()
        assert body["model"] == "test-model"
        if name == "anthropic":
            assert body["max_tokens"] == 4096 and "JSON array of exactly 3" in body["system"]
            user = body["messages"][0]["content"]
        else:
            assert body["max_completion_tokens"] == 4096
            assert body["messages"][0]["role"] == "system"
            user = body["messages"][1]["content"]
        prompt = json.loads(user)
        assert prompt["texts"] == texts
        assert prompt["glossary"]["나이키"] == "Nike(ナイキ)"
        assert prompt["glossary"]["티셔츠"] == "Tシャツ"
        assert "정품" not in prompt["glossary"]  # only entries that occur in the texts

        again = translate_many(texts, glossary=BRAND)
        assert server.statuses() == [200]  # no second request
        assert all(r.cached for r in again)


@pytest.mark.django_db
def test_a_429_with_retry_after_is_retried_by_the_sdk(api):
    _, start = api
    with start(faults=((429, {"retry-after": "1", "retry-after-ms": "50"}),)) as server:
        [result] = translate_many([TITLE], glossary=BRAND)
        assert result.text.startswith("Nike(ナイキ)")
        assert server.statuses() == [429, 200]


@pytest.mark.django_db
def test_a_429_left_after_the_retries_is_retryable_with_the_servers_hint(api, settings):
    name, start = api
    settings.YOOINI_AI_MAX_RETRIES = 0
    with start(faults=((429, {"retry-after": "7"}),)) as server:
        with pytest.raises(ProviderUnavailable) as info:
            translate_many([TITLE])
        assert info.value.retryable and info.value.retry_after == 7
        assert f"{name}:test-model: unavailable (HTTP 429" in str(info.value)
        assert server.statuses() == [429]
    assert not CachedTranslation.objects.exists()


@pytest.mark.django_db
def test_server_errors_are_retryable(api, settings):
    name, start = api
    settings.YOOINI_AI_MAX_RETRIES = 0
    status = 529 if name == "anthropic" else 500
    with start(faults=((status, {}),)) as server:
        with pytest.raises(ProviderUnavailable, match=f"HTTP {status}") as info:
            translate_many([TITLE])
        assert info.value.retry_after is None
        assert server.statuses() == [status]


@pytest.mark.django_db
def test_a_wrong_key_is_an_auth_error_not_retried_and_never_shown(api, settings, caplog):
    name, start = api
    key_setting = APIS[name][1]
    setattr(settings, key_setting, "wrong-key-5e6f7a8b")
    caplog.set_level(logging.DEBUG)
    with start() as server:
        provider = provider_from_settings()
        with pytest.raises(ProviderAuthError) as info:
            translate_many([TITLE], provider=provider)
        assert server.statuses() == [401]  # not retried
    error = info.value
    assert not error.retryable
    assert "refused the key (HTTP 401" in str(error)
    assert_no_key(
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        repr(provider),
        caplog.text,
    )


def test_the_provider_repr_never_shows_the_key(api):
    _, start = api
    with start():
        provider = provider_from_settings()
        assert_no_key(repr(provider))
        assert "test-model" in repr(provider)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ('Here you go: ["a"]', "not a JSON array"),
        ('["only one"]', "asked for 2 translations, the answer has 1"),
        ('{"translations": ["a", "b"]}', "expected a JSON array, got a dict"),
        ('["a", 3]', "item 1 of the answer is a int"),
    ],
)
def test_a_malformed_answer_is_a_clear_error_and_nothing_is_stored(api, answer, message):
    _, start = api
    with start(reply=lambda user, body: answer), pytest.raises(ProviderBadResponse, match=message):
        translate_many([TITLE, "여성 니트"])
    assert not CachedTranslation.objects.exists()


@pytest.mark.django_db
def test_a_fenced_answer_and_nulls_are_understood(api):
    _, start = api
    answer = '```json\n["Nike(ナイキ) Tシャツ", null]\n```'
    with start(reply=lambda user, body: answer):
        first, second = translate_many([TITLE, "여성 니트"])
    assert first.text == "Nike(ナイキ) Tシャツ"
    assert second.needs_human and second.text is None and second.draft is None


@pytest.mark.django_db
def test_an_answer_cut_off_at_the_token_limit_is_an_error(api):
    name, start = api
    with start() as server:
        server.stop_reason = "max_tokens" if name == "anthropic" else "length"
        with pytest.raises(ProviderBadResponse, match="cut off at 4096 tokens"):
            translate_many([TITLE])


@pytest.mark.django_db
def test_a_request_the_api_rejects_is_not_retried(api, settings):
    name, start = api
    settings.YOOINI_AI_MODEL = ""  # falls back to the default model: fine
    with start() as server:
        provider = provider_from_settings()
        provider.model = ""  # an empty model: the API says 400
        with pytest.raises(ProviderRequestError, match="rejected the request \\(HTTP 400"):
            translate_many([TITLE], provider=provider)
        assert server.statuses() == [400]


@pytest.mark.django_db
def test_an_unreachable_api_is_retryable(api, settings):
    _, start = api
    settings.YOOINI_AI_MAX_RETRIES = 0
    server = start()  # never started: the port is closed
    server.httpd.server_close()
    with pytest.raises(ProviderUnavailable, match="could not connect"):
        translate_many([TITLE])


def test_the_anthropic_server_enforces_its_required_fields_and_headers():
    """The contract server itself: a client that forgets a field or header is refused."""
    import httpx

    with AnthropicServer(api_key=ANTHROPIC_KEY) as server:
        url = server.url + "/v1/messages"
        good = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}
        body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "[]"}]}
        with httpx.Client(timeout=5) as client:
            no_version = client.post(url, json=body, headers={"x-api-key": ANTHROPIC_KEY})
            no_max = client.post(url, json={**body, "max_tokens": 0}, headers=good)
            missing = {k: v for k, v in body.items() if k != "max_tokens"}
            no_field = client.post(url, json=missing, headers=good)
            wrong_path = client.post(server.url + "/v1/complete", json=body, headers=good)
        assert no_version.status_code == 400 and "anthropic-version" in no_version.text
        assert no_max.status_code == 400
        assert no_field.status_code == 400 and "max_tokens: Field required" in no_field.text
        assert wrong_path.status_code == 404


def test_the_openai_server_enforces_its_required_fields_and_auth():
    import httpx

    with OpenAIServer(api_key=OPENAI_KEY) as server:
        url = server.url + "/v1/chat/completions"
        auth = {"Authorization": f"Bearer {OPENAI_KEY}"}
        with httpx.Client(timeout=5) as client:
            no_auth = client.post(url, json={"model": "m", "messages": []})
            no_model = client.post(
                url, json={"messages": [{"role": "user", "content": "x"}]}, headers=auth
            )
            no_messages = client.post(url, json={"model": "m"}, headers=auth)
        assert no_auth.status_code == 401 and no_auth.json()["error"]["code"] == "invalid_api_key"
        assert no_model.status_code == 400 and no_model.json()["error"]["param"] == "model"
        assert no_messages.status_code == 400 and no_messages.json()["error"]["param"] == "messages"
