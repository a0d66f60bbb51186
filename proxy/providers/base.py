"""The provider adapter interface: requests, results, stream events and errors.

Every upstream model call goes through a `Provider` (registry.get_provider). Requests and
messages are OpenAI-shaped whatever the provider; adapters translate. Token counts in `Usage`
are split the way prices are (billing/pricing.py): `input_tokens` are uncached prompt tokens.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

# Finish reasons, in OpenAI's vocabulary (adapters map their provider's onto these).
FINISH_STOP = "stop"
FINISH_LENGTH = "length"
FINISH_CONTENT_FILTER = "content_filter"
FINISH_TOOL_CALLS = "tool_calls"


@dataclass(frozen=True)
class Usage:
    """Tokens of one request, split by price: a prompt is `input_tokens + cached_input_tokens`."""

    input_tokens: int = 0  # prompt tokens billed at the input price (not read from a cache)
    output_tokens: int = 0  # completion tokens (reasoning included), or image output tokens
    cached_input_tokens: int = 0  # prompt tokens read from the provider's prompt cache

    @property
    def prompt_tokens(self) -> int:
        """OpenAI's `prompt_tokens`: every input token, cached or not."""
        return self.input_tokens + self.cached_input_tokens

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.output_tokens


@dataclass
class ChatRequest:
    model: str  # the provider's own model name: Deployment.upstream_model
    messages: list[dict[str, Any]]  # OpenAI chat messages: {"role", "content", "name"?}
    max_tokens: int | None = None  # set it (the hold covers exactly this many output tokens)
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    n: int = 1  # choices asked for (at most the provider's `max_choices`); each may use max_tokens
    # Other OpenAI parameters (seed, response_format, user, ...) sent verbatim to
    # OpenAI-compatible upstreams; other adapters ignore them.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChatResult:
    content: str
    finish_reason: str  # FINISH_* (OpenAI's vocabulary)
    usage: Usage
    usage_reported: bool  # False: the upstream sent no usage and it was counted here
    model: str  # the model name the upstream answered with
    # The whole answer in OpenAI's shape: the upstream's own (OpenAI-compatible adapters) or
    # the adapter's translation (Anthropic). The gateway passes it on (tool calls, refusal,
    # logprobs, ...) changing only what it owns (the model id, usage when the upstream gave
    # none). None: the gateway builds the answer from the rest (the local test models).
    raw: dict[str, Any] | None = None


@dataclass(frozen=True)
class StreamDelta:
    """A piece of the answer, in order.

    `content` is its text (a refusal's text too), `tool_text` the tool-call names and argument
    fragments it carries: both are output the client received, billed when a stream is cut
    short. `raw` is the chunk in OpenAI's shape — the upstream's own (OpenAI-compatible adapters)
    or the adapter's translation (Anthropic) — passed on as it is but for the fields the
    gateway owns; None when the gateway renders the chunk itself.
    """

    content: str
    raw: dict[str, Any] | None = None
    tool_text: str = ""


@dataclass(frozen=True)
class StreamEnd:
    """The last event of a complete stream: why it ended and what it consumed."""

    finish_reason: str
    usage: Usage
    usage_reported: bool
    # The chunk that carried `finish_reason` (adapters that set `StreamDelta.raw`): held
    # back until the stream's usage is known, so the gateway can put the usage on it.
    raw: dict[str, Any] | None = None
    raw_usage: dict[str, Any] | None = None  # the upstream's `usage` object, details and all


StreamEvent = StreamDelta | StreamEnd


@dataclass
class EmbeddingsRequest:
    model: str
    input: str | list[str] | list[int] | list[list[int]]
    dimensions: int | None = None
    encoding_format: str | None = None  # "float" (default) or "base64"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class EmbeddingsResult:
    data: list[dict[str, Any]]  # OpenAI embedding objects: {"object", "index", "embedding"}
    usage: Usage  # input_tokens only
    usage_reported: bool
    model: str


@dataclass
class ImagesRequest:
    model: str
    prompt: str
    n: int = 1
    size: str | None = None
    quality: str | None = None
    response_format: str | None = None  # "url" or "b64_json"; None: the model's default
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImagesResult:
    data: list[dict[str, Any]]  # OpenAI image objects: {"b64_json" or "url", "revised_prompt"?}
    usage: Usage  # prompt and image-output tokens of token-priced models; zeros otherwise
    usage_reported: bool
    created: int

    @property
    def image_count(self) -> int:
        """What `cost_nanos(images=...)` takes."""
        return len(self.data)


class ProviderError(Exception):
    """Base of the adapter errors. Messages never contain an API key."""


class ProviderNotConfigured(ProviderError):
    """No adapter for this provider, or no key / base URL configured for it."""


class UnsupportedOperation(ProviderError):
    """The provider, or the request's shape, can't be served by this adapter (a 400)."""


class UpstreamError(ProviderError):
    """The upstream refused or failed: an HTTP error status, a transport failure or timeout
    (status 502 / 504), or an error event in the middle of a stream.

    `status` is the upstream's HTTP status; `code` its error code or type when it gave one;
    `retry_after` the seconds its answer asked to wait (Retry-After), when it said.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.code = code
        self.retry_after = retry_after
        super().__init__(f"upstream error {status}: {message}")


class Provider(ABC):
    """One upstream (or the local test models). Instances are cheap; HTTP goes through the
    process's shared pooled client (proxy/providers/http.py)."""

    name: str
    # The most choices (`n`) one chat request may ask this provider for.
    max_choices: int = 1

    @abstractmethod
    async def chat(self, request: ChatRequest) -> ChatResult:
        """One complete answer."""

    @abstractmethod
    def chat_stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """`StreamDelta`s, then exactly one `StreamEnd` if the stream completes.

        An async generator: stop early with `await stream.aclose()` (or iterate inside
        `contextlib.aclosing(...)`) so the upstream connection is released at once. Raises
        `UpstreamError` before the first event or between events.
        """

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResult:
        raise UnsupportedOperation(f"{self.name} models do not make embeddings")

    async def images(self, request: ImagesRequest) -> ImagesResult:
        raise UnsupportedOperation(f"{self.name} models do not make images")
