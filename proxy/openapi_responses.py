"""POST /v1/responses in /v1/openapi.json: the request fields the gateway accepts and the
Response it returns, written against OpenAI's own schema (proxy/calls/responses_api.py)."""

from __future__ import annotations

ANY_OBJECT = {"type": "object", "additionalProperties": True}

FUNCTION_TOOL = {
    "type": "object",
    "required": ["type", "name"],
    "properties": {
        "type": {"type": "string", "enum": ["function"]},
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string", "nullable": True},
        "parameters": {**ANY_OBJECT, "nullable": True},
        "strict": {"type": "boolean", "nullable": True},
    },
    "description": "Function tools only, in the Responses' flat shape (hosted tools such as "
    "web_search are a 400).",
}

RESPONSES_REQUEST = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string", "description": "A catalog model id, e.g. `test/echo`."},
        "input": {
            "oneOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "array",
                    "minItems": 1,
                    "items": ANY_OBJECT,
                    "description": "Messages (`role`, `content` as a string or input_text / "
                    "input_image / input_file parts), `function_call` and "
                    "`function_call_output` items.",
                },
            ]
        },
        "instructions": {"type": "string", "nullable": True},
        "max_output_tokens": {"type": "integer", "minimum": 1, "nullable": True},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2, "nullable": True},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1, "nullable": True},
        "stream": {"type": "boolean", "default": False},
        "store": {
            "type": "boolean",
            "nullable": True,
            "description": "Accepted; nothing is stored (the answer says `store: false`).",
        },
        "tools": {"type": "array", "items": FUNCTION_TOOL},
        "tool_choice": {
            "oneOf": [
                {"type": "string", "enum": ["auto", "none", "required"]},
                {
                    "type": "object",
                    "required": ["type", "name"],
                    "properties": {
                        "type": {"type": "string", "enum": ["function"]},
                        "name": {"type": "string", "minLength": 1},
                    },
                },
            ]
        },
        "parallel_tool_calls": {"type": "boolean", "nullable": True},
        "text": {
            "type": "object",
            "properties": {
                "format": {
                    "type": "object",
                    "required": ["type"],
                    "properties": {
                        "type": {"type": "string", "enum": ["text", "json_object", "json_schema"]},
                        "name": {"type": "string"},
                        "schema": ANY_OBJECT,
                        "strict": {"type": "boolean", "nullable": True},
                    },
                    "description": "`json_schema` is sent upstream as chat's `response_format`.",
                }
            },
        },
        "previous_response_id": {
            "type": "string",
            "nullable": True,
            "description": "Not supported: the gateway is stateless, so any value is a 400 "
            "`invalid_request`. Send the whole conversation in `input`.",
        },
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        "user": {"type": "string"},
    },
}

RESPONSE_USAGE = {
    "type": "object",
    "required": [
        "input_tokens",
        "input_tokens_details",
        "output_tokens",
        "output_tokens_details",
        "total_tokens",
    ],
    "properties": {
        "input_tokens": {"type": "integer", "minimum": 0},
        "input_tokens_details": {
            "type": "object",
            "required": ["cached_tokens"],
            "properties": {"cached_tokens": {"type": "integer", "minimum": 0}},
        },
        "output_tokens": {"type": "integer", "minimum": 0},
        "output_tokens_details": {
            "type": "object",
            "required": ["reasoning_tokens"],
            "properties": {"reasoning_tokens": {"type": "integer", "minimum": 0}},
        },
        "total_tokens": {"type": "integer", "minimum": 0},
    },
}

OUTPUT_ITEM = {
    "type": "object",
    "required": ["id", "type", "status"],
    "properties": {
        "id": {"type": "string", "description": "`msg_…` or `fc_…`"},
        "type": {"type": "string", "enum": ["message", "function_call"]},
        "status": {"type": "string", "enum": ["in_progress", "completed", "incomplete"]},
        "role": {"type": "string", "enum": ["assistant"]},
        "content": {
            "type": "array",
            "items": ANY_OBJECT,
            "description": "`output_text` parts (`text`, `annotations`, `logprobs`) or a "
            "`refusal` part.",
        },
        "call_id": {"type": "string"},
        "name": {"type": "string"},
        "arguments": {"type": "string", "description": "JSON text of the call's arguments."},
    },
}

RESPONSE = {
    "type": "object",
    "required": [
        "id",
        "object",
        "created_at",
        "status",
        "error",
        "incomplete_details",
        "instructions",
        "model",
        "output",
        "parallel_tool_calls",
        "metadata",
        "tool_choice",
        "tools",
        "temperature",
        "top_p",
        "usage",
    ],
    "properties": {
        "id": {"type": "string", "description": "`resp_…` (not stored: it can't be fetched)"},
        "object": {"type": "string", "enum": ["response"]},
        "created_at": {"type": "integer"},
        "status": {"type": "string", "enum": ["completed", "incomplete", "failed"]},
        "error": {**ANY_OBJECT, "nullable": True},
        "incomplete_details": {
            "type": "object",
            "nullable": True,
            "properties": {
                "reason": {"type": "string", "enum": ["max_output_tokens", "content_filter"]}
            },
        },
        "instructions": {"type": "string", "nullable": True},
        "max_output_tokens": {"type": "integer", "nullable": True},
        "model": {"type": "string", "description": "The catalog model id."},
        "output": {"type": "array", "items": OUTPUT_ITEM},
        "parallel_tool_calls": {"type": "boolean"},
        "metadata": ANY_OBJECT,
        "tool_choice": {"oneOf": [{"type": "string"}, ANY_OBJECT]},
        "tools": {"type": "array", "items": ANY_OBJECT},
        "temperature": {"type": "number", "nullable": True},
        "top_p": {"type": "number", "nullable": True},
        "store": {"type": "boolean", "enum": [False]},
        "usage": RESPONSE_USAGE,
    },
    "additionalProperties": True,
}

# One server-sent event: `event` names its type; `data` is that event as JSON.
RESPONSES_SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
}


RESPONSES_OK = {
    "description": "A Response, or with `stream: true` SSE events (`event:` and `data:` lines) "
    "from `response.created` to `response.completed` (or `response.incomplete` / "
    "`response.failed`), the last one with `usage` and the gateway's `x_llmgateway` cost.",
    "content": {
        "application/json": {"schema": RESPONSE},
        "text/event-stream": {"schema": RESPONSES_SSE_EVENT},
    },
}
