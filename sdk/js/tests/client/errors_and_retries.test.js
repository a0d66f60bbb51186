// client.js's error reasons and retry policy, against real sockets on this machine: a port
// nobody listens on (a network failure, as a refused CORS preflight looks to a page) and a
// small node:http server answering what the gateway answers when it refuses or is overloaded.
// Needs no gateway; run by tests/sdk_js/test_node_client.py with the rest of sdk/js/tests.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";

import {
  LLMGatewayError,
  createClient,
  isRetryable,
  normalizeOrigin,
  originNotAllowedError,
} from "../../packages/client/src/client.js";

const PAGE = "https://shop.example";
const SESSION = {
  sessionToken: "es_test_unit",
  expiresAt: new Date(Date.now() + 3600e3).toISOString(),
  allowedOrigins: ["https://app.example"],
};
const REFUSED =
  `This page's origin ${PAGE} is not allowed for this project: ` +
  "add it in the dashboard (Project → Allowed origins).";

/** A server answering each request with the next of `answers` ({status, body, headers}). */
async function gatewayAnswering(answers) {
  const seen = [];
  const server = createServer((request, response) => {
    seen.push({ method: request.method, url: request.url, at: Date.now() });
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)];
    response.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A URL where nothing listens: fetch fails as it does for a refused preflight. */
async function deadUrl() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function apiError(status, code, message = code) {
  return { status, body: { error: { type: "x", code, message, param: null } } };
}

const WALLET = { status: 200, body: { id: "wal_1", balance: "1.00" } };

test("origins are compared as browsers send them", () => {
  assert.equal(normalizeOrigin("https://App.Example:443/"), "https://app.example");
  assert.equal(normalizeOrigin("http://127.0.0.1:8001"), "http://127.0.0.1:8001");
  // What llmgateway/origins.py stores for the same name (the dashboard's allow-list).
  assert.equal(normalizeOrigin("https://ünïcode.example"), "https://xn--ncode-cta3g.example");
  assert.equal(normalizeOrigin("null"), null); // a file:// page
  assert.equal(normalizeOrigin("not an origin"), null);
});

test("only network failures, 5xx and 429 are worth retrying", () => {
  const retryable = (fields) => isRetryable(new LLMGatewayError(fields));
  assert.equal(retryable({ code: "connection_error" }), true);
  assert.equal(retryable({ code: "rate_limited", status: 429 }), true);
  assert.equal(retryable({ code: "service_unavailable", status: 503 }), true);
  assert.equal(retryable({ code: "http_502", status: 502 }), true);
  assert.equal(retryable({ code: "rate_limited" }), true); // a socket's refusal has no status
  for (const [code, status] of [
    ["customer_blocked", 403],
    ["origin_not_allowed", 403],
    ["invalid_api_key", 401],
    ["session_revoked", 401],
    ["insufficient_balance", 402],
    ["invalid_request", 400],
    ["customer_blocked", null],
  ]) {
    assert.equal(retryable({ code, status }), false, code);
  }
  assert.equal(isRetryable(new TypeError("fetch failed")), true);
  assert.equal(isRetryable(new Error("the hook's own bug")), false);
});

test("a network failure on an origin the session doesn't list is origin_not_allowed", async () => {
  const baseUrl = await deadUrl();
  let calls = 0;
  const countingFetch = (...args) => {
    calls += 1;
    return fetch(...args);
  };
  const client = createClient({
    baseUrl,
    session: SESSION,
    pageOrigin: PAGE,
    fetch: countingFetch,
  });
  assert.equal(client.originAllowed(), false);
  await assert.rejects(client.balance(), (error) => {
    assert.ok(error instanceof LLMGatewayError);
    assert.equal(error.code, "origin_not_allowed");
    assert.equal(error.status, 403);
    assert.equal(error.message, REFUSED);
    return true;
  });
  assert.equal(calls, 1, "a refused origin is not retried");
  assert.deepEqual(originNotAllowedError(PAGE).message, REFUSED);
});

test("a network failure on an allowed origin stays a retried connection_error", async () => {
  const baseUrl = await deadUrl();
  let calls = 0;
  const countingFetch = (...args) => {
    calls += 1;
    return fetch(...args);
  };
  const allowed = createClient({
    baseUrl,
    session: { ...SESSION, allowedOrigins: ["https://SHOP.example:443"] },
    pageOrigin: PAGE,
    fetch: countingFetch,
    maxRetries: 1,
  });
  assert.equal(allowed.originAllowed(), true);
  await assert.rejects(allowed.balance(), { code: "connection_error" });
  assert.equal(calls, 2, "one retry of the read");

  // A bare token says nothing about origins: the message names the likely cause instead.
  const bare = createClient({ baseUrl, session: "es_test_unit", pageOrigin: PAGE, maxRetries: 0 });
  assert.equal(bare.originAllowed(), null);
  await assert.rejects(bare.balance(), (error) => {
    assert.equal(error.code, "connection_error");
    assert.match(error.message, /Could not reach the gateway at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(error.message, /this page's origin https:\/\/shop\.example is in the project's/);
    return true;
  });
});

test("a refusal is thrown at once; 5xx and 429 reads are retried", async () => {
  const blocked = await gatewayAnswering([apiError(403, "customer_blocked"), WALLET]);
  try {
    const client = createClient({ baseUrl: blocked.baseUrl, session: SESSION });
    await assert.rejects(client.balance(), { code: "customer_blocked", status: 403 });
    assert.equal(blocked.seen.length, 1);
  } finally {
    await blocked.close();
  }

  const flaky = await gatewayAnswering([apiError(503, "service_unavailable"), WALLET]);
  try {
    const client = createClient({ baseUrl: flaky.baseUrl, session: SESSION });
    assert.equal((await client.balance()).balance, "1.00");
    assert.equal(flaky.seen.length, 2);
  } finally {
    await flaky.close();
  }

  const limited = await gatewayAnswering([
    { ...apiError(429, "rate_limited"), headers: { "Retry-After": "1" } },
    WALLET,
  ]);
  try {
    const client = createClient({ baseUrl: limited.baseUrl, session: SESSION });
    assert.equal((await client.balance()).balance, "1.00");
    assert.equal(limited.seen.length, 2);
    assert.ok(limited.seen[1].at - limited.seen[0].at >= 950, "waited for Retry-After");
  } finally {
    await limited.close();
  }

  const down = await gatewayAnswering([apiError(503, "service_unavailable")]);
  try {
    const client = createClient({ baseUrl: down.baseUrl, session: SESSION, maxRetries: 2 });
    await assert.rejects(client.balance(), { code: "service_unavailable", status: 503 });
    assert.equal(down.seen.length, 3, "the read and two retries");
    await assert.rejects(client.chat({ model: "test/echo", messages: [] }), { status: 503 });
    assert.equal(down.seen.length, 4, "a write is never repeated");
  } finally {
    await down.close();
  }
});

test("the live-balance socket asks for a refused session once, a failed one again", async () => {
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  let refusedCalls = 0;
  const refused = createClient({
    baseUrl: "http://127.0.0.1:9",
    fetchSession: async () => {
      refusedCalls += 1;
      throw new LLMGatewayError({ code: "customer_blocked", status: 403, message: "blocked" });
    },
  });
  let failingCalls = 0;
  const failing = createClient({
    baseUrl: "http://127.0.0.1:9",
    fetchSession: async () => {
      failingCalls += 1;
      throw new TypeError("Failed to fetch"); // the developer's backend is unreachable
    },
  });
  try {
    refused.onBalance(() => {});
    failing.onBalance(() => {});
    await wait(2_000); // the reconnection waits 0.5 s, then 1 s
    assert.equal(refusedCalls, 1, "customer_blocked is not retried");
    assert.ok(failingCalls >= 2, `a network failure is retried, got ${failingCalls}`);
  } finally {
    refused.close();
    failing.close();
  }
});

test("a session_expired that arrives after another call renewed asks fetchSession no more", async () => {
  // Two calls leave with the same token; the second's refusal arrives once the first has
  // already renewed the session: it retries with the new token instead of minting a third.
  const server = createServer((request, response) => {
    const token = request.headers.authorization.replace("Bearer ", "");
    const answer = token === "es_test_old" ? apiError(401, "session_expired") : WALLET;
    const delay = token === "es_test_old" && request.url.includes("slow") ? 300 : 0;
    setTimeout(() => {
      response.writeHead(answer.status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(answer.body));
    }, delay);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  let minted = 0;
  const client = createClient({
    baseUrl: `http://127.0.0.1:${server.address().port}`,
    session: { ...SESSION, sessionToken: "es_test_old" },
    fetchSession: async () => ({ ...SESSION, sessionToken: `es_test_new_${++minted}` }),
    pageOrigin: null,
  });
  try {
    const [fast, slow] = await Promise.all([
      client.request("GET", "/v1/wallet"),
      client.request("GET", "/v1/wallet?slow"),
    ]);
    assert.equal(fast.json.id, "wal_1");
    assert.equal(slow.json.id, "wal_1");
    assert.equal(minted, 1);
    assert.equal(client.session.sessionToken, "es_test_new_1");
  } finally {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
