"""What a request costs, in integer nano-USD: exact arithmetic, rounded up once.

Token prices are nano-USD per million tokens, so the token part of a cost is a fraction of a
nano in general. All token numerators are summed first and divided by a million once, rounding
up; per-image and per-request prices are whole nanos and are added afterwards. No float ever.

Token counts follow proxy/providers/base.py's `Usage`: `input_tokens` are the *uncached* input
tokens and `cached_input_tokens` the ones read from the provider's prompt cache, so a prompt of
`input_tokens + cached_input_tokens` tokens is billed each part at its own price.
"""

from __future__ import annotations

from typing import Protocol

TOKENS_PER_PRICE_UNIT = 1_000_000


class ModelPrices(Protocol):
    """What pricing reads from a model: a `CatalogModel`, or any object with these attributes."""

    input_nanos_per_million_tokens: int
    output_nanos_per_million_tokens: int
    cached_input_nanos_per_million_tokens: int
    nanos_per_image: int
    nanos_per_request: int
    max_output_tokens: int
    context_window: int


def _count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def cost_nanos(
    model: ModelPrices,
    *,
    input_tokens: int,
    output_tokens: int,
    cached_input_tokens: int = 0,
    images: int = 0,
) -> int:
    """The cost of one request: ceil(token numerators / 1e6) + images x image price + request price.

    Example: gpt-4o-mini ($0.15/M in, $0.60/M out), 1000 tokens in and 500 out:
    (1000 x 150_000_000 + 500 x 600_000_000) / 1_000_000 = 450_000 nanos ($0.00045).
    """
    token_numerator = (
        _count("input_tokens", input_tokens) * model.input_nanos_per_million_tokens
        + _count("cached_input_tokens", cached_input_tokens)
        * model.cached_input_nanos_per_million_tokens
        + _count("output_tokens", output_tokens) * model.output_nanos_per_million_tokens
    )
    return (
        _ceil_div(token_numerator, TOKENS_PER_PRICE_UNIT)
        + _count("images", images) * model.nanos_per_image
        + model.nanos_per_request
    )


def output_tokens_bound(
    model: ModelPrices, *, prompt_tokens: int, max_output_tokens: int | None = None
) -> int:
    """The most output tokens a request may produce: the caller's limit, else the model's
    `max_output_tokens`, never above it, nor above what the context window leaves after the
    prompt (when the prompt already fills the window, 0: the upstream will refuse it)."""
    limit = model.max_output_tokens
    if max_output_tokens is not None:
        limit = min(limit, _count("max_output_tokens", max_output_tokens))
    if model.context_window:
        limit = min(limit, max(0, model.context_window - _count("prompt_tokens", prompt_tokens)))
    return limit


def worst_case_cost_nanos(
    model: ModelPrices,
    *,
    prompt_tokens: int,
    max_output_tokens: int | None = None,
    images: int = 0,
    choices: int = 1,
) -> int:
    """The most a request can cost: what the spend hold reserves before the upstream call.

    Every prompt token is priced as uncached input (the cache discount is only known after).
    Chat and embeddings (`images` = 0): output is bounded by `output_tokens_bound`, once per
    choice (a chat request's `n`: the prompt is billed once, every choice's output). Image
    requests (`images` = n > 0): a token-priced image model (gpt-image-1) may produce up to its
    `max_output_tokens` per image, so output is bounded by n x that (or by n x the caller's
    `max_output_tokens` when smaller).
    """
    if _count("images", images):
        per_image = model.max_output_tokens
        if max_output_tokens is not None:
            per_image = min(per_image, _count("max_output_tokens", max_output_tokens))
        output_bound = images * per_image
    else:
        output_bound = _count("choices", choices) * output_tokens_bound(
            model, prompt_tokens=prompt_tokens, max_output_tokens=max_output_tokens
        )
    return cost_nanos(model, input_tokens=prompt_tokens, output_tokens=output_bound, images=images)
