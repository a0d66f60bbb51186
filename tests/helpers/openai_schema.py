"""Validate a payload against one of OpenAI's published schemas (tests/fixtures/openai_openapi/).

assert_matches_openai_schema(completion_json, "CreateChatCompletionResponse")
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).parent.parent / "fixtures" / "openai_openapi" / "schemas.json"


@functools.cache
def _document() -> dict[str, Any]:
    return json.loads(SCHEMAS.read_text())


@functools.cache
def openai_schema_validator(name: str) -> Draft202012Validator:
    """A validator for `#/components/schemas/<name>` (OpenAPI 3.1 schemas are JSON Schema
    2020-12); its `$ref`s resolve inside the extracted document."""
    components = _document()["components"]
    if name not in components["schemas"]:
        raise KeyError(f"{name} is not in {SCHEMAS.name}: add it with extract.py")
    return Draft202012Validator({"components": components, "$ref": f"#/components/schemas/{name}"})


def assert_matches_openai_schema(payload: Any, name: str) -> None:
    """Fail with every violation (path and message) when `payload` does not match `name`."""
    errors = sorted(
        openai_schema_validator(name).iter_errors(payload), key=lambda error: list(error.path)
    )
    if errors:
        lines = [
            f"{'/'.join(map(str, error.path)) or '<root>'}: {error.message}" for error in errors
        ]
        raise AssertionError(f"not a valid {name}:\n" + "\n".join(lines))
