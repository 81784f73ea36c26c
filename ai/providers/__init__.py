"""Translation providers behind one protocol (``base.Provider``), and the configured one.

``offline`` (the default) needs no network and no key; ``openai`` and ``anthropic`` call the
official SDKs. The SDKs are imported only when their provider is built.
"""

from __future__ import annotations

from collections.abc import Callable

from ..conf import setting
from ..errors import ProviderConfigError
from .base import Provider, ProviderResult
from .offline import OfflineProvider


def _openai() -> Provider:
    from .openai_chat import OpenAIProvider

    return OpenAIProvider()


def _anthropic() -> Provider:
    from .anthropic_messages import AnthropicProvider

    return AnthropicProvider()


PROVIDERS: dict[str, Callable[[], Provider]] = {
    "offline": OfflineProvider,
    "openai": _openai,
    "anthropic": _anthropic,
}


def provider_from_settings() -> Provider:
    """The provider named by ``YOOINI_AI_PROVIDER`` (``offline`` when unset), built from the
    settings (``YOOINI_AI_MODEL``, ``YOOINI_AI_BASE_URL``, the API key ...)."""
    name = str(setting("YOOINI_AI_PROVIDER", "offline")).strip().lower()
    factory = PROVIDERS.get(name)
    if factory is None:
        raise ProviderConfigError(
            f"YOOINI_AI_PROVIDER: unknown provider {name!r}; known: {', '.join(PROVIDERS)}"
        )
    return factory()


__all__ = ["PROVIDERS", "OfflineProvider", "Provider", "ProviderResult", "provider_from_settings"]
