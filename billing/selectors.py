"""Reads of the model catalog and of provider configuration (environment, then admin rows).

Which models a caller may use:
- test mode (`livemode=False`): only the enabled local test models (provider "test");
- live mode: every enabled model whose provider is configured (an API key from
  `<PROVIDER>_API_KEY` or an enabled ProviderCredential row, and a base URL), **plus** the
  local test models, so a live integration can be checked end to end without upstream spend.

The enabled catalog and the enabled credential rows are cached per process for
`CATALOG_CACHE_SECONDS` (environment, default 5; 0 turns the cache off). Saving or deleting a
row through the ORM in this process drops the cache at once; other processes see an admin
edit within that many seconds. Cached instances are shared: read them, never modify them.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db.models.signals import post_delete, post_save

from billing.models import LOCAL_TEST_PROVIDER, CatalogModel, ProviderCredential
from llmgateway.environment import env, env_number

API_STYLE_OPENAI = "openai"
API_STYLE_ANTHROPIC = "anthropic"
API_STYLE_LOCAL = "local"

# Base URL and API style of providers known without any configuration besides a key.
KNOWN_PROVIDERS: dict[str, tuple[str, str]] = {
    "openai": ("https://api.openai.com/v1", API_STYLE_OPENAI),
    "anthropic": ("https://api.anthropic.com", API_STYLE_ANTHROPIC),
}
DEFAULT_CATALOG_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class ProviderConfig:
    """How to reach one upstream provider. The key never appears in a repr or a log line."""

    provider: str
    api_style: str  # API_STYLE_OPENAI, API_STYLE_ANTHROPIC or API_STYLE_LOCAL
    base_url: str
    api_key: str = field(default="", repr=False)


@dataclass(frozen=True)
class _Snapshot:
    loaded_at: float
    models: dict[str, CatalogModel]
    credentials: dict[str, ProviderCredential]


_snapshot: _Snapshot | None = None
_snapshot_lock = threading.Lock()


def _cache_seconds() -> float:
    return env_number("CATALOG_CACHE_SECONDS", DEFAULT_CATALOG_CACHE_SECONDS)


def catalog_cache_clear(**_signal_kwargs: object) -> None:
    """Forget the cached catalog and credentials (also a post_save/post_delete receiver)."""
    global _snapshot
    _snapshot = None


for _model in (CatalogModel, ProviderCredential):
    post_save.connect(catalog_cache_clear, sender=_model, dispatch_uid=f"catalog_cache_{_model}")
    post_delete.connect(catalog_cache_clear, sender=_model, dispatch_uid=f"catalog_cache_{_model}")


def _fresh_snapshot() -> _Snapshot | None:
    snapshot = _snapshot
    if snapshot is None or time.monotonic() - snapshot.loaded_at >= _cache_seconds():
        return None
    return snapshot


def _load_snapshot() -> _Snapshot:
    global _snapshot
    snapshot = _fresh_snapshot()
    if snapshot is not None:
        return snapshot
    with _snapshot_lock:  # one thread reloads; the others wait and reuse its result
        snapshot = _fresh_snapshot()
        if snapshot is not None:
            return snapshot
        loaded_at = time.monotonic()
        snapshot = _Snapshot(
            loaded_at=loaded_at,
            models={model.id: model for model in CatalogModel.objects.filter(enabled=True)},
            credentials={
                row.provider: row for row in ProviderCredential.objects.filter(enabled=True)
            },
        )
        if _cache_seconds() > 0:
            _snapshot = snapshot
        return snapshot


def catalog_model_get(model_id: str) -> CatalogModel | None:
    """The enabled catalog model with this id ("openai/gpt-4o-mini"), or None."""
    return _load_snapshot().models.get(model_id)


async def catalog_model_aget(model_id: str) -> CatalogModel | None:
    """`catalog_model_get` for async code: no thread hop while the cache is fresh."""
    snapshot = _fresh_snapshot()
    if snapshot is not None:
        return snapshot.models.get(model_id)
    return await sync_to_async(catalog_model_get)(model_id)


def provider_env_prefix(provider: str) -> str:
    """ "openai" -> "OPENAI", "together-ai" -> "TOGETHER_AI": the `<PREFIX>_API_KEY` variables."""
    return re.sub(r"[^A-Z0-9]", "_", provider.upper())


def _provider_config(provider: str, row: ProviderCredential | None) -> ProviderConfig | None:
    if provider == LOCAL_TEST_PROVIDER:
        return ProviderConfig(provider=provider, api_style=API_STYLE_LOCAL, base_url="")
    prefix = provider_env_prefix(provider)
    default_base_url, default_style = KNOWN_PROVIDERS.get(provider, ("", API_STYLE_OPENAI))
    # An enabled admin row's non-blank fields win; the environment fills the rest.
    api_key = (row.api_key.strip() if row else "") or env.str(f"{prefix}_API_KEY", default="")
    base_url = (
        (row.base_url.strip() if row else "")
        or env.str(f"{prefix}_BASE_URL", default="").strip()
        or default_base_url
    )
    api_style = row.api_style if row else env.str(f"{prefix}_API_STYLE", default=default_style)
    if not api_key.strip() or not base_url:
        return None
    if api_style not in (API_STYLE_OPENAI, API_STYLE_ANTHROPIC):
        return None
    return ProviderConfig(
        provider=provider, api_style=api_style, base_url=base_url, api_key=api_key.strip()
    )


def provider_config_get(provider: str) -> ProviderConfig | None:
    """How to reach `provider`, or None when it has no key (or no base URL) configured."""
    return _provider_config(provider, _load_snapshot().credentials.get(provider))


async def provider_config_aget(provider: str) -> ProviderConfig | None:
    """`provider_config_get` for async code: no thread hop while the cache is fresh."""
    snapshot = _fresh_snapshot()
    if snapshot is not None:
        return _provider_config(provider, snapshot.credentials.get(provider))
    return await sync_to_async(provider_config_get)(provider)


def catalog_models_available(*, livemode: bool) -> list[CatalogModel]:
    """The enabled models a caller in this mode may use, ordered by provider then id."""
    snapshot = _load_snapshot()
    configured: dict[str, bool] = {}
    available = []
    for model in snapshot.models.values():
        if model.provider == LOCAL_TEST_PROVIDER:
            available.append(model)
        elif livemode:
            if model.provider not in configured:
                row = snapshot.credentials.get(model.provider)
                configured[model.provider] = _provider_config(model.provider, row) is not None
            if configured[model.provider]:
                available.append(model)
    return sorted(available, key=lambda model: (model.provider, model.id))


def catalog_model_ids(*, livemode: bool) -> set[str]:
    """The ids of `catalog_models_available(livemode=...)`."""
    return {model.id for model in catalog_models_available(livemode=livemode)}
