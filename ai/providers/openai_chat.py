"""OpenAI (and compatible gateways) through the official ``openai`` SDK, Chat Completions API.

Contract (https://platform.openai.com/docs/api-reference/chat/create): ``POST /v1/chat/completions``
with ``Authorization: Bearer <key>``, a JSON body with ``model`` and ``messages`` (required);
the answer is ``choices[0].message.content``, ``finish_reason`` ``length`` when it was cut off at
``max_completion_tokens``. Chat Completions rather than Responses because every compatible gateway
(``YOOINI_AI_BASE_URL``) speaks it. The SDK retries 429 / 5xx itself, honouring ``retry-after``,
``YOOINI_AI_MAX_RETRIES`` times; what is left is raised as this app's errors (``llm``).
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

DEFAULT_MODEL = "gpt-4o-mini"


class OpenAIProvider:
    cache_version = PROMPT_VERSION

    def __init__(self, *, model: str | None = None, api_key_value: str | None = None) -> None:
        try:
            openai = extra_import("openai", "openai", what="the OpenAI provider")
        except MissingExtra as exc:
            raise ProviderConfigError(str(exc)) from None
        self._sdk = openai
        self.model = model or str(setting("YOOINI_AI_MODEL", DEFAULT_MODEL))
        self.name = f"openai:{self.model}"
        self._key = api_key_value or api_key(self.name, "YOOINI_OPENAI_API_KEY", "OPENAI_API_KEY")
        options = client_options()
        self._base_url = options["base_url"]
        self._max_tokens = max_tokens()
        self._client = openai.OpenAI(api_key=self._key, **options)

    def __repr__(self) -> str:
        return f"<OpenAIProvider {self.name} base_url={self._base_url or 'default'}>"

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
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                max_completion_tokens=self._max_tokens,
            )
        except self._sdk.APIError as exc:
            raise map_sdk_error(self.name, exc, self._sdk, self._key) from None
        if not completion.choices:
            raise ProviderBadResponse(f"{self.name}: the answer has no choices")
        choice = completion.choices[0]
        if choice.finish_reason == "length":
            raise ProviderBadResponse(
                f"{self.name}: the answer was cut off at {self._max_tokens} tokens "
                "(raise YOOINI_AI_MAX_TOKENS or lower YOOINI_AI_BATCH_SIZE)"
            )
        content = choice.message.content
        if not content:
            refusal = getattr(choice.message, "refusal", None)
            reason = "the model refused" if refusal else "the answer is empty"
            raise ProviderBadResponse(
                f"{self.name}: {reason} (finish_reason {choice.finish_reason})"
            )
        return parse_answer(self.name, content, len(texts), target=target)
