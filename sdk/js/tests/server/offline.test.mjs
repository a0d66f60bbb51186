// @llmgateway-sdk/server without a gateway: the retry policy and error classes against a
// loopback server of its own, webhook signatures, and one class whether imported or required.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { test } from "node:test";

import * as server from "@llmgateway-sdk/server";

const {
  APIConnectionError,
  IdempotencyError,
  LLMGateway,
  RateLimitError,
  SignatureVerificationError,
  UpstreamError,
} = server;
const require = createRequire(import.meta.url);

/** A loopback server answering from a list of [status, body, headers?]; records requests. */
async function scripted(answers) {
  const requests = [];
  const http = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const [status, body, headers = {}] =
        answers[Math.min(requests.length - 1, answers.length - 1)];
      response
        .writeHead(status, { "Content-Type": "application/json", ...headers })
        .end(JSON.stringify(body));
    });
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const gateway = new LLMGateway({
    secretKey: "sk_test_x",
    baseUrl: `http://127.0.0.1:${http.address().port}/v1/`,
  });
  return { gateway, requests, close: () => http.close() };
}

const error = (code, type = "api_error") => ({
  error: { type, code, message: `it is ${code}`, param: null },
});
const wallet = { id: "wal_1", balance: "1.00" };

test("the CommonJS and ES module entry points are one implementation", () => {
  const required = require("@llmgateway-sdk/server");
  assert.equal(required.LLMGateway, server.LLMGateway);
  assert.equal(required.LLMGatewayError, server.LLMGatewayError);
  assert.deepEqual(Object.keys(required).sort(), Object.keys(server).sort());
  assert.equal(server.VERSION, require("@llmgateway-sdk/server/package.json").version);
});

test("a read is retried after a 503 and a 429's Retry-After, then answers", async () => {
  const { gateway, requests, close } = await scripted([
    [503, error("service_unavailable")],
    [429, error("rate_limited"), { "Retry-After": "0" }],
    [200, wallet],
  ]);
  try {
    assert.deepEqual(await gateway.wallets.get("wal_1"), wallet);
    assert.equal(requests.length, 3);
    assert.equal(requests[0].url, "/v1/wallets/wal_1");
    assert.equal(requests[0].headers.authorization, "Bearer sk_test_x");
    assert.match(requests[0].headers["user-agent"], /^llmgateway-server-node\//);
  } finally {
    close();
  }
});

test("an unkeyed write is never resent; a keyed one is, with the same key", async () => {
  const unkeyed = await scripted([[502, error("upstream_error")]]);
  try {
    await assert.rejects(unkeyed.gateway.sessions.create({ customer: "u" }), UpstreamError);
    assert.equal(unkeyed.requests.length, 1);
  } finally {
    unkeyed.close();
  }
  const keyed = await scripted([
    [502, error("upstream_error")],
    [201, { id: "cre_1", amount: "1.00" }],
  ]);
  try {
    const credit = await keyed.gateway.wallets.credit("wal_1", { amount: "1.00" });
    assert.equal(credit.replayed, false);
    assert.equal(keyed.requests.length, 2);
    const [first, second] = keyed.requests.map((request) => request.headers["idempotency-key"]);
    assert.match(first, /^sdk_[0-9a-f]{32}$/);
    assert.equal(second, first);
    assert.equal(JSON.parse(keyed.requests[0].body).idempotencyKey, first);
  } finally {
    keyed.close();
  }
});

test("errors are chosen by code, then status, with the answer's fields", async () => {
  const { gateway, close } = await scripted([
    [409, error("idempotency_conflict", "invalid_request_error"), { "X-Request-Id": "req_1" }],
  ]);
  try {
    const failure = await gateway.wallets
      .credit("wal_1", { amount: "1", idempotencyKey: "k" })
      .catch((caught) => caught);
    assert.ok(failure instanceof IdempotencyError);
    assert.deepEqual(
      [failure.status, failure.code, failure.type, failure.requestId, failure.message],
      [409, "idempotency_conflict", "invalid_request_error", "req_1", "it is idempotency_conflict"],
    );
  } finally {
    close();
  }
  const limited = await scripted([[429, error("rate_limited"), { "Retry-After": "120" }]]);
  try {
    const failure = await limited.gateway.balance.get().catch((caught) => caught);
    assert.ok(failure instanceof RateLimitError);
    assert.equal(failure.retryAfter, 120); // longer than the SDK waits: thrown at once
    assert.equal(limited.requests.length, 1);
  } finally {
    limited.close();
  }
});

test("no answer at all is an APIConnectionError", async () => {
  const { gateway, close } = await scripted([[200, {}]]);
  close();
  const offline = new LLMGateway({
    secretKey: "sk_test_x",
    baseUrl: gateway.baseUrl,
    maxRetries: 0,
  });
  await assert.rejects(offline.balance.get(), APIConnectionError);
});

test("the secret key is required, never an es_ token, and never printed", async () => {
  const saved = { ...process.env };
  delete process.env.LLMGATEWAY_SECRET_KEY;
  delete process.env.LLMGATEWAY_API_KEY;
  try {
    // Reported by the first call: a build may import the module that makes the client.
    await assert.rejects(
      new LLMGateway({ baseUrl: "http://127.0.0.1:9" }).balance.get(),
      /secretKey/,
    );
    assert.throws(() => new LLMGateway({ secretKey: "es_test_abc" }), /browser/);
    const gateway = new LLMGateway({ secretKey: "sk_test_secret_value" });
    assert.ok(!JSON.stringify(gateway).includes("sk_test_secret_value"));
  } finally {
    Object.assign(process.env, saved);
  }
});

test("webhook signatures: the Python SDK's scheme, several v1 values, malformed headers", () => {
  const secret = "whsec_test";
  const body = JSON.stringify({
    id: "evt_1",
    type: "wallet.credited",
    created: 1,
    livemode: false,
    data: {},
  });
  const now = Math.floor(Date.now() / 1000);
  const sign = (key, at = now) => createHmac("sha256", key).update(`${at}.${body}`).digest("hex");
  const event = server.constructEvent(
    body,
    `t=${now},v1=${sign("whsec_old")},v1=${sign(secret)}`,
    secret,
  );
  assert.equal(event.id, "evt_1");
  assert.equal(
    new LLMGateway({ secretKey: "sk_test_x" }).webhooks.SIGNATURE_HEADER,
    "LLMGateway-Signature",
  );
  for (const header of [
    undefined,
    "",
    `v1=${sign(secret)}`,
    `t=${now}`,
    `t=soon,v1=${sign(secret)}`,
    `t=${now},v1=zz`,
  ]) {
    assert.throws(
      () => server.verifyHeader(body, header, secret),
      SignatureVerificationError,
      String(header),
    );
  }
  assert.throws(
    () => server.verifyHeader(body, `t=${now + 400},v1=${sign(secret, now + 400)}`, secret),
    /in the future/,
  );
  assert.throws(
    () => server.verifyHeader(JSON.parse(body), `t=${now},v1=${sign(secret)}`, secret),
    TypeError,
  );
});
