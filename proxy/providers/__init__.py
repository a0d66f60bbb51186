"""Provider adapters: the one seam every upstream model call goes through.

provider = await aget_provider(catalog_model.provider)
result = await provider.chat(ChatRequest(model=catalog_model.upstream_model, messages=...))
"""

from proxy.providers.base import (
    FINISH_CONTENT_FILTER,
    FINISH_LENGTH,
    FINISH_STOP,
    FINISH_TOOL_CALLS,
    ChatRequest,
    ChatResult,
    EmbeddingsRequest,
    EmbeddingsResult,
    ImagesRequest,
    ImagesResult,
    Provider,
    ProviderError,
    ProviderNotConfigured,
    StreamDelta,
    StreamEnd,
    StreamEvent,
    UnsupportedOperation,
    UpstreamError,
    Usage,
)
from proxy.providers.registry import aget_provider, get_provider

__all__ = [
    "FINISH_CONTENT_FILTER",
    "FINISH_LENGTH",
    "FINISH_STOP",
    "FINISH_TOOL_CALLS",
    "ChatRequest",
    "ChatResult",
    "EmbeddingsRequest",
    "EmbeddingsResult",
    "ImagesRequest",
    "ImagesResult",
    "Provider",
    "ProviderError",
    "ProviderNotConfigured",
    "StreamDelta",
    "StreamEnd",
    "StreamEvent",
    "UnsupportedOperation",
    "UpstreamError",
    "Usage",
    "aget_provider",
    "get_provider",
]
