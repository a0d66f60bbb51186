// The openai npm package and the Vercel AI SDK (default provider: the Responses API) against a
// running gateway. Driven by tests/node_compat/test_node_compat.py, which starts the server and
// the fake upstream, and checks afterwards that every usage reported here was billed exactly.
//
// Environment: LLMGATEWAY_BASE_URL (http://host:port), LLMGATEWAY_API_KEY (sk_… or es_…),
// LLMGATEWAY_MODEL, LLMGATEWAY_USAGE_LOG (a file: one JSON usage line per billed request).
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { test } from 'node:test';

import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';

const baseURL = `${process.env.LLMGATEWAY_BASE_URL}/v1`;
const apiKey = process.env.LLMGATEWAY_API_KEY;
const model = process.env.LLMGATEWAY_MODEL;
const QUESTION = 'What is the weather in Paris?';
const ECHO = `Echo: ${QUESTION}`;

const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const openai = createOpenAI({ baseURL, apiKey });

function recordUsage(usage) {
  appendFileSync(process.env.LLMGATEWAY_USAGE_LOG, `${JSON.stringify(usage)}\n`);
}

// The AI SDK's usage, in the Responses vocabulary the pytest driver prices.
function recordSdkUsage(usage) {
  recordUsage({
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_tokens: usage.inputTokenDetails?.cacheReadTokens ?? usage.cachedInputTokens ?? 0,
  });
}

function recordResponseUsage(usage) {
  recordUsage({
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cached_tokens: usage.input_tokens_details.cached_tokens,
  });
}

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string' } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
  strict: true,
};

test('openai: responses.create answers in the Responses shape', async () => {
  const response = await client.responses.create({ model, input: QUESTION });
  assert.equal(response.object, 'response');
  assert.match(response.id, /^resp_/);
  assert.equal(response.status, 'completed');
  assert.equal(response.model, model);
  assert.equal(response.output_text, ECHO);
  assert.equal(response.output[0].type, 'message');
  assert.deepEqual(response.output[0].content[0].annotations, []);
  assert.equal(
    response.usage.total_tokens,
    response.usage.input_tokens + response.usage.output_tokens,
  );
  recordResponseUsage(response.usage);
});

test('openai: a streamed response is the event sequence, numbered', async () => {
  const stream = await client.responses.create({ model, input: QUESTION, stream: true });
  const events = [];
  for await (const event of stream) events.push(event);
  assert.deepEqual(
    events.map((event) => event.sequence_number),
    events.map((_, index) => index),
  );
  assert.deepEqual(
    events.slice(0, 4).map((event) => event.type),
    [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ],
  );
  const text = events
    .filter((event) => event.type === 'response.output_text.delta')
    .map((event) => event.delta)
    .join('');
  assert.equal(text, ECHO);
  const completed = events.at(-1);
  assert.equal(completed.type, 'response.completed');
  assert.equal(completed.response.output[0].content[0].text, ECHO);
  recordResponseUsage(completed.response.usage);
});

test('openai: a function call, then the follow-up turn with its output', async () => {
  const input = [{ role: 'user', content: QUESTION }];
  const first = await client.responses.create({ model, input, tools: [weatherTool] });
  recordResponseUsage(first.usage);
  const [call] = first.output;
  assert.equal(call.type, 'function_call');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris', unit: 'celsius' });
  assert.match(call.id, /^fc_/);

  const answer = await client.responses.create({
    model,
    tools: [weatherTool],
    input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: '21' }],
  });
  recordResponseUsage(answer.usage);
  assert.equal(answer.output_text, ECHO);
});

test('openai: previous_response_id is refused (the gateway is stateless)', async () => {
  await assert.rejects(
    client.responses.create({ model, input: 'again', previous_response_id: 'resp_1' }),
    (error) => error.status === 400 && error.error?.param === 'previous_response_id',
  );
});

test('ai sdk: generateText with the default provider (the Responses API)', async () => {
  const result = await generateText({ model: openai(model), prompt: QUESTION });
  assert.equal(result.text, ECHO);
  assert.equal(result.finishReason, 'stop');
  assert.equal(result.response.modelId, model);
  recordSdkUsage(result.usage);
});

test('ai sdk: streamText', async () => {
  const result = streamText({ model: openai(model), prompt: QUESTION });
  let text = '';
  for await (const piece of result.textStream) text += piece;
  assert.equal(text, ECHO);
  assert.equal(await result.finishReason, 'stop');
  recordSdkUsage(await result.usage);
});

test('ai sdk: a tool call runs and the next step answers with its result', async () => {
  const calls = [];
  const result = await generateText({
    model: openai(model),
    prompt: QUESTION,
    tools: {
      get_weather: tool({
        description: 'The weather in a city',
        inputSchema: z.object({ city: z.string(), unit: z.string() }),
        execute: async (input) => {
          calls.push(input);
          return { temperature: 21 };
        },
      }),
    },
    stopWhen: stepCountIs(3),
    // A stateless gateway: the SDK must send whole items, not references to stored ones.
    providerOptions: { openai: { store: false } },
  });
  assert.deepEqual(calls, [{ city: 'Paris', unit: 'celsius' }]);
  assert.equal(result.steps.length, 2);
  assert.equal(result.steps[0].finishReason, 'tool-calls');
  assert.equal(result.text, ECHO);
  for (const step of result.steps) recordSdkUsage(step.usage);
});

test('ai sdk: a streamed tool call', async () => {
  const result = streamText({
    model: openai(model),
    prompt: QUESTION,
    tools: {
      get_weather: tool({
        inputSchema: z.object({ city: z.string(), unit: z.string() }),
      }),
    },
  });
  const parts = [];
  for await (const part of result.fullStream) parts.push(part);
  const [call] = parts.filter((part) => part.type === 'tool-call');
  assert.equal(call.toolName, 'get_weather');
  assert.deepEqual(call.input, { city: 'Paris', unit: 'celsius' });
  assert.ok(parts.some((part) => part.type === 'tool-input-delta'));
  assert.equal(await result.finishReason, 'tool-calls');
  recordSdkUsage(await result.usage);
});
