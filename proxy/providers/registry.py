"""Which adapter serves a provider, with the credentials resolved by billing.selectors.

Resolution for a provider name `p` (prefix `P` = upper case, "-" → "_"):
1. "test": the local test models, always.
2. An enabled ProviderCredential row (admin): its key, base URL and API style, each when set;
3. else the environment: `P_API_KEY`, `P_BASE_URL`, `P_API_STYLE` ("openai" | "anthropic");
4. defaults: openai → https://api.openai.com/v1, anthropic → https://api.anthropic.com;
   any other provider is OpenAI-compatible and needs a base URL.
No key (or no base URL) raises ProviderNotConfigured.
"""

from __future__ import annotations

from billing.selectors import (
    API_STYLE_ANTHROPIC,
    API_STYLE_LOCAL,
    API_STYLE_OPENAI,
    ProviderConfig,
    provider_config_aget,
    provider_config_get,
)
from proxy.providers.anthropic import AnthropicProvider
from proxy.providers.base import Provider, ProviderNotConfigured
from proxy.providers.local import LocalTestProvider
from proxy.providers.openai_compatible import OpenAICompatibleProvider

_local_test_provider = LocalTestProvider()


def provider_from_config(config: ProviderConfig, *, read_timeout: float | None = None) -> Provider:
    """The adapter for `config`; `read_timeout`: a deployment's own wait for the next byte."""
    if config.api_style == API_STYLE_LOCAL:
        return _local_test_provider
    if config.api_style == API_STYLE_ANTHROPIC:
        return AnthropicProvider(
            name=config.provider,
            base_url=config.base_url,
            api_key=config.api_key,
            read_timeout=read_timeout,
        )
    if config.api_style == API_STYLE_OPENAI:
        return OpenAICompatibleProvider(
            name=config.provider,
            base_url=config.base_url,
            api_key=config.api_key,
            max_tokens_parameter=(
                "max_completion_tokens" if config.provider == "openai" else "max_tokens"
            ),
            read_timeout=read_timeout,
        )
    raise ProviderNotConfigured(f"{config.provider}: unknown API style {config.api_style!r}")


def _not_configured(provider_name: str) -> ProviderNotConfigured:
    return ProviderNotConfigured(f"Provider {provider_name!r} has no API key configured.")


def get_provider(provider_name: str) -> Provider:
    """The adapter for a provider ("openai", "anthropic", "test", ...). Sync: may read the
    database (ProviderCredential); from async code use `aget_provider`."""
    config = provider_config_get(provider_name)
    if config is None:
        raise _not_configured(provider_name)
    return provider_from_config(config)


async def aget_provider(provider_name: str) -> Provider:
    """`get_provider` for async code (no thread hop while the credentials cache is fresh)."""
    config = await provider_config_aget(provider_name)
    if config is None:
        raise _not_configured(provider_name)
    return provider_from_config(config)
