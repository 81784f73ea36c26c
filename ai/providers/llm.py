"""What the two LLM providers share: the prompt, reading the answer, and turning SDK errors into
this app's errors.

One request carries a whole batch: the texts go in as a JSON array, the glossary entries that
occur in them go in with them, and the answer must be a JSON array of exactly as many strings,
in order. Anything else (prose around it, a missing item, an object) is a
``ProviderBadResponse``: a text is never paired with a translation by guesswork.

SDK errors are mapped by HTTP status (the contracts: OpenAI error codes,
https://platform.openai.com/docs/guides/error-codes ; Anthropic errors,
https://docs.anthropic.com/en/api/errors): 429 and 5xx/529, timeouts and connection failures
are ``ProviderUnavailable`` (retry later, with the server's ``retry-after``); 401/403 are
``ProviderAuthError``; other 4xx are ``ProviderRequestError``. The SDK exception is not chained:
its text holds the response body, and a 401 body may echo part of the key.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from yooini.retry_after import parse_retry_after

from ..conf import setting, setting_number
from ..errors import (
    AIError,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderConfigError,
    ProviderRequestError,
    ProviderUnavailable,
)
from ..glossary import glossary_for, has_hangul
from .base import ProviderResult

log = logging.getLogger("yooini.ai")

# Bump when the prompt changes: answers to the old prompt are then not reused from the cache.
PROMPT_VERSION = "1"

LANGUAGE_NAMES = {"ko": "Korean", "ja": "Japanese", "en": "English", "zh": "Chinese"}

SYSTEM_PROMPT = """\
You translate product texts of an online fashion shop from {source} to {target} for a \
{target} marketplace listing (BUYMA). Rules:
- Translate each text on its own, naturally, as a {target} shop would write it.
- Where a term of the glossary occurs, use the glossary's translation exactly.
- Keep numbers, sizes, Latin letters, model numbers, codes and punctuation as they are.
- Add nothing, explain nothing.
- If you cannot translate a text, put null in its place.
Answer with only a JSON array of exactly {count} strings: the translations, in the same order \
as the input texts. No other text, no code fence."""


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def build_prompt(
    texts: Sequence[str], *, source: str, target: str, glossary: Mapping[str, str] | None
) -> tuple[str, str, int]:
    """(system prompt, user message, how many glossary entries it carries) for one batch."""
    entries = glossary_for(source, target, glossary).entries_in_all(texts)
    system = SYSTEM_PROMPT.format(
        source=language_name(source), target=language_name(target), count=len(texts)
    )
    user = json.dumps(
        {"glossary": entries, "texts": list(texts)}, ensure_ascii=False, separators=(",", ":")
    )
    return system, user, len(entries)


_FENCE_RE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.DOTALL)


def parse_answer(name: str, answer: str, count: int, *, target: str) -> list[ProviderResult]:
    """The model's answer as one result per text; ``ProviderBadResponse`` when it is not a JSON
    array of ``count`` strings (or nulls for texts the model could not translate)."""
    body = answer.strip()
    fenced = _FENCE_RE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        data = json.loads(body)
    except ValueError:
        raise ProviderBadResponse(
            f"{name}: the answer is not a JSON array (it starts {body[:60]!r})"
        ) from None
    if not isinstance(data, list):
        raise ProviderBadResponse(f"{name}: expected a JSON array, got a {type(data).__name__}")
    if len(data) != count:
        raise ProviderBadResponse(
            f"{name}: asked for {count} translations, the answer has {len(data)}; "
            "not mapping them to texts"
        )
    results = []
    for index, item in enumerate(data):
        if item is None or (isinstance(item, str) and not item.strip()):
            results.append(ProviderResult(text=None, needs_human=True, draft=None))
        elif not isinstance(item, str):
            raise ProviderBadResponse(
                f"{name}: item {index} of the answer is a {type(item).__name__}, expected text"
            )
        elif target != "ko" and has_hangul(item):
            results.append(ProviderResult(text=None, needs_human=True, draft=item.strip()))
        else:
            results.append(ProviderResult(text=item.strip()))
    return results


def api_key(name: str, setting_name: str, env_name: str) -> str:
    key = setting(setting_name) or setting(env_name)
    if not key:
        raise ProviderConfigError(
            f"{name}: no API key; set {setting_name} (or the SDK's own {env_name})"
        )
    return str(key)


def client_options() -> dict[str, Any]:
    """Options both SDK clients take, from settings."""
    return {
        "base_url": setting("YOOINI_AI_BASE_URL") or None,
        "timeout": setting_number("YOOINI_AI_TIMEOUT", 60.0, minimum=0.1),
        "max_retries": setting_number("YOOINI_AI_MAX_RETRIES", 2, integer=True),
    }


def max_tokens() -> int:
    return setting_number("YOOINI_AI_MAX_TOKENS", 4096, minimum=1, integer=True)


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from ``retry-after-ms`` (OpenAI's) or ``retry-after`` (seconds or an HTTP date)."""
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(float(value) / 1000.0, 0.0)
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"))


def _error_details(body: Any) -> tuple[str, str]:
    """(type, message) from an error body of either API."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        body = body["error"]
    if not isinstance(body, Mapping):
        return "", ""
    return str(body.get("type") or body.get("code") or ""), str(body.get("message") or "")


def _scrub(text: str, secret: str) -> str:
    if secret:
        text = text.replace(secret, "***")
    return text[:300]


def map_sdk_error(name: str, exc: Exception, sdk: Any, secret: str) -> AIError:
    """This app's error for an exception the SDK raised (its bounded retries already spent)."""
    if isinstance(exc, sdk.APITimeoutError):
        return ProviderUnavailable(f"{name}: the request timed out")
    if isinstance(exc, sdk.APIConnectionError):
        return ProviderUnavailable(f"{name}: could not connect to the API")
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        kind, message = _error_details(getattr(exc, "body", None))
        label = f"HTTP {status}" + (f", {kind}" if kind else "")
        if status in (401, 403):
            # The body of a refused key may quote part of it: never repeat it.
            return ProviderAuthError(f"{name}: the API refused the key ({label}); check the key")
        detail = f": {_scrub(message, secret)}" if message else ""
        if status in (408, 409, 429) or status >= 500:
            wait = retry_after(exc.response.headers)
            hint = f"; retry after {wait:g}s" if wait is not None else ""
            return ProviderUnavailable(
                f"{name}: unavailable ({label}){detail}{hint}", retry_after=wait
            )
        return ProviderRequestError(f"{name}: the API rejected the request ({label}){detail}")
    if isinstance(exc, sdk.APIError):
        return ProviderBadResponse(f"{name}: unusable response ({type(exc).__name__})")
    raise TypeError(f"not an SDK error: {type(exc).__name__}")


def log_request(name: str, count: int, glossary_size: int) -> None:
    log.info("%s: %d texts in one request (%d glossary entries)", name, count, glossary_size)
