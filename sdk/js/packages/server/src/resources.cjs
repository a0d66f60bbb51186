"use strict";
// The API's resources as methods: `gateway.sessions.create(…)`, `gateway.wallets.ledger(…)`, …
// Each method is one operation of the OpenAPI schema (tests/sdk/test_openapi_coverage.py checks
// them all); results are the API's JSON (camelCase, USD amounts as decimal strings).

const { dropEmpty, newIdempotencyKey, pathSegment, usdString } = require("./http.cjs");
const { paginate } = require("./pagination.cjs");

class Resource {
  constructor(transport) {
    Object.defineProperty(this, "_transport", { value: transport, enumerable: false });
  }

  async _call(operation) {
    return (await this._transport.send(operation)).body;
  }

  _list(path, query) {
    return paginate(
      (cursor) => this._call({ method: "GET", path, query: { ...query, cursor } }),
      query.cursor,
    );
  }
}

/** A session token (es_…) from a token string or a session object. */
function sessionToken(session) {
  const token = typeof session === "string" ? session : session?.sessionToken;
  if (!token || !String(token).startsWith("es_")) {
    throw new TypeError(
      "pass the session (or its sessionToken, es_…) that sessions.create returned",
    );
  }
  return token;
}

function customerReference(customer) {
  if (typeof customer === "string") return customer;
  if (customer && typeof customer === "object" && customer.externalId) return dropEmpty(customer);
  throw new TypeError('customer is your user\'s id ("user_123") or { externalId, email?, name? }');
}

function sessionScope(scope) {
  const body = dropEmpty({ ...scope });
  if (body.models !== undefined) body.models = [...body.models];
  if (body.maxSpend !== undefined) body.maxSpend = usdString(body.maxSpend);
  return body;
}

class Sessions extends Resource {
  /**
   * Mint a browser session for one of your users: `customer` is their id (or
   * `{externalId, email?, name?}`); `scope` is `{models?, maxSpend?}`; `ttlSeconds` 60–3600.
   * Hand the whole answer to the browser.
   */
  create({ customer, scope, ttlSeconds } = {}) {
    const body = { customer: customerReference(customer) };
    if (scope) body.scope = sessionScope(scope);
    if (ttlSeconds !== undefined) body.ttlSeconds = ttlSeconds;
    return this._call({ method: "POST", path: "/v1/sessions", body });
  }

  /** Exchange a session's token for a new one (scope and spend carry over; the old token stops working). */
  refresh(session) {
    return this._call({
      method: "POST",
      path: "/v1/sessions/refresh",
      token: sessionToken(session),
    });
  }

  /** Revoke at once: the session's token is refused from the next request on. */
  revoke(sessionId) {
    return this._call({ method: "DELETE", path: `/v1/sessions/${pathSegment(sessionId)}` });
  }
}

class Customers extends Resource {
  list({ limit, cursor, email } = {}) {
    return this._list("/v1/customers", { limit, cursor, email });
  }

  /** `customerId` is `cus_…` or `ext:<your external id>`. */
  get(customerId) {
    return this._call({ method: "GET", path: `/v1/customers/${pathSegment(customerId)}` });
  }

  create({ externalId, email, name, metadata } = {}) {
    const body = dropEmpty({ externalId, email, name, metadata });
    return this._call({ method: "POST", path: "/v1/customers", body });
  }

  /** Change what you pass; `status: "blocked"` also revokes every session of the customer. */
  update(customerId, { email, name, status, metadata } = {}) {
    const body = dropEmpty({ email, name, status, metadata });
    return this._call({ method: "PATCH", path: `/v1/customers/${pathSegment(customerId)}`, body });
  }

  block(customerId) {
    return this.update(customerId, { status: "blocked" });
  }

  unblock(customerId) {
    return this.update(customerId, { status: "active" });
  }
}

class Wallets extends Resource {
  get(walletId) {
    return this._call({ method: "GET", path: `/v1/wallets/${pathSegment(walletId)}` });
  }

  /**
   * Grant `amount` USD from the organization's credits. Always keyed: without an
   * `idempotencyKey` one is generated, so the SDK's own retries never grant twice; pass your
   * own (your order id) to make your retries safe too. `replayed` is true when the key had
   * already granted (the first grant's answer comes back).
   */
  async credit(walletId, { amount, reason, idempotencyKey } = {}) {
    const key = idempotencyKey ?? newIdempotencyKey();
    const body = dropEmpty({ amount: usdString(amount), reason, idempotencyKey: key });
    const path = `/v1/wallets/${pathSegment(walletId)}/credits`;
    const { status, body: credit } = await this._transport.send({
      method: "POST",
      path,
      body,
      idempotencyKey: key,
    });
    return { ...credit, replayed: status === 200 };
  }

  /** The wallet's entries, newest first: `await` for a page, `for await` for all of them. */
  ledger(walletId, { limit, cursor } = {}) {
    return this._list(`/v1/wallets/${pathSegment(walletId)}/ledger`, { limit, cursor });
  }
}

class TopUps extends Resource {
  /** A top-up of the session's wallet (`amount` USD): the end user then pays it (Stripe or simulated). */
  create({ session, amount } = {}) {
    const body = { amount: usdString(amount) };
    return this._call({
      method: "POST",
      path: "/v1/wallet/top-ups",
      body,
      token: sessionToken(session),
    });
  }

  get(topUpId, { session } = {}) {
    const path = `/v1/wallet/top-ups/${pathSegment(topUpId)}`;
    return this._call({ method: "GET", path, token: sessionToken(session) });
  }

  /** Test mode, simulated provider: confirm (or fail) a top-up as the card network would. */
  simulate(topUpId, { session, outcome = "succeeded" } = {}) {
    const path = `/v1/wallet/top-ups/${pathSegment(topUpId)}/simulate`;
    return this._call({ method: "POST", path, body: { outcome }, token: sessionToken(session) });
  }
}

class Balance extends Resource {
  /** The organization's `{credits, marginAvailable, marginReserved, marginPaid}`. */
  get() {
    return this._call({ method: "GET", path: "/v1/balance" });
  }
}

class ApiKeys extends Resource {
  /** The key this client calls with: its mode, project and permissions. */
  current() {
    return this._call({ method: "GET", path: "/v1/api-keys/current" });
  }
}

class Payouts extends Resource {
  /** Pay out `amount` USD of margin (default: all available). Live mode only; always keyed. */
  async create({ amount, idempotencyKey } = {}) {
    const key = idempotencyKey ?? newIdempotencyKey();
    const body = { idempotencyKey: key };
    if (amount !== undefined && amount !== null) body.amount = usdString(amount);
    const { status, body: payout } = await this._transport.send({
      method: "POST",
      path: "/v1/payouts",
      body,
      idempotencyKey: key,
    });
    return { ...payout, replayed: status === 200 };
  }

  list({ limit, cursor } = {}) {
    return this._list("/v1/payouts", { limit, cursor });
  }

  get(payoutId) {
    return this._call({ method: "GET", path: `/v1/payouts/${pathSegment(payoutId)}` });
  }
}

class Connect extends Resource {
  /** Start (or resume) Stripe Connect Express onboarding: send the developer to `url`. */
  onboarding({ returnUrl, refreshUrl } = {}) {
    const body = dropEmpty({ returnUrl, refreshUrl });
    return this._call({ method: "POST", path: "/v1/connect/onboarding", body });
  }

  status() {
    return this._call({ method: "GET", path: "/v1/connect/status" });
  }
}

class WebhookEndpoints extends Resource {
  /** Register `url`; the answer's `secret` (whsec_…) is shown only now. */
  create({ url, events } = {}) {
    const body = { url };
    if (events !== undefined) body.events = [...events];
    return this._call({ method: "POST", path: "/v1/webhook-endpoints", body });
  }

  list({ limit, cursor } = {}) {
    return this._list("/v1/webhook-endpoints", { limit, cursor });
  }

  get(endpointId) {
    return this._call({ method: "GET", path: `/v1/webhook-endpoints/${pathSegment(endpointId)}` });
  }

  delete(endpointId) {
    return this._call({
      method: "DELETE",
      path: `/v1/webhook-endpoints/${pathSegment(endpointId)}`,
    });
  }
}

module.exports = {
  ApiKeys,
  Balance,
  Connect,
  Customers,
  Payouts,
  Sessions,
  TopUps,
  Wallets,
  WebhookEndpoints,
};
