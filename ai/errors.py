"""What can go wrong when translating, as classes a stage can act on.

A stage retries ``ProviderUnavailable`` (rate limit, server error, network: the provider may
answer later, ``retry_after`` is its own hint in seconds) and fails fast on everything else:
a refused key, a request the provider rejects or an answer that does not fit the question are
not fixed by waiting. Messages name the provider and what happened, never a key.
"""

from __future__ import annotations

from typing import ClassVar


class AIError(Exception):
    """Base of this app's errors. ``retryable`` says whether trying again later can help."""

    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(AIError, ValueError):
    """The caller passed something unusable: a text that is not a string, a bad glossary entry,
    an unknown language code. The message says which item and why."""


class ProviderConfigError(AIError):
    """The provider is not configured (unknown name, no API key, bad setting)."""


class ProviderError(AIError):
    """The provider was reached and said no, or answered something unusable."""


class ProviderAuthError(ProviderError):
    """The provider refused the credentials (HTTP 401 / 403). Not retried: fix the key."""


class ProviderRequestError(ProviderError):
    """The provider rejected the request itself (HTTP 400, 404, 422 ...). Not retried."""


class ProviderBadResponse(ProviderError):
    """The answer was not what was asked for (not a JSON array, wrong length, cut off at the
    token limit). Never mapped to texts by guesswork; nothing of it is stored."""


class UnsupportedLanguage(ProviderError):
    """The provider cannot translate between these two languages."""


class ProviderUnavailable(ProviderError):
    """Rate limited (HTTP 429), server error (5xx, 529), timeout or connection failure after the
    SDK's own bounded retries. Retry later; ``retry_after`` is the provider's hint in seconds
    when it gave one."""

    retryable: ClassVar[bool] = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
