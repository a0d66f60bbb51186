"use strict";
// `LLMGateway`: the server-side client of the gateway. Keep the secret key on your backend.

const { Transport } = require("./http.cjs");
const resources = require("./resources.cjs");
const { Webhooks } = require("./webhooks.cjs");

class LLMGateway {
  /**
   * new LLMGateway({ secretKey, baseUrl, timeoutMs?, maxRetries?, fetch? })
   * `secretKey` defaults to $LLMGATEWAY_SECRET_KEY, `baseUrl` to $LLMGATEWAY_BASE_URL.
   */
  constructor(options = {}) {
    const transport = new Transport(options);
    Object.defineProperty(this, "_transport", { value: transport, enumerable: false });
    this.sessions = new resources.Sessions(transport);
    this.customers = new resources.Customers(transport);
    this.wallets = new resources.Wallets(transport);
    this.topUps = new resources.TopUps(transport);
    this.balance = new resources.Balance(transport);
    this.apiKeys = new resources.ApiKeys(transport);
    this.payouts = new resources.Payouts(transport);
    this.connect = new resources.Connect(transport);
    this.webhookEndpoints = new resources.WebhookEndpoints(transport);
    this.webhooks = new Webhooks();
  }

  get baseUrl() {
    return this._transport.baseUrl;
  }

  get maxRetries() {
    return this._transport.maxRetries;
  }

  /** Any endpoint the SDK has no method for: the decoded JSON answer. */
  async request(method, path, { query, body, idempotencyKey } = {}) {
    if (!String(path).startsWith("/")) throw new TypeError("path starts with /, e.g. /v1/models");
    const operation = { method: String(method).toUpperCase(), path, query, body, idempotencyKey };
    return (await this._transport.send(operation)).body;
  }
}

module.exports = { LLMGateway };
