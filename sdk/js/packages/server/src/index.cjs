"use strict";
// @llmgateway-sdk/server: mint browser sessions, manage customers and wallets, pay out, verify
// webhooks. CommonJS; index.mjs re-exports the same objects for `import` (one copy of every
// class, so `instanceof` holds whichever way it was loaded). Reference: docs/sdk-js.md.

const errors = require("./errors.cjs");
const { LLMGateway } = require("./client.cjs");
const { Page, PagePromise } = require("./pagination.cjs");
const {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  Webhooks,
  constructEvent,
  verifyHeader,
} = require("./webhooks.cjs");
const { VERSION } = require("./version.cjs");

module.exports = {
  LLMGateway,
  Page,
  PagePromise,
  Webhooks,
  constructEvent,
  verifyHeader,
  SIGNATURE_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
  VERSION,
  LLMGatewayError: errors.LLMGatewayError,
  AuthenticationError: errors.AuthenticationError,
  PermissionDeniedError: errors.PermissionDeniedError,
  PaymentRequiredError: errors.PaymentRequiredError,
  InsufficientBalanceError: errors.InsufficientBalanceError,
  SpendCapExceededError: errors.SpendCapExceededError,
  WalletFrozenError: errors.WalletFrozenError,
  InvalidRequestError: errors.InvalidRequestError,
  NotFoundError: errors.NotFoundError,
  ConflictError: errors.ConflictError,
  IdempotencyError: errors.IdempotencyError,
  RateLimitError: errors.RateLimitError,
  APIError: errors.APIError,
  UpstreamError: errors.UpstreamError,
  APIConnectionError: errors.APIConnectionError,
  APITimeoutError: errors.APITimeoutError,
  SignatureVerificationError: errors.SignatureVerificationError,
};
