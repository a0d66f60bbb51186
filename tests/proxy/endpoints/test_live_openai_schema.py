"""What the live gateway emits validates against OpenAI's published OpenAPI schemas
(tests/fixtures/openai_openapi/): chat answers and stream chunks from each kind of upstream
(OpenAI-compatible, translated Anthropic, the local test models), and the models list."""

import json

import httpx
import pytest

from tests.helpers.openai_schema import assert_matches_openai_schema
from tests.proxy.endpoints.test_live_anthropic_tools import live_process_env  # noqa: F401
from tests.proxy.endpoints.test_live_openai_fidelity import CALLS, MESSAGES, TOOLS, Payer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "test/echo"]


@pytest.fixture
def gateway(live_server_url, project, funded_session, fake_openai, fake_anthropic):
    payer = Payer("sk", project=project, funded_session=funded_session)
    headers = {"Authorization": f"Bearer {payer.key}"}
    with httpx.Client(base_url=f"{live_server_url}/v1", headers=headers, timeout=30) as client:
        yield client


def _chat(gateway, model, **options):
    body = {"model": model, "messages": MESSAGES, "max_tokens": 50, **options}
    response = gateway.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    return response


def _stream_chunks(response):
    lines = [line for line in response.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    return [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]


@pytest.mark.parametrize("model", MODELS)
def test_a_chat_answer_matches_openai_schema(gateway, fake_openai, fake_anthropic, model):
    assert_matches_openai_schema(_chat(gateway, model).json(), "CreateChatCompletionResponse")


@pytest.mark.parametrize("model", MODELS[:2])
def test_a_tool_call_answer_matches_openai_schema(gateway, fake_openai, fake_anthropic, model):
    fake_openai.tool_calls = CALLS
    fake_anthropic.tool_calls = [{"name": "get_weather", "input": {"city": "Paris"}}]
    answer = _chat(gateway, model, tools=TOOLS).json()
    assert answer["choices"][0]["finish_reason"] == "tool_calls"
    assert_matches_openai_schema(answer, "CreateChatCompletionResponse")


@pytest.mark.parametrize("include_usage", [False, True])
@pytest.mark.parametrize("model", MODELS)
def test_every_stream_chunk_matches_openai_schema(
    gateway, fake_openai, fake_anthropic, model, include_usage
):
    fake_openai.tool_calls = CALLS
    fake_anthropic.tool_calls = [{"name": "get_weather", "input": {"city": "Paris"}}]
    fake_anthropic.reply_text = "Let me check."
    options = {"stream": True, "tools": TOOLS}
    if include_usage:
        options["stream_options"] = {"include_usage": True}

    chunks = _stream_chunks(_chat(gateway, model, **options))

    assert len(chunks) > 2 and "usage" in chunks[-1]
    for chunk in chunks:
        assert_matches_openai_schema(chunk, "CreateChatCompletionStreamResponse")


def test_the_models_list_matches_openai_schema(gateway):
    listed = gateway.get("/models").json()
    assert {"openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"} <= {
        m["id"] for m in listed["data"]
    }
    assert_matches_openai_schema(listed, "ListModelsResponse")
    assert_matches_openai_schema(gateway.get("/models/test%2Fecho").json(), "Model")


def test_the_validator_rejects_what_openai_schema_forbids():
    answer = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hi"},  # no refusal
                "finish_reason": "done",  # not one of OpenAI's reasons
                "logprobs": None,
            }
        ],
    }
    with pytest.raises(AssertionError) as failed:
        assert_matches_openai_schema(answer, "CreateChatCompletionResponse")
    assert "'refusal' is a required property" in str(failed.value)
    assert "'done' is not one of" in str(failed.value)


RESPONSES_TOOLS = [{"type": "function", "name": t["function"]["name"],
                    "parameters": t["function"]["parameters"]} for t in TOOLS]  # fmt: skip


@pytest.mark.parametrize("model", MODELS)
def test_a_responses_answer_matches_openai_schema(gateway, fake_openai, fake_anthropic, model):
    answer = gateway.post(
        "/responses", json={"model": model, "input": "Say hello", "max_output_tokens": 50}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["output"][0]["type"] == "message"
    assert_matches_openai_schema(answer.json(), "Response")


@pytest.mark.parametrize("model", MODELS[:2])
def test_a_responses_function_call_matches_openai_schema(
    gateway, fake_openai, fake_anthropic, model
):
    fake_openai.tool_calls = CALLS
    fake_anthropic.tool_calls = [{"name": "get_weather", "input": {"city": "Paris"}}]
    body = {"model": model, "input": "Weather in Paris?", "tools": RESPONSES_TOOLS}
    answer = gateway.post("/responses", json=body)
    assert answer.status_code == 200, answer.text
    assert "function_call" in [item["type"] for item in answer.json()["output"]]
    assert_matches_openai_schema(answer.json(), "Response")
