"""Anthropic through the official ``anthropic`` SDK, Messages API.

Contract (https://docs.anthropic.com/en/api/messages): ``POST /v1/messages`` with headers
``x-api-key`` and ``anthropic-version``, a JSON body with ``model``, ``max_tokens`` and
``messages`` (all required; the system prompt is the top-level ``system``); the answer is the
``text`` blocks of ``content``, ``stop_reason`` ``max_tokens`` when it was cut off. Errors
(https://docs.anthropic.com/en/api/errors): 401 ``authentication_error``, 429
``rate_limit_error`` with ``retry-after``, 500 ``api_error``, 529 ``overloaded_error``. The SDK
retries 429 / 5xx itself ``YOOINI_AI_MAX_RETRIES`` times; what is left is raised as this app's
errors (``llm``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from yooini.extras import MissingExtra, extra_import

from ..conf import setting
from ..errors import ProviderBadResponse, ProviderConfigError
from .base import ProviderResult
from .llm import (
    PROMPT_VERSION,
    api_key,
    build_prompt,
    client_options,
    log_request,
    map_sdk_error,
    max_tokens,
    parse_answer,
)

DEFAULT_MODEL = "claude-3-5-haiku-latest"


class AnthropicProvider:
    cache_version = PROMPT_VERSION

    def __init__(self, *, model: str | None = None, api_key_value: str | None = None) -> None:
        try:
            anthropic = extra_import("anthropic", "anthropic", what="the Anthropic provider")
        except MissingExtra as exc:
            raise ProviderConfigError(str(exc)) from None
        self._sdk = anthropic
        self.model = model or str(setting("YOOINI_AI_MODEL", DEFAULT_MODEL))
        self.name = f"anthropic:{self.model}"
        self._key = api_key_value or api_key(
            self.name, "YOOINI_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY"
        )
        options = client_options()
        self._base_url = options["base_url"]
        self._max_tokens = max_tokens()
        self._client = anthropic.Anthropic(api_key=self._key, **options)

    def __repr__(self) -> str:
        return f"<AnthropicProvider {self.name} base_url={self._base_url or 'default'}>"

    def close(self) -> None:
        self._client.close()

    def translate(
        self,
        texts: Sequence[str],
        *,
        source: str,
        target: str,
        glossary: Mapping[str, str] | None,
    ) -> list[ProviderResult]:
        if not texts:
            return []
        system, user, entries = build_prompt(texts, source=source, target=target, glossary=glossary)
        log_request(self.name, len(texts), entries)
        try:
            message = self._client.messages.create(
                model=self.model,
                max_tokens=self._max_tokens,
                system=system,
                messages=[{"role": "user", "content": user}],
            )
        except self._sdk.APIError as exc:
            raise map_sdk_error(self.name, exc, self._sdk, self._key) from None
        if message.stop_reason == "max_tokens":
            raise ProviderBadResponse(
                f"{self.name}: the answer was cut off at {self._max_tokens} tokens "
                "(raise YOOINI_AI_MAX_TOKENS or lower YOOINI_AI_BATCH_SIZE)"
            )
        if message.stop_reason == "refusal":
            raise ProviderBadResponse(f"{self.name}: the model refused")
        text = "".join(
            block.text for block in message.content if getattr(block, "type", "") == "text"
        )
        if not text.strip():
            raise ProviderBadResponse(f"{self.name}: the answer has no text")
        return parse_answer(self.name, text, len(texts), target=target)
