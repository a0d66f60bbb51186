"use strict";
// The errors of @llmgateway-sdk/server: one class per kind of API failure, chosen from the
// error's code, then its HTTP status — the same classes as the Python SDK (sdk/python).
// Every API error body is {"error": {type, code, message, param}}.

/** Base class of every error this SDK throws for an API call. */
class LLMGatewayError extends Error {
  constructor(
    message,
    {
      status = null,
      code = null,
      type = null,
      param = null,
      requestId = null,
      headers = {},
      body = null,
      cause,
    } = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.type = type;
    this.param = param;
    this.requestId = requestId;
    this.headers = headers;
    this.body = body;
  }

  /**
   * The API's error shape, `{error: {type, code, message, param}}`: what your session route
   * answers (with `status`) so the browser elements show the gateway's real reason.
   */
  toJSON() {
    return {
      error: {
        type: this.type || "api_error",
        code: this.code || "api_error",
        message: this.message,
        param: this.param,
      },
    };
  }
}

/** 401: an unknown or revoked key (`invalid_api_key`), an expired or revoked session token. */
class AuthenticationError extends LLMGatewayError {}
/** 403: `permission_denied`, `model_not_allowed`, `origin_not_allowed`, `customer_blocked`, `sessions_disabled`. */
class PermissionDeniedError extends LLMGatewayError {}
/** 402: the money isn't there (see the subclasses). */
class PaymentRequiredError extends LLMGatewayError {}
/** 402 `insufficient_balance`: the wallet (or the organization's credits) can't cover it. */
class InsufficientBalanceError extends PaymentRequiredError {}
/** 402 `spend_cap_exceeded`: the session's `maxSpend` would be passed. */
class SpendCapExceededError extends PaymentRequiredError {}
/** 402 `wallet_frozen`: an operator froze the wallet. */
class WalletFrozenError extends PaymentRequiredError {}
/** 400 (and 405, 415, 422): a bad body, field or query; `param` names the field when known. */
class InvalidRequestError extends LLMGatewayError {}
/** 404 `not_found`: no such object for this key (other projects' and modes' objects too). */
class NotFoundError extends LLMGatewayError {}
/** 409: the request conflicts with the current state. */
class ConflictError extends LLMGatewayError {}
/** 409 `idempotency_conflict`: an idempotency key was reused with different parameters. */
class IdempotencyError extends ConflictError {}

/** 429 `rate_limited`; `retryAfter` is the server's Retry-After in seconds, if any. */
class RateLimitError extends LLMGatewayError {
  get retryAfter() {
    return retryAfterSeconds(this.headers);
  }
}

/** A 5xx answer, or an answer the SDK could not understand. */
class APIError extends LLMGatewayError {}
/** 502 `upstream_error`: the model or payment provider failed; nothing was charged. */
class UpstreamError extends APIError {}
/** The request never got an HTTP answer: connection refused or reset, DNS, TLS. */
class APIConnectionError extends LLMGatewayError {}
/** The request timed out. */
class APITimeoutError extends APIConnectionError {}

/** A webhook's `LLMGateway-Signature` header is missing, malformed, wrong or too old. */
class SignatureVerificationError extends LLMGatewayError {
  constructor(message, { header = null } = {}) {
    super(message);
    this.header = header;
  }
}

const BY_CODE = {
  insufficient_balance: InsufficientBalanceError,
  spend_cap_exceeded: SpendCapExceededError,
  wallet_frozen: WalletFrozenError,
  idempotency_conflict: IdempotencyError,
  upstream_error: UpstreamError,
  rate_limited: RateLimitError,
};

const BY_STATUS = {
  400: InvalidRequestError,
  401: AuthenticationError,
  402: PaymentRequiredError,
  403: PermissionDeniedError,
  404: NotFoundError,
  405: InvalidRequestError,
  409: ConflictError,
  415: InvalidRequestError,
  422: InvalidRequestError,
  429: RateLimitError,
};

/** The most specific class: a known code first, then the status. */
function errorClassFor(status, code) {
  if (code && Object.hasOwn(BY_CODE, code)) return BY_CODE[code];
  if (Object.hasOwn(BY_STATUS, status)) return BY_STATUS[status];
  return status >= 500 || status < 400 ? APIError : InvalidRequestError;
}

/** The error for a non-2xx answer (`body`: its parsed JSON, or null; `headers`: lower-cased). */
function errorFromResponse({ status, body, headers, text = "" }) {
  const error =
    body && typeof body === "object" && body.error && typeof body.error === "object"
      ? body.error
      : {};
  const code = typeof error.code === "string" ? error.code : null;
  const message = error.message || text.trim().slice(0, 500) || `HTTP ${status}`;
  const ErrorClass = errorClassFor(status, code);
  return new ErrorClass(String(message), {
    status,
    code,
    type: error.type ?? null,
    param: error.param ?? null,
    requestId: headers["x-request-id"] || headers["request-id"] || null,
    headers,
    body,
  });
}

/** Retry-After as seconds: a number, or an HTTP date turned into seconds from now; else null. */
function retryAfterSeconds(headers) {
  const value = String(headers?.["retry-after"] ?? "").trim();
  if (!value) return null;
  let seconds = Number(value);
  if (!Number.isFinite(seconds)) {
    const when = Date.parse(value);
    if (Number.isNaN(when)) return null;
    seconds = (when - Date.now()) / 1000;
  }
  return Math.max(seconds, 0);
}

module.exports = {
  LLMGatewayError,
  AuthenticationError,
  PermissionDeniedError,
  PaymentRequiredError,
  InsufficientBalanceError,
  SpendCapExceededError,
  WalletFrozenError,
  InvalidRequestError,
  NotFoundError,
  ConflictError,
  IdempotencyError,
  RateLimitError,
  APIError,
  UpstreamError,
  APIConnectionError,
  APITimeoutError,
  SignatureVerificationError,
  errorClassFor,
  errorFromResponse,
  retryAfterSeconds,
};
