// The browser client of the LLM gateway: chat, streams, images, embeddings and the end user's
// wallet with a short-lived session token (es_…). An ES module with no dependencies and no build
// step; the platform serves it at /static/llmgateway/client.js. Reference: docs/sdk-js.md.

const DEFAULT_REFRESH_MARGIN_SECONDS = 30;
const DEFAULT_MAX_RETRIES = 2;
const RETRY_DELAYS_MS = [500, 2000];
const RETRY_AFTER_MAX_MS = 30_000;
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 5000, 10000, 30000];
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
// Failures that the same call may get past later; every other 4xx (customer_blocked,
// origin_not_allowed, invalid_api_key…) answers the same until someone changes something.
const RETRYABLE_CODES = new Set([
  "connection_error",
  "connection_closed",
  "rate_limited",
  "upstream_error",
  "internal_error",
  "service_unavailable",
]);

/** Every failure the client reports: the API's error shape, plus the HTTP status. */
export class LLMGatewayError extends Error {
  constructor({
    code,
    message,
    status = null,
    param = null,
    type = null,
    retryAfterSeconds = null,
    cost,
    balance,
  } = {}) {
    super(message || code || "LLM gateway error");
    this.name = "LLMGatewayError";
    this.code = code || "unknown_error";
    this.status = status;
    this.param = param;
    this.type = type;
    this.retryAfterSeconds = retryAfterSeconds;
    // A stream that failed after output began was still billed for what it delivered.
    if (cost !== undefined) this.cost = cost;
    if (balance !== undefined) this.balance = balance;
  }
}

/**
 * Whether trying again later can succeed: a network failure, a 5xx, a 429 (after its
 * Retry-After). Never another 4xx: a blocked customer or a refused origin stays refused.
 */
export function isRetryable(error) {
  // fetch() rejects with a TypeError when the network (or a refused preflight) fails.
  if (!(error instanceof LLMGatewayError)) return error instanceof TypeError;
  if (RETRYABLE_CODES.has(error.code)) return true;
  return error.status === 429 || (typeof error.status === "number" && error.status >= 500);
}

/** An origin as browsers send it (`scheme://host[:port]`, default port dropped, IDN in
 * punycode, lower case), as the gateway stores allowed origins; null if it is none. */
export function normalizeOrigin(value) {
  try {
    const origin = new URL(String(value)).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** The error for a page whose origin the project doesn't allow (the dashboard can fix it). */
export function originNotAllowedError(pageOrigin) {
  return new LLMGatewayError({
    code: "origin_not_allowed",
    type: "permission_error",
    status: 403,
    message:
      `This page's origin ${pageOrigin} is not allowed for this project: ` +
      "add it in the dashboard (Project → Allowed origins).",
  });
}

function retryDelayMs(error, attempt, delays) {
  const backoff = delays[Math.min(attempt, delays.length - 1)];
  const serverSays = (error?.retryAfterSeconds ?? 0) * 1000;
  return Math.min(Math.max(backoff, serverSays), RETRY_AFTER_MAX_MS);
}

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * createClient({ session, fetchSession, baseUrl, transport, refreshMarginSeconds, now,
 *                fetch, WebSocket })
 *
 * `session`: the JSON your backend got from POST /v1/sessions (or just its sessionToken).
 * `fetchSession`: async () => that JSON, a fresh one; used when there is no session yet and
 * when the session expired. Either one is enough; with both, the client never stalls.
 */
export function createClient(options = {}) {
  return new Client(options);
}

function normalizeSession(value) {
  if (!value) throw new LLMGatewayError({ code: "no_session", message: "No session was given." });
  if (typeof value === "string") return { sessionToken: value, expiresAt: null };
  const sessionToken = value.sessionToken || value.session_token || value.token;
  if (!sessionToken) {
    throw new LLMGatewayError({
      code: "no_session",
      message: "fetchSession must resolve to the JSON of POST /v1/sessions (with sessionToken).",
    });
  }
  const expires = value.expiresAt || value.expires_at || null;
  return {
    ...value,
    sessionToken,
    expiresAt: expires ? new Date(expires).getTime() : null,
  };
}

async function errorFromResponse(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy's page, a network middlebox
  }
  const error = (body && body.error) || {};
  const retryAfter = Number.parseFloat(response.headers.get("retry-after") ?? "");
  return new LLMGatewayError({
    code: error.code || `http_${response.status}`,
    message: error.message || `The gateway answered ${response.status}.`,
    status: response.status,
    param: error.param ?? null,
    type: error.type ?? null,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null,
  });
}

function billingHeaders(response) {
  const billing = {};
  const cost = response.headers.get("x-llmgateway-cost");
  const balance = response.headers.get("x-llmgateway-balance");
  if (cost !== null) billing.cost = cost;
  if (balance !== null) billing.balance = balance;
  return billing;
}

class Client {
  constructor({
    session = null,
    fetchSession = null,
    baseUrl = "",
    transport = "sse",
    refreshMarginSeconds = DEFAULT_REFRESH_MARGIN_SECONDS,
    maxRetries = DEFAULT_MAX_RETRIES,
    now = () => Date.now(),
    pageOrigin = globalThis.location?.origin ?? null,
    fetch: fetchImpl = globalThis.fetch?.bind(globalThis),
    WebSocket: WebSocketImpl = globalThis.WebSocket,
  } = {}) {
    this.baseUrl = String(baseUrl).replace(/\/+$/, "");
    this.transport = transport;
    this.refreshMarginMs = refreshMarginSeconds * 1000;
    this.maxRetries = maxRetries;
    this.now = now;
    this.pageOrigin = normalizeOrigin(pageOrigin);
    this._originWarned = false;
    this._fetch = fetchImpl;
    this._WebSocket = WebSocketImpl;
    this._fetchSession = fetchSession;
    this._session = session ? normalizeSession(session) : null;
    this._renewing = null;
    this._balanceListeners = new Set();
    this._lastBalance = null;
    this._socket = null;
    this._closed = false;
    this._requestCounter = 0;
  }

  /** The current session (`sessionToken`, `expiresAt` in ms, `walletId`…), or null. */
  get session() {
    return this._session;
  }

  // --- sessions ---------------------------------------------------------------------------

  /** A usable token: fetched when there is none, refreshed when it is about to expire. */
  async token() {
    if (!this._session) await this._renew(() => this._sessionFromHook());
    const expiresAt = this._session.expiresAt;
    if (expiresAt !== null && expiresAt - this.now() < this.refreshMarginMs) {
      await this.refresh();
    }
    return this._session.sessionToken;
  }

  /** Exchange the token for a new one (POST /v1/sessions/refresh); fetchSession if that fails. */
  refresh() {
    const current = this._session;
    return this._renew(async () => {
      if (!current) return this._sessionFromHook();
      try {
        const response = await this._call(`${this.baseUrl}/v1/sessions/refresh`, {
          method: "POST",
          headers: { Authorization: `Bearer ${current.sessionToken}` },
        });
        if (!response.ok) throw await errorFromResponse(response);
        // The refresh answer has no scope; keep what the first session said about it.
        return { ...current, ...(await response.json()) };
      } catch (error) {
        if (!this._fetchSession) throw error;
        return this._sessionFromHook();
      }
    });
  }

  async _sessionFromHook() {
    if (!this._fetchSession) {
      throw new LLMGatewayError({
        code: "no_session",
        message: "The session expired and createClient() was given no fetchSession.",
      });
    }
    return this._fetchSession();
  }

  // After the gateway said session_expired to a call made with `token`: a new session through
  // fetchSession, unless another call already replaced that token (then the new one is used).
  _renewExpired(token) {
    if (this._session && this._session.sessionToken !== token) return Promise.resolve();
    return this._renew(() => this._sessionFromHook());
  }

  // One renewal at a time: concurrent requests that all see an old token wait for the same one.
  _renew(obtain) {
    if (!this._renewing) {
      this._renewing = (async () => {
        try {
          const previous = this._session;
          this._session = normalizeSession(await obtain());
          if (previous && previous.sessionToken !== this._session.sessionToken) {
            this._socket?.sessionChanged();
          }
        } finally {
          this._renewing = null;
        }
      })();
    }
    return this._renewing;
  }

  // --- origins ----------------------------------------------------------------------------

  /**
   * Whether the session says this page's origin may call the gateway: true or false, or null
   * when it can't tell (no page, a same-origin gateway, a session without `allowedOrigins`).
   */
  originAllowed() {
    const allowed = this._session?.allowedOrigins;
    if (!this.pageOrigin || !Array.isArray(allowed)) return null;
    const gatewayOrigin = normalizeOrigin(this.baseUrl || this.pageOrigin);
    if (gatewayOrigin === this.pageOrigin) return null; // no CORS between a page and itself
    return allowed.map(normalizeOrigin).includes(this.pageOrigin);
  }

  _warnAboutOrigin() {
    if (this._originWarned || this.originAllowed() !== false) return;
    this._originWarned = true;
    // Said before the first call: the browser will only report "Failed to fetch".
    globalThis.console?.warn?.(`LLM gateway: ${originNotAllowedError(this.pageOrigin).message}`);
  }

  // fetch(), with a network failure turned into an LLMGatewayError that says why if it can:
  // a refused CORS preflight looks exactly like a network failure to the page.
  async _call(url, init = {}) {
    try {
      return await this._fetch(url, init);
    } catch (error) {
      if (init.signal?.aborted || error?.name === "AbortError") throw error;
      if (this.originAllowed() === false) throw originNotAllowedError(this.pageOrigin);
      const gateway = normalizeOrigin(url) || url;
      const hint =
        this.pageOrigin && normalizeOrigin(url) !== this.pageOrigin
          ? ` If the gateway is up, check that this page's origin ${this.pageOrigin} is in the` +
            " project's allowed origins (the browser reports a refused origin as a network error)."
          : "";
      throw new LLMGatewayError({
        code: "connection_error",
        message: `Could not reach the gateway at ${gateway} (${error?.message || error}).${hint}`,
      });
    }
  }

  // --- HTTP -------------------------------------------------------------------------------

  async _send(token, method, path, body, { signal } = {}) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    this._warnAboutOrigin();
    return this._call(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  }

  // Reads (GET) are retried on what can succeed later (network, 5xx, 429) with backoff; a
  // write is never repeated behind the caller's back.
  async _response(method, path, body, options) {
    const retries = method === "GET" ? this.maxRetries : 0;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this._responseOnce(method, path, body, options);
      } catch (error) {
        if (attempt >= retries || !isRetryable(error) || options?.signal?.aborted) throw error;
        await sleep(retryDelayMs(error, attempt, RETRY_DELAYS_MS));
      }
    }
  }

  // A response that is OK, after at most one retry with a new session on session_expired.
  async _responseOnce(method, path, body, options) {
    let token = await this.token();
    let response = await this._send(token, method, path, body, options);
    if (response.ok) return response;
    let error = await errorFromResponse(response);
    if (error.code === "session_expired" && this._fetchSession) {
      await this._renewExpired(token);
      token = await this.token();
      response = await this._send(token, method, path, body, options);
      if (response.ok) return response;
      error = await errorFromResponse(response);
    }
    throw error;
  }

  async request(method, path, body, options) {
    const response = await this._response(method, path, body, options);
    const json = await response.json();
    return { json, billing: billingHeaders(response) };
  }

  // --- models -----------------------------------------------------------------------------

  /** POST /v1/chat/completions: the OpenAI answer plus `x_llmgateway: {cost, balance}`. */
  async chat(params) {
    const { json, billing } = await this.request("POST", "/v1/chat/completions", {
      ...params,
      stream: false,
    });
    this._noteBalance(billing.balance);
    return { ...json, x_llmgateway: billing };
  }

  /** POST /v1/images/generations, with `x_llmgateway: {cost, balance}`. */
  async images(params) {
    const { json, billing } = await this.request("POST", "/v1/images/generations", params);
    this._noteBalance(billing.balance);
    return { ...json, x_llmgateway: billing };
  }

  /** POST /v1/embeddings, with `x_llmgateway: {cost, balance}`. */
  async embeddings(params) {
    const { json, billing } = await this.request("POST", "/v1/embeddings", params);
    this._noteBalance(billing.balance);
    return { ...json, x_llmgateway: billing };
  }

  /** GET /v1/models: the models this session may use, with prices. */
  async models() {
    return (await this.request("GET", "/v1/models")).json;
  }

  /**
   * A streamed chat: `for await (const text of client.stream({model, messages}))` yields the
   * text deltas; `await stream.result` gives `{content, usage, cost, balance, finishReason}`.
   * `transport`: "sse" (HTTP) or "websocket" (the client's shared socket on /v1/ws).
   */
  stream(params, { transport = this.transport, signal } = {}) {
    const chatStream = new ChatStream();
    const run = transport === "websocket" ? this._streamWebSocket : this._streamSse;
    run.call(this, params, chatStream, signal).then(
      (result) => {
        this._noteBalance(result.balance);
        chatStream.finish(result);
      },
      (error) => {
        if (error && error.balance !== undefined) this._noteBalance(error.balance);
        chatStream.fail(error);
      },
    );
    return chatStream;
  }

  async _streamSse(params, chatStream, signal) {
    const controller = new AbortController();
    chatStream.cancel = () => controller.abort();
    if (signal) signal.addEventListener("abort", () => controller.abort(), { once: true });
    const response = await this._response(
      "POST",
      "/v1/chat/completions",
      { ...params, stream: true },
      { signal: controller.signal },
    );
    const result = { content: "", usage: null, cost: null, balance: null, finishReason: null };
    let failure = null;
    try {
      for await (const data of sseEvents(response.body)) {
        if (data === "[DONE]") break;
        const event = JSON.parse(data);
        if (event.error) {
          failure = event.error;
          continue;
        }
        const choice = event.choices && event.choices[0];
        if (choice && choice.delta && choice.delta.content) {
          result.content += choice.delta.content;
          chatStream.push(choice.delta.content);
        }
        if (choice && choice.finish_reason) result.finishReason = choice.finish_reason;
        if (event.usage) result.usage = event.usage;
        if (event.x_llmgateway) {
          result.cost = event.x_llmgateway.cost ?? null;
          result.balance = event.x_llmgateway.balance ?? null;
        }
      }
    } catch (error) {
      if (controller.signal.aborted) {
        result.finishReason = "cancelled";
        return result;
      }
      throw new LLMGatewayError({ code: "connection_error", message: String(error?.message) });
    }
    if (failure) {
      throw new LLMGatewayError({
        ...failure,
        status: response.status,
        cost: result.cost,
        balance: result.balance,
      });
    }
    return result;
  }

  async _streamWebSocket(params, chatStream, signal) {
    const socket = this._ensureSocket();
    const id = `c${++this._requestCounter}-${Math.random().toString(36).slice(2, 8)}`;
    let retried = false;
    for (;;) {
      await socket.ready();
      const token = socket.token;
      try {
        return await socket.chat(id, params, chatStream, signal);
      } catch (error) {
        if (error.code !== "session_expired" || retried || !this._fetchSession) throw error;
        retried = true;
        await this._renewExpired(token);
      }
    }
  }

  // --- the wallet -------------------------------------------------------------------------

  /** GET /v1/wallet: `{id, balance, held, available, currency, recentLedger}` (USD strings). */
  async balance() {
    const wallet = (await this.request("GET", "/v1/wallet")).json;
    this._noteBalance(wallet.balance);
    return wallet;
  }

  /** POST /v1/wallet/top-ups: `{id, provider, clientSecret, publishableKey, amount, …}`. */
  async topUp(amount) {
    return (await this.request("POST", "/v1/wallet/top-ups", { amount: String(amount) })).json;
  }

  /** GET /v1/wallet/top-ups/{id}. */
  async getTopUp(id) {
    return (await this.request("GET", `/v1/wallet/top-ups/${encodeURIComponent(id)}`)).json;
  }

  /** Test mode, simulated provider: confirm (or fail) a top-up as the card network would. */
  async simulateTopUp(id, { outcome = "succeeded" } = {}) {
    const path = `/v1/wallet/top-ups/${encodeURIComponent(id)}/simulate`;
    return (await this.request("POST", path, { outcome })).json;
  }

  /** GET /v1/config: publishable Stripe keys and payment providers by mode. */
  async config() {
    const response = await this._call(`${this.baseUrl}/v1/config`);
    if (!response.ok) throw await errorFromResponse(response);
    return response.json();
  }

  /**
   * Live balance: `callback(balance)` with the balance when the socket is ready and at every
   * `wallet.balance` push (a top-up landed, another tab spent). Returns the unsubscribe function.
   */
  onBalance(callback) {
    this._balanceListeners.add(callback);
    const socket = this._ensureSocket();
    socket.ready().catch(() => {}); // failures are retried by the socket and reported to onError
    if (this._lastBalance !== null) queueMicrotask(() => callback(this._lastBalance));
    return () => {
      this._balanceListeners.delete(callback);
    };
  }

  _noteBalance(balance) {
    if (balance === undefined || balance === null || balance === this._lastBalance) return;
    this._lastBalance = balance;
    for (const listener of [...this._balanceListeners]) {
      try {
        listener(balance);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  _ensureSocket() {
    if (this._closed) {
      throw new LLMGatewayError({ code: "client_closed", message: "This client was closed." });
    }
    if (!this._socket) this._socket = new GatewaySocket(this);
    return this._socket;
  }

  /** Close the socket and stop its timers (a page that goes away needn't call it). */
  close() {
    this._closed = true;
    this._socket?.close();
    this._socket = null;
  }
}

// --- streams ------------------------------------------------------------------------------

/** An async iterable of text deltas with a `result` promise and `cancel()`. */
class ChatStream {
  constructor() {
    this._queue = [];
    this._waiting = null;
    this._done = false;
    this._error = null;
    this.cancel = () => {};
    this.result = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    // Iterating surfaces the failure; an unobserved `result` must not be an unhandled rejection.
    this.result.catch(() => {});
  }

  push(text) {
    this._queue.push(text);
    this._wake();
  }

  finish(result) {
    this._done = true;
    this._resolve(result);
    this._wake();
  }

  fail(error) {
    this._done = true;
    this._error = error;
    this._reject(error);
    this._wake();
  }

  _wake() {
    if (this._waiting) {
      const wake = this._waiting;
      this._waiting = null;
      wake();
    }
  }

  async *[Symbol.asyncIterator]() {
    let finished = false;
    try {
      for (;;) {
        if (this._queue.length) {
          yield this._queue.shift();
        } else if (this._done) {
          finished = true;
          if (this._error) throw this._error;
          return;
        } else {
          await new Promise((resolve) => {
            this._waiting = resolve;
          });
        }
      }
    } finally {
      if (!finished && !this._done) this.cancel(); // the loop was left early: stop paying
    }
  }
}

/** `data:` payloads of a text/event-stream body. */
async function* sseEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (data) yield data;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

// --- the WebSocket ------------------------------------------------------------------------

/** The client's one socket on /v1/ws: chats by id, balance pushes, reconnects after a close. */
class GatewaySocket {
  constructor(client) {
    this.client = client;
    this.chats = new Map();
    this.ws = null;
    this.readyPromise = null;
    this.closed = false;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.refreshTimer = null;
    this.token = null; // the session token the open socket authenticated with
  }

  get url() {
    const base = this.client.baseUrl || globalThis.location?.origin || "";
    return `${base.replace(/^http/, "ws")}/v1/ws`;
  }

  ready() {
    if (!this.readyPromise) {
      this.readyPromise = this._connect();
      this.readyPromise.catch((error) => {
        this.readyPromise = null;
        this._scheduleReconnect(error);
      });
    }
    return this.readyPromise;
  }

  async _connect() {
    const WebSocketImpl = this.client._WebSocket;
    if (!WebSocketImpl) {
      throw new LLMGatewayError({
        code: "websocket_unavailable",
        message: "No WebSocket here: pass createClient({WebSocket}) (Node < 22).",
      });
    }
    let token = await this.client.token();
    let renewed = false;
    for (;;) {
      try {
        return await this._open(WebSocketImpl, token);
      } catch (error) {
        // An expired session is renewed once through fetchSession, as for HTTP.
        if (error.code !== "session_expired" || renewed || !this.client._fetchSession) throw error;
        renewed = true;
        await this.client._renewExpired(token);
        token = this.client._session.sessionToken;
      }
    }
  }

  _open(WebSocketImpl, token) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocketImpl(this.url);
      this.ws = ws;
      let authenticated = false;
      let lastError = null;
      ws.onopen = () => ws.send(JSON.stringify({ type: "session.auth", token }));
      ws.onmessage = (event) => {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch {
          return;
        }
        if (!authenticated) {
          if (message.type === "session.ready") {
            authenticated = true;
            this.token = token;
            this.attempt = 0;
            this._scheduleRefresh();
            this.client._noteBalance(message.balance);
            resolve(ws);
          } else if (message.type === "error") {
            lastError = message.error;
          }
          return;
        }
        this._dispatch(message);
      };
      ws.onclose = (event) => {
        if (this.ws === ws) this.ws = null;
        if (!authenticated) {
          reject(this._refusal(lastError, event.code));
          return;
        }
        this._closed(event);
      };
    });
  }

  // Why the socket was refused before session.ready, from its error message and close code.
  _refusal(lastError, closeCode) {
    const pageOrigin = this.client.pageOrigin;
    if (lastError?.code === "origin_not_allowed" && pageOrigin) {
      return originNotAllowedError(pageOrigin);
    }
    const status = { [CLOSE_UNAUTHORIZED]: 401, [CLOSE_FORBIDDEN]: 403 }[closeCode] ?? null;
    return new LLMGatewayError({
      code: lastError?.code || "connection_error",
      message: lastError?.message || `The socket closed (${closeCode}).`,
      status,
    });
  }

  _dispatch(message) {
    if (message.type === "wallet.balance") {
      this.client._noteBalance(message.balance);
      return;
    }
    const chat = message.id !== undefined ? this.chats.get(message.id) : undefined;
    if (message.type === "chat.delta" && chat) {
      chat.content += message.content;
      chat.stream.push(message.content);
    } else if (message.type === "chat.done" && chat) {
      this.chats.delete(message.id);
      chat.resolve({
        content: chat.content,
        usage: message.usage ?? null,
        cost: message.cost ?? null,
        balance: message.balance ?? null,
        finishReason: message.finish_reason ?? null,
      });
    } else if (message.type === "error" && chat) {
      this.chats.delete(message.id);
      chat.reject(
        new LLMGatewayError({ ...message.error, cost: message.cost, balance: message.balance }),
      );
    }
  }

  async chat(id, params, stream, signal) {
    const ws = await this.ready();
    return new Promise((resolve, reject) => {
      this.chats.set(id, { content: "", stream, resolve, reject });
      const cancel = () => {
        if (this.chats.has(id) && this.ws === ws) {
          ws.send(JSON.stringify({ type: "chat.cancel", id }));
        }
      };
      stream.cancel = cancel;
      if (signal) signal.addEventListener("abort", cancel, { once: true });
      ws.send(JSON.stringify({ ...params, type: "chat.request", id }));
    });
  }

  _closed(event) {
    this.readyPromise = null;
    clearTimeout(this.refreshTimer);
    const error = new LLMGatewayError({
      code: event.code === CLOSE_UNAUTHORIZED ? "session_expired" : "connection_closed",
      message: `The socket closed (${event.code}) before the answer ended.`,
    });
    for (const [id, chat] of this.chats) {
      this.chats.delete(id);
      chat.reject(error);
    }
    // Closed as forbidden (the customer was blocked…): a new socket would be refused too. An
    // expired session is renewed by the reconnection itself.
    if (event.code !== CLOSE_FORBIDDEN) this._scheduleReconnect();
  }

  // Only a socket somebody listens to is worth keeping open, and only if it can succeed: a
  // session the backend refused (customer_blocked…) or a refused origin is not retried.
  _scheduleReconnect(error) {
    if (this.closed || this.client._balanceListeners.size === 0 || this.reconnectTimer) return;
    if (error && !isRetryable(error)) return;
    const delay = retryDelayMs(error, this.attempt, RECONNECT_DELAYS_MS);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed && !this.readyPromise) this.ready().catch(() => {});
    }, delay);
  }

  // Refresh ahead of expiry so a socket left open for pushes keeps a live session.
  _scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    const expiresAt = this.client._session?.expiresAt;
    if (!expiresAt) return;
    const wait = Math.max(0, expiresAt - this.client.now() - this.client.refreshMarginMs);
    this.refreshTimer = setTimeout(() => {
      if (!this.closed) this.client.refresh().catch(() => {});
    }, wait);
    this.refreshTimer.unref?.(); // Node: a pending refresh alone doesn't keep the process up
  }

  // The old token stops working at once: reconnect with the new one when no chat is running.
  sessionChanged() {
    if (!this.ws || this.closed) return;
    const ws = this.ws;
    if (this.chats.size === 0) {
      this.ws = null;
      this.readyPromise = null;
      ws.onclose = null;
      ws.close(1000);
      if (this.client._balanceListeners.size > 0) this.ready().catch(() => {});
    }
    // With chats in flight the server closes the socket; _closed() reconnects afterwards.
  }

  close() {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.refreshTimer);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000);
      this.ws = null;
    }
    const error = new LLMGatewayError({ code: "client_closed", message: "The client was closed." });
    for (const [id, chat] of this.chats) {
      this.chats.delete(id);
      chat.reject(error);
    }
  }
}
