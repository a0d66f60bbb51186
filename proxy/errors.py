"""Errors of the OpenAI-compatible endpoints (codes from DESIGN.md §5)."""

from llmgateway.errors import ApiError


class UpstreamFailed(ApiError):
    status = 502
    code = "upstream_error"
    type = "api_error"
    default_message = "The model provider failed to answer; nothing was charged."


class UpstreamRateLimited(ApiError):
    status = 429
    code = "rate_limited"
    type = "rate_limit_error"
    default_message = "The model provider is rate limiting; retry shortly. Nothing was charged."


class ModelNotFound(ApiError):
    status = 404
    code = "not_found"
    type = "invalid_request_error"
    default_message = "No such model."
