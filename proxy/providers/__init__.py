"""Provider adapters: the one seam every upstream model call goes through.

provider = await aget_provider(deployment.provider)
result = await provider.chat(ChatRequest(model=deployment.upstream_model, messages=...))

Which deployment of a catalog model serves a request is proxy/routing/'s choice.
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
