"use strict";
// What every call of @llmgateway-sdk/server goes through: building the request, the retry
// policy (the Python SDK's: sdk/python/src/llmgateway_server/_core.py) and turning the answer
// into a result or one of the typed errors.

const { randomUUID } = require("node:crypto");

const {
  APIConnectionError,
  APIError,
  APITimeoutError,
  errorFromResponse,
  retryAfterSeconds,
} = require("./errors.cjs");
const { VERSION } = require("./version.cjs");

const DEFAULT_BASE_URL = "http://127.0.0.1:8000";
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 2;
const INITIAL_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8_000;
// A Retry-After longer than this is not waited for: the error goes to the caller instead.
const MAX_RETRY_AFTER_MS = 60_000;
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
// Errors of a connection that never opened: nothing was sent, so even a POST may be resent.
const NOT_CONNECTED_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** A key for a write that must never apply twice, when the caller gave none. */
function newIdempotencyKey() {
  return `sdk_${randomUUID().replaceAll("-", "")}`;
}

/** An id as one URL path segment (`ext:user 1` → `ext:user%201`). */
function pathSegment(value) {
  if (typeof value !== "string" || !value) {
    throw new TypeError("an object id must be a non-empty string");
  }
  return encodeURIComponent(value).replaceAll("%3A", ":").replaceAll("%40", "@");
}

/** A USD amount for the API: a decimal string. Fractional numbers are refused (0.1 isn't exact). */
function usdString(amount) {
  if (typeof amount === "bigint") return amount.toString();
  if (typeof amount === "number") {
    if (!Number.isSafeInteger(amount)) {
      throw new TypeError(`give USD amounts as strings ("0.10"), or whole numbers: got ${amount}`);
    }
    return String(amount);
  }
  if (typeof amount !== "string" || !/^-?\d+(\.\d+)?$/.test(amount.trim())) {
    throw new TypeError(`not a USD amount: ${JSON.stringify(amount)}`);
  }
  return amount.trim();
}

/** `{a: undefined, b: 1}` → `{b: 1}`: absent and null mean the same to the API. */
function dropEmpty(values) {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined && value !== null),
  );
}

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Milliseconds to wait before retry number `attempt + 1`, or null: don't retry. */
function retryDelayMs(attempt, headers) {
  const retryAfter = headers ? retryAfterSeconds(headers) : null;
  if (retryAfter !== null) {
    return retryAfter * 1000 <= MAX_RETRY_AFTER_MS ? retryAfter * 1000 : null;
  }
  const backoff = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** attempt, MAX_RETRY_DELAY_MS);
  return backoff * (0.5 + Math.random() / 2); // jitter: clients failing together don't retry together
}

function lowerCaseHeaders(headers) {
  const result = {};
  headers.forEach((value, name) => {
    result[name.toLowerCase()] = value;
  });
  return result;
}

/** The settings and the request loop a client shares with its resources. */
class Transport {
  constructor({
    secretKey,
    baseUrl,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxRetries = DEFAULT_MAX_RETRIES,
    fetch: fetchImpl,
  } = {}) {
    // A missing key is reported by the first call, not here: a framework's build imports the
    // module that makes the client (Next.js collecting a route) where no secret is set.
    const key =
      secretKey || process.env.LLMGATEWAY_SECRET_KEY || process.env.LLMGATEWAY_API_KEY || null;
    if (key?.startsWith("es_")) {
      throw new TypeError(
        "an es_ session token belongs in the browser; the server SDK needs a secret key",
      );
    }
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new TypeError("maxRetries must be 0 or more");
    }
    const base =
      baseUrl || process.env.LLMGATEWAY_BASE_URL || process.env.LLMGATEWAY_URL || DEFAULT_BASE_URL;
    this.baseUrl = base.replace(/\/+$/, "").replace(/\/v1$/, "");
    this.timeoutMs = timeoutMs;
    this.maxRetries = maxRetries;
    this._fetch = fetchImpl || globalThis.fetch;
    if (typeof this._fetch !== "function") {
      throw new TypeError("no fetch: use Node 18+ or pass { fetch }");
    }
    // Not enumerable: printing or serializing the client never shows the key.
    Object.defineProperty(this, "_secretKey", { value: key, enumerable: false });
  }

  /**
   * Send one operation: `{method, path, query?, body?, idempotencyKey?, token?}` (`token`: a
   * session token for the es_ endpoints instead of the secret key). Resolves to
   * `{status, body}` of a 2xx answer; throws the matching LLMGatewayError otherwise.
   */
  async send(operation) {
    const authorization = this._authorization(operation.token);
    const retryable =
      IDEMPOTENT_METHODS.has(operation.method) || operation.idempotencyKey !== undefined;
    for (let attempt = 0; ; attempt += 1) {
      let response;
      try {
        response = await this._fetchOnce(operation, authorization);
      } catch (error) {
        const neverConnected = NOT_CONNECTED_CODES.has(error?.cause?.code);
        const delay =
          attempt < this.maxRetries && (retryable || neverConnected)
            ? retryDelayMs(attempt, null)
            : null;
        if (delay === null) throw connectionError(error);
        await sleep(delay);
        continue;
      }
      if (response.ok) {
        return { status: response.status, body: await jsonBody(response, operation) };
      }
      const headers = lowerCaseHeaders(response.headers);
      const delay =
        attempt < this.maxRetries && retryable && RETRYABLE_STATUSES.has(response.status)
          ? retryDelayMs(attempt, headers)
          : null;
      if (delay === null) {
        const text = await response.text();
        let body = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // not JSON: a proxy's error page
        }
        throw errorFromResponse({
          status: response.status,
          body,
          headers,
          text: body === null ? text : "",
        });
      }
      await response.body?.cancel();
      await sleep(delay);
    }
  }

  _authorization(token) {
    const key =
      token ||
      this._secretKey ||
      process.env.LLMGATEWAY_SECRET_KEY ||
      process.env.LLMGATEWAY_API_KEY;
    if (!key) {
      throw new TypeError(
        "pass { secretKey } (or set LLMGATEWAY_SECRET_KEY): a sk_test_/sk_live_ key",
      );
    }
    return `Bearer ${key}`;
  }

  _fetchOnce({ method, path, query, body, idempotencyKey }, authorization) {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(dropEmpty(query || {}))) {
      url.searchParams.set(name, String(value));
    }
    const headers = {
      Authorization: authorization,
      Accept: "application/json",
      "User-Agent": `llmgateway-server-node/${VERSION}`,
    };
    if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return this._fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }
}

async function jsonBody(response, { method, path }) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new APIError(`The gateway's answer to ${method} ${path} is not JSON.`, {
      status: response.status,
      headers: lowerCaseHeaders(response.headers),
    });
  }
}

function connectionError(error) {
  if (error?.name === "TimeoutError" || error?.name === "AbortError") {
    return new APITimeoutError(`The request timed out: ${error.message}`, { cause: error });
  }
  const reason = error?.cause?.code || error?.cause?.message || error?.message || String(error);
  return new APIConnectionError(`Could not reach the LLM gateway: ${reason}`, { cause: error });
}

module.exports = {
  Transport,
  dropEmpty,
  newIdempotencyKey,
  pathSegment,
  usdString,
  DEFAULT_BASE_URL,
};
