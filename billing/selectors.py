"""Reads of the model catalog and of provider configuration (environment, then admin rows).

Which models a caller may use (`deployment_usable`): a model is callable when one of its
enabled deployments is:
- test mode (`livemode=False`): only deployments on the local test provider ("test");
- live mode: every deployment whose provider is configured (an API key from
  `<PROVIDER>_API_KEY` or an enabled ProviderCredential row, and a base URL) and allowed by the
  project, **plus** the local test models, so a live integration can be checked end to end
  without upstream spend.

The enabled catalog (models and deployments) and the enabled credential rows are cached per
process for `CATALOG_CACHE_SECONDS` (environment, default 5; 0 turns the cache off). Saving or
deleting a row through the ORM in this process drops the cache at once; other processes see an
admin edit within that many seconds. Cached instances are shared: read them, never modify them.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db.models.signals import post_delete, post_save

from billing.models import LOCAL_TEST_PROVIDER, CatalogModel, Deployment, ProviderCredential
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
    # By model id: the enabled deployments of each enabled model, by (priority, id).
    deployments: dict[str, tuple[Deployment, ...]]
    credentials: dict[str, ProviderCredential]


_snapshot: _Snapshot | None = None
_snapshot_lock = threading.Lock()


def _cache_seconds() -> float:
    return env_number("CATALOG_CACHE_SECONDS", DEFAULT_CATALOG_CACHE_SECONDS)


def catalog_cache_clear(**_signal_kwargs: object) -> None:
    """Forget the cached catalog and credentials (also a post_save/post_delete receiver)."""
    global _snapshot
    _snapshot = None


for _model in (CatalogModel, Deployment, ProviderCredential):
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
        models = {model.id: model for model in CatalogModel.objects.filter(enabled=True)}
        deployments: dict[str, list[Deployment]] = {}
        for deployment in Deployment.objects.filter(
            enabled=True, model_id__in=list(models)
        ).order_by("priority", "id"):
            deployment.model = models[deployment.model_id]  # shared: no query when read
            deployments.setdefault(deployment.model_id, []).append(deployment)
        snapshot = _Snapshot(
            loaded_at=loaded_at,
            models=models,
            deployments={model_id: tuple(rows) for model_id, rows in deployments.items()},
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


@dataclass(frozen=True)
class CatalogEntry:
    """An enabled model and its enabled deployments, by (priority, id)."""

    model: CatalogModel
    deployments: tuple[Deployment, ...]


def _entry(snapshot: _Snapshot, model_id: str) -> CatalogEntry | None:
    model = snapshot.models.get(model_id)
    if model is None:
        return None
    return CatalogEntry(model=model, deployments=snapshot.deployments.get(model_id, ()))


def catalog_entry_get(model_id: str) -> CatalogEntry | None:
    """The enabled model with this id and its enabled deployments, or None."""
    return _entry(_load_snapshot(), model_id)


async def catalog_entry_aget(model_id: str) -> CatalogEntry | None:
    """`catalog_entry_get` for async code: no thread hop while the cache is fresh."""
    snapshot = _fresh_snapshot()
    if snapshot is not None:
        return _entry(snapshot, model_id)
    return await sync_to_async(catalog_entry_get)(model_id)


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


def deployment_usable(
    deployment: Deployment, config: ProviderConfig | None, *, livemode: bool, providers: list[str]
) -> bool:
    """May this deployment serve a caller in this mode, for a project allowing `providers`
    (empty: any)? Test mode: the local test models only. Live mode: any deployment whose
    provider is configured (`config`), the local test models included. The local test
    provider sends nothing anywhere, so a project's allow-list never excludes it."""
    if deployment.provider == LOCAL_TEST_PROVIDER:
        return True
    if not livemode or config is None:
        return False
    return not providers or deployment.provider in providers


def catalog_offers(
    *, livemode: bool, providers: list[str] | None = None
) -> list[tuple[CatalogModel, list[Deployment]]]:
    """Each enabled model a caller in this mode may use, for a project allowing `providers`,
    with its deployments that may serve it (at least one); ordered by model id."""
    snapshot = _load_snapshot()
    configs: dict[str, ProviderConfig | None] = {}
    offers = []
    for model_id, deployments in snapshot.deployments.items():
        usable = []
        for deployment in deployments:
            provider = deployment.provider
            if provider not in configs:
                configs[provider] = _provider_config(provider, snapshot.credentials.get(provider))
            if deployment_usable(
                deployment, configs[provider], livemode=livemode, providers=providers or []
            ):
                usable.append(deployment)
        if usable:
            offers.append((snapshot.models[model_id], usable))
    return sorted(offers, key=lambda offer: offer[0].id)


def catalog_models_available(
    *, livemode: bool, providers: list[str] | None = None
) -> list[CatalogModel]:
    """The models of `catalog_offers(livemode=..., providers=...)`."""
    return [model for model, _ in catalog_offers(livemode=livemode, providers=providers)]


def catalog_model_ids(*, livemode: bool, providers: list[str] | None = None) -> set[str]:
    """The ids of `catalog_models_available(livemode=..., providers=...)`."""
    return {model.id for model in catalog_models_available(livemode=livemode, providers=providers)}
