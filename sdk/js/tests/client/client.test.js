// client.js against a live gateway. Run by tests/sdk_js/test_node_client.py, which starts the
// server and passes: LLMGATEWAY_BASE_URL, LLMGATEWAY_SECRET_KEY (to mint sessions here, as a
// developer's backend would), LLMGATEWAY_SESSION (JSON of a funded session) and
// LLMGATEWAY_EXPIRED_SESSION_TOKEN (a session whose expiry has passed).
// Node 20 has WebSocket only behind --experimental-websocket (the runner passes it).

import assert from "node:assert/strict";
import { test } from "node:test";

import { LLMGatewayError, createClient } from "../../packages/client/src/client.js";

const baseUrl = process.env.LLMGATEWAY_BASE_URL;
const secretKey = process.env.LLMGATEWAY_SECRET_KEY;
const skip = !baseUrl && "needs a live gateway (run tests/sdk_js/test_node_client.py)";
const NANOS_PER_USD = 1_000_000_000n;
const HELLO = [{ role: "user", content: "Hello there from node" }];

function nanos(usd) {
  const [whole, fraction = ""] = usd.split(".");
  return BigInt(whole) * NANOS_PER_USD + BigInt(fraction.padEnd(9, "0"));
}

let customers = 0;

async function mintSession({ ttlSeconds, customer } = {}) {
  const response = await fetch(`${baseUrl}/v1/sessions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${secretKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      customer: customer || `node_${process.pid}_${++customers}`,
      ...(ttlSeconds ? { ttlSeconds } : {}),
    }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

async function walletStatus(token) {
  return (await fetch(`${baseUrl}/v1/wallet`, { headers: { Authorization: `Bearer ${token}` } }))
    .status;
}

function until(predicate, what, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out: ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

function fundedClient(options = {}) {
  return createClient({ baseUrl, session: JSON.parse(process.env.LLMGATEWAY_SESSION), ...options });
}

test("chat answers and debits the wallet by exactly its cost", { skip }, async () => {
  const client = fundedClient();
  const before = nanos((await client.balance()).balance);
  const reply = await client.chat({ model: "test/echo", messages: HELLO });
  assert.equal(reply.choices[0].message.content, "Hello there from node");
  assert.ok(nanos(reply.x_llmgateway.cost) > 0n);
  const after = nanos((await client.balance()).balance);
  assert.equal(before - after, nanos(reply.x_llmgateway.cost));
  assert.equal(after, nanos(reply.x_llmgateway.balance));
});

for (const transport of ["sse", "websocket"]) {
  test(`stream over ${transport} yields deltas, then usage and cost`, { skip }, async () => {
    const client = fundedClient({ transport });
    try {
      const before = nanos((await client.balance()).balance);
      const stream = client.stream({ model: "test/echo", messages: HELLO });
      const deltas = [];
      for await (const text of stream) deltas.push(text);
      const result = await stream.result;
      assert.ok(deltas.length > 1, `one delta per word, got ${JSON.stringify(deltas)}`);
      assert.equal(deltas.join(""), "Hello there from node");
      assert.equal(result.content, "Hello there from node");
      assert.ok(result.usage.completion_tokens > 0);
      assert.equal(result.finishReason, "stop");
      const after = nanos((await client.balance()).balance);
      assert.equal(before - after, nanos(result.cost));
      assert.equal(nanos(result.balance), after);
    } finally {
      client.close();
    }
  });
}

test("an empty wallet refuses with LLMGatewayError insufficient_balance", { skip }, async () => {
  const client = createClient({ baseUrl, session: await mintSession() });
  try {
    await assert.rejects(client.chat({ model: "test/echo", messages: HELLO }), (error) => {
      assert.ok(error instanceof LLMGatewayError);
      assert.equal(error.code, "insufficient_balance");
      assert.equal(error.status, 402);
      assert.ok(error.message.length > 0);
      assert.equal(error.param, null);
      return true;
    });
    for (const transport of ["sse", "websocket"]) {
      const stream = client.stream({ model: "test/echo", messages: HELLO }, { transport });
      await assert.rejects(
        (async () => {
          for await (const text of stream) assert.fail(`no text expected, got ${text}`);
        })(),
        { name: "LLMGatewayError", code: "insufficient_balance" },
      );
    }
  } finally {
    client.close();
  }
});

test("a bad request names the parameter", { skip }, async () => {
  const client = createClient({ baseUrl, session: await mintSession() });
  await assert.rejects(client.topUp("1.001"), { code: "invalid_request", param: "amount" });
});

test("the session is refreshed before it expires", { skip }, async () => {
  const minted = await mintSession({ ttlSeconds: 60 });
  let hookCalls = 0;
  const client = createClient({
    baseUrl,
    session: minted,
    fetchSession: async () => {
      hookCalls += 1;
      return mintSession();
    },
    // The clock says 45 s have passed: 15 s are left, inside the 30 s margin.
    now: () => Date.now() + 45_000,
    refreshMarginSeconds: 30,
  });
  const wallet = await client.balance();
  assert.equal(wallet.id, minted.walletId);
  assert.notEqual(client.session.sessionToken, minted.sessionToken);
  assert.equal(hookCalls, 0, "refreshed through /v1/sessions/refresh, not fetchSession");
  assert.ok(client.session.expiresAt > Date.parse(minted.expiresAt));
  assert.equal(await walletStatus(minted.sessionToken), 401, "the old token stops working");
  assert.equal(await walletStatus(client.session.sessionToken), 200);
});

test("a refresh that fails falls back to fetchSession", { skip }, async () => {
  const minted = await mintSession({ ttlSeconds: 60 });
  const revoked = await fetch(`${baseUrl}/v1/sessions/${minted.id}`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${secretKey}` },
  });
  assert.equal(revoked.status, 200);
  let hookCalls = 0;
  const client = createClient({
    baseUrl,
    session: minted,
    fetchSession: async () => {
      hookCalls += 1;
      return mintSession();
    },
    now: () => Date.now() + 45_000,
  });
  await client.balance();
  assert.equal(hookCalls, 1);
  assert.notEqual(client.session.sessionToken, minted.sessionToken);
});

test("session_expired is retried once with fetchSession", { skip }, async () => {
  const expired = process.env.LLMGATEWAY_EXPIRED_SESSION_TOKEN;
  const funded = JSON.parse(process.env.LLMGATEWAY_SESSION);
  assert.equal(
    (await fetch(`${baseUrl}/v1/wallet`, { headers: { Authorization: `Bearer ${expired}` } }))
      .status,
    401,
  );
  // The client believes the token is good for an hour: only the server's answer says otherwise.
  const stale = { sessionToken: expired, expiresAt: new Date(Date.now() + 3600e3).toISOString() };
  let hookCalls = 0;
  const client = createClient({
    baseUrl,
    session: stale,
    fetchSession: async () => {
      hookCalls += 1;
      return funded;
    },
  });
  const reply = await client.chat({ model: "test/echo", messages: HELLO });
  assert.equal(reply.choices[0].message.content, "Hello there from node");
  assert.equal(hookCalls, 1);

  // A hook that hands back another expired session: one retry, then the error.
  let stubbornCalls = 0;
  const stubborn = createClient({
    baseUrl,
    session: stale,
    fetchSession: async () => {
      stubbornCalls += 1;
      return stale;
    },
  });
  await assert.rejects(stubborn.balance(), { code: "session_expired", status: 401 });
  assert.equal(stubbornCalls, 1);

  // The socket too: session.auth with the expired token, renewed once, then the stream runs.
  hookCalls = 0;
  const socketClient = createClient({
    baseUrl,
    session: stale,
    transport: "websocket",
    fetchSession: async () => {
      hookCalls += 1;
      return funded;
    },
  });
  try {
    const stream = socketClient.stream({ model: "test/echo", messages: HELLO });
    assert.equal((await stream.result).content, "Hello there from node");
    assert.equal(hookCalls, 1);
  } finally {
    socketClient.close();
  }
});

test("onBalance is pushed the new balance when a simulated top-up lands", { skip }, async () => {
  const client = createClient({ baseUrl, session: await mintSession() });
  const seen = [];
  try {
    const unsubscribe = client.onBalance((balance) => seen.push(balance));
    await until(() => seen.length > 0, "the balance of session.ready");
    assert.deepEqual(seen, ["0.00"]);
    const topUp = await client.topUp(10);
    assert.equal(topUp.provider, "simulated");
    assert.equal(topUp.amount, "10.00");
    assert.equal(topUp.netCredit, "8.333333333"); // the project's markup is 20 %
    // A fresh HTTP read can't be what delivers the push: nothing below reads the wallet.
    await client.simulateTopUp(topUp.id, { outcome: "succeeded" });
    await until(() => seen.includes("8.333333333"), "the wallet.balance push");
    assert.equal((await client.getTopUp(topUp.id)).status, "succeeded");
    assert.equal((await client.balance()).balance, "8.333333333");
    unsubscribe();
  } finally {
    client.close();
  }
});
