"""The OpenAI-compatible endpoints in /v1/openapi.json.

They are plain async Django views (no DRF on the hot path), so drf-spectacular can't see them; a
postprocessing hook adds them here, written against OpenAI's own schema for the fields we accept
and return. The schema is what schemathesis fuzzes, so a field documented here is a field whose
bad values must come back as a 4xx in the error shape.
"""

from __future__ import annotations

from typing import Any

from llmgateway.api_schema import ERROR_DESCRIPTIONS
from proxy.openapi_chat import CHAT_COMPLETION, CHAT_REQUEST, SSE_EVENT
from proxy.openapi_responses import RESPONSES_OK, RESPONSES_REQUEST

ERROR = {"$ref": "#/components/schemas/Error"}
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
TAGS = ["gateway (OpenAI-compatible)"]


BILLING_HEADERS = {
    "X-LLMGateway-Cost": {
        "description": "What this request cost, in USD (a stream's header carries its hold; "
        "the exact cost is in the final chunk's `x_llmgateway`).",
        "schema": {"type": "string"},
    },
    "X-LLMGateway-Balance": {
        "description": "The wallet's balance after this request, in USD (session tokens only).",
        "schema": {"type": "string"},
    },
    "X-Request-Id": {"schema": {"type": "string"}},
    "X-LLMGateway-Provider": {
        "description": "The provider of the deployment that served this request "
        "(docs/models.md, 'Routing and failover').",
        "schema": {"type": "string"},
    },
}

EMBEDDINGS_REQUEST = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string", "description": "An embedding model id, e.g. `test/embed`."},
        "input": {
            "oneOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "minItems": 1, "maxItems": 2048, "items": {"type": "string"}},
                {"type": "array", "minItems": 1, "items": {"type": "integer"}},
                {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 2048,
                    "items": {"type": "array", "items": {"type": "integer"}},
                },
            ]
        },
        "dimensions": {"type": "integer", "minimum": 1, "maximum": 10000},
        "encoding_format": {"type": "string", "enum": ["float", "base64"]},
        "user": {"type": "string"},
    },
}

EMBEDDINGS_RESPONSE = {
    "type": "object",
    "required": ["object", "data", "model", "usage"],
    "properties": {
        "object": {"type": "string", "enum": ["list"]},
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["object", "index", "embedding"],
                "properties": {
                    "object": {"type": "string", "enum": ["embedding"]},
                    "index": {"type": "integer"},
                    "embedding": {
                        "oneOf": [
                            {"type": "array", "items": {"type": "number"}},
                            {"type": "string", "description": "base64 of little-endian float32"},
                        ]
                    },
                },
            },
        },
        "model": {"type": "string"},
        "usage": {
            "type": "object",
            "required": ["prompt_tokens", "total_tokens"],
            "properties": {
                "prompt_tokens": {"type": "integer", "minimum": 0},
                "total_tokens": {"type": "integer", "minimum": 0},
            },
        },
    },
}

IMAGES_REQUEST = {
    "type": "object",
    "required": ["model", "prompt"],
    "properties": {
        "model": {"type": "string", "description": "An image model id, e.g. `test/image`."},
        "prompt": {"type": "string", "minLength": 1},
        "n": {"type": "integer", "minimum": 1, "maximum": 10},
        "size": {"type": "string", "example": "1024x1024"},
        "quality": {"type": "string"},
        "response_format": {"type": "string", "enum": ["url", "b64_json"]},
        "user": {"type": "string"},
    },
}

IMAGES_RESPONSE = {
    "type": "object",
    "required": ["created", "data"],
    "properties": {
        "created": {"type": "integer"},
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "url": {"type": "string"},
                    "b64_json": {"type": "string"},
                    "revised_prompt": {"type": "string", "nullable": True},
                },
            },
        },
    },
}

MODEL = {
    "type": "object",
    "required": ["id", "object", "created", "owned_by", "kind", "pricing"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["model"]},
        "created": {"type": "integer"},
        "owned_by": {"type": "string"},
        "kind": {"type": "string", "enum": ["chat", "embedding", "image"]},
        "pricing": {
            "type": "object",
            "description": "USD per million tokens, per image and per request: the highest of "
            "the providers that may serve the model (the provider that serves a request bills "
            "its own).",
            "additionalProperties": {"type": "string"},
        },
        "providers": {
            "type": "array",
            "description": "The providers that may serve the model, in no particular order, "
            "each with its own prices.",
            "items": {
                "type": "object",
                "required": ["provider", "pricing"],
                "properties": {
                    "provider": {"type": "string"},
                    "pricing": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        },
        "max_output_tokens": {"type": "integer", "nullable": True},
        "context_window": {"type": "integer", "nullable": True},
    },
}

MODEL_LIST = {
    "type": "object",
    "required": ["object", "data"],
    "properties": {
        "object": {"type": "string", "enum": ["list"]},
        "data": {"type": "array", "items": MODEL},
    },
}


def _errors(*statuses: str) -> dict[str, Any]:
    return {
        status: {
            "description": ERROR_DESCRIPTIONS[int(status)],
            "content": {"application/json": {"schema": ERROR}},
        }
        for status in statuses
    }


def _operation(
    operation_id: str,
    summary: str,
    *,
    request: dict | None,
    ok: dict[str, Any],
    errors: tuple[str, ...],
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": TAGS,
        "security": SECURITY,
        "responses": {"200": ok, **_errors(*errors)},
    }
    if request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": request}},
        }
    return operation


_BILLED_ERRORS = ("400", "401", "402", "403", "404", "413", "429", "502", "503")


def gateway_paths() -> dict[str, Any]:
    return {
        "/v1/models": {
            "get": _operation(
                "models_list",
                "The models this key or session may call, with their prices",
                request=None,
                ok={
                    "description": "OpenAI's model list, with `kind` and `pricing` added.",
                    "content": {"application/json": {"schema": MODEL_LIST}},
                },
                errors=("400", "401", "403", "429", "503"),
            )
        },
        "/v1/models/{model_id}": {
            "get": {
                **_operation(
                    "models_retrieve",
                    "One model this key or session may call, with its prices",
                    request=None,
                    ok={
                        "description": "OpenAI's model object, with `kind` and `pricing`.",
                        "content": {"application/json": {"schema": MODEL}},
                    },
                    errors=("401", "403", "404", "429", "503"),
                ),
                "parameters": [
                    {
                        "name": "model_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": "A catalog model id, e.g. `openai/gpt-4o-mini` (the "
                        "slash may be sent as is or as `%2F`). Unknown or not allowed: 404.",
                    }
                ],
            }
        },
        "/v1/chat/completions": {
            "post": _operation(
                "chat_completions_create",
                "Chat completion, billed per request (OpenAI-compatible; `stream` for SSE)",
                request=CHAT_REQUEST,
                ok={
                    "description": "A chat.completion, or with `stream: true` an SSE stream of "
                    "chat.completion.chunk events ending with a usage chunk and `data: [DONE]`.",
                    "headers": BILLING_HEADERS,
                    "content": {
                        "application/json": {"schema": CHAT_COMPLETION},
                        "text/event-stream": {"schema": SSE_EVENT},
                    },
                },
                errors=_BILLED_ERRORS,
            )
        },
        "/v1/responses": {
            "post": _operation(
                "responses_create",
                "OpenAI's Responses API, stateless, billed like chat (`stream` for SSE events)",
                request=RESPONSES_REQUEST,
                ok={**RESPONSES_OK, "headers": BILLING_HEADERS},
                errors=_BILLED_ERRORS,
            )
        },
        "/v1/embeddings": {
            "post": _operation(
                "embeddings_create",
                "Embeddings, billed per input token (OpenAI-compatible)",
                request=EMBEDDINGS_REQUEST,
                ok={
                    "description": "OpenAI's embeddings list.",
                    "headers": BILLING_HEADERS,
                    "content": {"application/json": {"schema": EMBEDDINGS_RESPONSE}},
                },
                errors=_BILLED_ERRORS,
            )
        },
        "/v1/images/generations": {
            "post": _operation(
                "images_generate",
                "Image generation, billed per image (OpenAI-compatible)",
                request=IMAGES_REQUEST,
                ok={
                    "description": "OpenAI's images response.",
                    "headers": BILLING_HEADERS,
                    "content": {"application/json": {"schema": IMAGES_RESPONSE}},
                },
                errors=_BILLED_ERRORS,
            )
        },
    }


def add_gateway_paths(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the gateway's paths beside the DRF ones."""
    result.setdefault("paths", {}).update(gateway_paths())
    return result
