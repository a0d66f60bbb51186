"""POST /v1/chat/completions in /v1/openapi.json: the request fields the gateway accepts and the
chat.completion it returns (plain and streamed), written against OpenAI's own schema
(proxy/openapi.py puts it in the document)."""

from __future__ import annotations

USAGE = {
    "type": "object",
    "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
    "properties": {
        "prompt_tokens": {"type": "integer", "minimum": 0},
        "completion_tokens": {"type": "integer", "minimum": 0},
        "total_tokens": {"type": "integer", "minimum": 0},
        "prompt_tokens_details": {
            "type": "object",
            "properties": {"cached_tokens": {"type": "integer", "minimum": 0}},
            "additionalProperties": True,
        },
        "completion_tokens_details": {"type": "object", "additionalProperties": True},
    },
}

TOOL_CALL = {
    "type": "object",
    "description": "A function call the model asks for (as OpenAI's; streamed as deltas that "
    "hold `index`, then `id`, `type`, `function.name` and fragments of `function.arguments`).",
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string", "enum": ["function"]},
        "function": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "arguments": {"type": "string"}},
        },
    },
}

MESSAGE = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {
            "type": "string",
            "enum": ["system", "developer", "user", "assistant", "tool", "function"],
        },
        "content": {
            "nullable": True,
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "object", "additionalProperties": True}},
            ],
        },
        "name": {"type": "string"},
        "tool_calls": {"type": "array", "items": TOOL_CALL, "description": "assistant turns"},
        "tool_call_id": {"type": "string", "description": "`tool` messages: the call answered"},
    },
}

CHAT_REQUEST = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "description": "A catalog model id, e.g. `test/echo`."},
        "messages": {"type": "array", "minItems": 1, "items": MESSAGE},
        "stream": {"type": "boolean", "default": False},
        "stream_options": {
            "type": "object",
            "properties": {
                "include_usage": {
                    "type": "boolean",
                    "description": "Send usage as OpenAI does: `usage: null` on every chunk, "
                    "then a last chunk with empty `choices`. Without it the usage (and "
                    "`x_llmgateway`) ride on the last chunk with `finish_reason`.",
                }
            },
        },
        "tools": {
            "type": "array",
            "items": {"type": "object", "additionalProperties": True},
            "description": "OpenAI's function tools: sent as they are to OpenAI-compatible "
            "upstreams, translated to Anthropic's tools for Anthropic models.",
        },
        "tool_choice": {"oneOf": [{"type": "string"}, {"type": "object"}]},
        "parallel_tool_calls": {"type": "boolean"},
        "max_tokens": {"type": "integer", "minimum": 1, "nullable": True},
        "max_completion_tokens": {"type": "integer", "minimum": 1, "nullable": True},
        "n": {
            "type": "integer",
            "minimum": 1,
            "maximum": 4,
            "nullable": True,
            "description": "Choices to generate (OpenAI-compatible providers; 1 for the others). "
            "The hold covers n x the output limit; the usage of every choice is billed.",
        },
        "temperature": {"type": "number", "minimum": 0, "maximum": 2, "nullable": True},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1, "nullable": True},
        "stop": {
            "nullable": True,
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "maxItems": 4},
            ],
        },
        "seed": {"type": "integer", "nullable": True},
        "user": {"type": "string"},
    },
}

CHAT_COMPLETION = {
    "type": "object",
    "required": ["id", "object", "created", "model", "choices", "usage"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["chat.completion"]},
        "created": {"type": "integer"},
        "model": {"type": "string"},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "message", "finish_reason"],
                "properties": {
                    "index": {"type": "integer"},
                    "message": {
                        "type": "object",
                        "required": ["role", "content", "refusal"],
                        "properties": {
                            "role": {"type": "string", "enum": ["assistant"]},
                            "content": {"type": "string", "nullable": True},
                            "refusal": {"type": "string", "nullable": True},
                            "tool_calls": {"type": "array", "items": TOOL_CALL},
                        },
                        "additionalProperties": True,
                    },
                    "finish_reason": {"type": "string", "nullable": True},
                    "logprobs": {"type": "object", "nullable": True},
                },
            },
        },
        "usage": USAGE,
        "system_fingerprint": {"type": "string", "nullable": True},
        "service_tier": {"type": "string", "nullable": True},
    },
    "additionalProperties": True,
    "description": "An OpenAI-compatible upstream's answer as it sent it, with the catalog "
    "model id in `model`.",
}

# One server-sent event: `data` is a chat.completion.chunk as JSON, the last one `[DONE]`.
SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
}
