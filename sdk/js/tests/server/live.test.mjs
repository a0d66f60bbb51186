// @llmgateway-sdk/server against a live gateway. Run by tests/sdk_js/test_server_package.py,
// which starts daphne (test-mode webhooks may go to loopback) and passes LLMGATEWAY_BASE_URL,
// LLMGATEWAY_SECRET_KEY (a sk_test_ key of a project whose organization holds test credits).

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { test } from "node:test";

import {
  AuthenticationError,
  InsufficientBalanceError,
  InvalidRequestError,
  LLMGateway,
  LLMGatewayError,
  NotFoundError,
  PermissionDeniedError,
  SignatureVerificationError,
} from "@llmgateway-sdk/server";

const baseUrl = process.env.LLMGATEWAY_BASE_URL;
const secretKey = process.env.LLMGATEWAY_SECRET_KEY;
const skip = !baseUrl && "needs a live gateway (run tests/sdk_js/test_server_package.py)";
const gateway = baseUrl && new LLMGateway({ secretKey, baseUrl });
const run = `${process.pid}`;

async function status(path, token) {
  return (await fetch(`${baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } }))
    .status;
}

test("mints a session with the seed's code, refreshes and revokes it", { skip }, async () => {
  const session = await gateway.sessions.create({
    customer: { externalId: `node_user_${run}` },
    scope: { models: ["test/echo"] },
  });
  const { sessionToken, walletId, expiresAt } = session;
  assert.match(sessionToken, /^es_test_/);
  assert.match(walletId, /^wal_/);
  assert.ok(Date.parse(expiresAt) > Date.now());
  assert.deepEqual(session.scope.models, ["test/echo"]);
  assert.ok(Array.isArray(session.allowedOrigins));
  assert.equal(await status("/v1/wallet", sessionToken), 200);

  const refreshed = await gateway.sessions.refresh(session);
  assert.equal(refreshed.walletId, walletId);
  assert.notEqual(refreshed.sessionToken, sessionToken);
  assert.equal(await status("/v1/wallet", sessionToken), 401); // the old token stopped working
  assert.equal(await status("/v1/wallet", refreshed.sessionToken), 200);

  const revoked = await gateway.sessions.revoke(session.id);
  assert.deepEqual(revoked, { id: session.id, status: "revoked" });
  assert.equal(await status("/v1/wallet", refreshed.sessionToken), 401);
});

test("a credit with an idempotency key grants once; the wallet shows it", { skip }, async () => {
  const { walletId } = await gateway.sessions.create({ customer: `node_credit_${run}` });
  const first = await gateway.wallets.credit(walletId, {
    amount: "2.50",
    reason: "welcome",
    idempotencyKey: `welcome_${run}`,
  });
  const again = await gateway.wallets.credit(walletId, {
    amount: "2.50",
    reason: "welcome",
    idempotencyKey: `welcome_${run}`,
  });
  assert.equal(first.replayed, false);
  assert.equal(again.replayed, true);
  assert.equal(again.id, first.id);
  const unkeyed = await gateway.wallets.credit(walletId, { amount: 1 });
  assert.equal(unkeyed.amount, "1.00");
  const wallet = await gateway.wallets.get(walletId);
  assert.equal(wallet.balance, "3.50");
  assert.equal(wallet.available, "3.50");
  await assert.rejects(
    gateway.wallets.credit(walletId, { amount: "1000000" }),
    (error) =>
      error instanceof InsufficientBalanceError &&
      error.status === 402 &&
      error.code === "insufficient_balance",
  );
  await assert.rejects(gateway.wallets.credit(walletId, { amount: 0.1 }), TypeError); // floats aren't exact
});

test("the ledger comes in pages, and for await walks them all", { skip }, async () => {
  const { walletId } = await gateway.sessions.create({ customer: `node_ledger_${run}` });
  for (const amount of ["1", "2", "3", "4", "5"]) {
    await gateway.wallets.credit(walletId, { amount });
  }

  const page = await gateway.wallets.ledger(walletId, { limit: 2 });
  assert.equal(page.data.length, 2);
  assert.equal(page.hasMore, true);
  const second = await page.nextPage();
  assert.equal(second.data.length, 2);
  assert.notEqual(second.data[0].id, page.data[0].id);

  const amounts = [];
  for await (const entry of gateway.wallets.ledger(walletId, { limit: 2 }))
    amounts.push(entry.amount);
  assert.deepEqual(amounts, ["5.00", "4.00", "3.00", "2.00", "1.00"]); // newest first, every page
  const seen = [];
  for await (const entry of second) seen.push(entry.amount);
  assert.deepEqual(seen, ["3.00", "2.00", "1.00"]);
});

test(
  "customers: create, read, list, block refuses new sessions with the API's reason",
  { skip },
  async () => {
    const externalId = `node_customer_${run}`;
    const created = await gateway.customers.create({
      externalId,
      email: `${externalId}@example.com`,
      name: "Ada",
    });
    assert.equal((await gateway.customers.get(`ext:${externalId}`)).id, created.id);
    const listed = [];
    for await (const customer of gateway.customers.list({ email: `${externalId}@example.com` }))
      listed.push(customer.id);
    assert.deepEqual(listed, [created.id]);

    assert.equal((await gateway.customers.block(created.id)).status, "blocked");
    const refused = await gateway.sessions.create({ customer: externalId }).catch((error) => error);
    assert.ok(refused instanceof PermissionDeniedError);
    assert.equal(refused.status, 403);
    assert.equal(refused.code, "customer_blocked");
    assert.deepEqual(Object.keys(refused.toJSON().error).sort(), [
      "code",
      "message",
      "param",
      "type",
    ]);
    assert.equal(refused.toJSON().error.code, "customer_blocked");
    assert.equal((await gateway.customers.unblock(created.id)).status, "active");
    assert.match(
      (await gateway.sessions.create({ customer: externalId })).sessionToken,
      /^es_test_/,
    );
  },
);

test("typed errors: an unknown key, an unknown wallet", { skip }, async () => {
  const stranger = new LLMGateway({
    secretKey: "sk_test_not_a_key_0123456789",
    baseUrl,
    maxRetries: 0,
  });
  await assert.rejects(
    stranger.balance.get(),
    (error) => error instanceof AuthenticationError && error.code === "invalid_api_key",
  );
  await assert.rejects(
    gateway.wallets.get("wal_missing"),
    (error) => error instanceof NotFoundError && error.status === 404,
  );
  const balance = await gateway.balance.get();
  assert.match(balance.credits, /^\d+\.\d+$/);
  assert.equal((await gateway.apiKeys.current()).livemode, false);
});

function receiver() {
  const deliveries = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, deliveries, url: `http://127.0.0.1:${server.address().port}/hooks` }),
    );
  });
}

async function firstDelivery(deliveries, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (deliveries.length === 0) {
    if (Date.now() > deadline) throw new Error("no webhook was delivered");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return deliveries[0];
}

test(
  "a real delivery verifies; tampering, another secret and age are refused",
  { skip },
  async () => {
    const { server, deliveries, url } = await receiver();
    try {
      const endpoint = await gateway.webhookEndpoints.create({ url, events: ["wallet.credited"] });
      assert.match(endpoint.secret, /^whsec_/);
      assert.equal((await gateway.webhookEndpoints.get(endpoint.id)).secret, undefined); // shown once
      const listed = [];
      for await (const item of gateway.webhookEndpoints.list()) listed.push(item.id);
      assert.deepEqual(listed, [endpoint.id]);

      const session = await gateway.sessions.create({ customer: `node_webhook_${run}` });
      const topUp = await gateway.topUps.create({ session, amount: "10.00" });
      assert.equal(topUp.provider, "simulated");
      await gateway.topUps.simulate(topUp.id, { session, outcome: "succeeded" });
      assert.equal(
        (await gateway.topUps.get(topUp.id, { session: session.sessionToken })).status,
        "succeeded",
      );

      const delivery = await firstDelivery(deliveries);
      const header = delivery.headers["llmgateway-signature"];
      const event = gateway.webhooks.constructEvent(delivery.body, header, endpoint.secret);
      assert.match(event.id, /^evt_/);
      assert.equal(event.type, "wallet.credited");
      assert.equal(event.livemode, false);
      assert.equal(event.data.walletId, session.walletId);
      assert.equal(event.data.netCredit, "8.333333333");
      gateway.webhooks.verify(delivery.body.toString("utf8"), header, endpoint.secret); // a string body too

      const tampered = Buffer.from(
        delivery.body.toString("utf8").replace("8.333333333", "9.333333333"),
      );
      assert.throws(
        () => gateway.webhooks.constructEvent(tampered, header, endpoint.secret),
        SignatureVerificationError,
      );
      assert.throws(
        () => gateway.webhooks.constructEvent(delivery.body, header, "whsec_not_this_one"),
        SignatureVerificationError,
      );
      const old = Math.floor(Date.now() / 1000) - 301;
      const signature = createHmac("sha256", endpoint.secret)
        .update(`${old}.`)
        .update(delivery.body)
        .digest("hex");
      assert.throws(
        () =>
          gateway.webhooks.constructEvent(
            delivery.body,
            `t=${old},v1=${signature}`,
            endpoint.secret,
          ),
        (error) => error instanceof SignatureVerificationError && /tolerance/.test(error.message),
      );
      // The same old delivery passes when the age check is off (replaying stored deliveries).
      gateway.webhooks.verify(delivery.body, `t=${old},v1=${signature}`, endpoint.secret, {
        tolerance: null,
      });

      const deleted = await gateway.webhookEndpoints.delete(endpoint.id);
      assert.deepEqual(deleted, { id: endpoint.id, object: "webhook_endpoint", deleted: true });
      await assert.rejects(gateway.webhookEndpoints.get(endpoint.id), NotFoundError);
    } finally {
      server.close();
    }
  },
);

test("a bad field is an InvalidRequestError that names it", { skip }, async () => {
  const error = await gateway.sessions
    .create({ customer: `node_ttl_${run}`, ttlSeconds: 5 })
    .catch((caught) => caught);
  assert.ok(error instanceof InvalidRequestError, String(error));
  assert.ok(error instanceof LLMGatewayError);
  assert.equal(error.status, 400);
  assert.equal(error.param, "ttlSeconds");
});
