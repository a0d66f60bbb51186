// Types of @llmgateway-sdk/server (the same for `import` and `require`).

/** A USD amount: a decimal string ("5.00"), or a whole number of dollars. */
export type Amount = string | number | bigint;
/** A USD decimal string as the API sends it, e.g. "8.333333333". */
export type Usd = string;
/** An ISO 8601 timestamp string. */
export type Timestamp = string;

export interface LLMGatewayOptions {
  /** A secret key, sk_test_… or sk_live_… (default: $LLMGATEWAY_SECRET_KEY). */
  secretKey?: string;
  /** The gateway, e.g. "https://gateway.example" (default: $LLMGATEWAY_BASE_URL, else http://127.0.0.1:8000). */
  baseUrl?: string;
  /** Per request, default 30000. */
  timeoutMs?: number;
  /** Retries of what can be sent again safely (reads, keyed writes), default 2. */
  maxRetries?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

export interface CustomerReference {
  externalId: string;
  email?: string;
  name?: string;
}

export interface SessionScopeInput {
  /** Model ids the session may call (default: the project's). */
  models?: readonly string[];
  /** A spend cap for the session, USD. */
  maxSpend?: Amount;
}

export interface SessionCreateParams {
  /** Your user's id, or `{ externalId, email?, name? }`: the customer and wallet are made on first sight. */
  customer: string | CustomerReference;
  scope?: SessionScopeInput;
  /** 60–3600, default 900. */
  ttlSeconds?: number;
}

export interface SessionScope {
  models: string[];
  maxSpend: Usd | null;
  spent: Usd;
}

/** The answer of POST /v1/sessions: hand all of it to the browser. */
export interface Session {
  id: string;
  object: "session";
  /** es_test_… or es_live_…: the only credential the browser gets. */
  sessionToken: string;
  walletId: string;
  customerId: string;
  expiresAt: Timestamp;
  livemode: boolean;
  scope: SessionScope;
  /** The project's allowed page origins (lets the browser client explain a refused origin). */
  allowedOrigins: string[];
}

export interface RefreshedSession {
  id: string;
  sessionToken: string;
  walletId: string;
  expiresAt: Timestamp;
  allowedOrigins: string[];
}

export interface RevokedSession {
  id: string;
  status: "revoked";
}

/** A session token, or a session object holding one. */
export type SessionLike = string | { sessionToken: string };

export interface Customer {
  id: string;
  externalId: string;
  email: string;
  name: string;
  status: "active" | "blocked";
  livemode: boolean;
  walletId: string;
  metadata: Record<string, unknown>;
  createdAt: Timestamp;
}

export interface Wallet {
  id: string;
  customerId: string;
  balance: Usd;
  held: Usd;
  available: Usd;
  currency: "usd";
  status: string;
  livemode: boolean;
}

export interface WalletCredit {
  id: string;
  walletId: string;
  amount: Usd;
  reason: string;
  balance: Usd;
  createdAt: Timestamp;
  /** True when this idempotency key had already granted: this is the first grant's answer. */
  replayed: boolean;
}

export interface LedgerEntry {
  id: string;
  transactionId: string;
  type: string;
  amount: Usd;
  description: string;
  createdAt: Timestamp;
  [field: string]: unknown;
}

export interface TopUp {
  id: string;
  object: "top_up";
  walletId: string;
  provider: "stripe" | "simulated";
  status: "pending" | "succeeded" | "failed" | "canceled" | "refunded" | (string & {});
  amount: Usd;
  fee: Usd;
  total: Usd;
  netCredit: Usd;
  margin: Usd;
  currency: "usd";
  clientSecret: string;
  publishableKey: string | null;
  failureMessage: string | null;
  livemode: boolean;
  createdAt: Timestamp;
}

export interface OrganizationBalance {
  credits: Usd;
  marginAvailable: Usd;
  marginReserved: Usd;
  marginPaid: Usd;
  livemode: boolean | null;
}

export interface ApiKey {
  id: string;
  name: string;
  displayPrefix: string;
  livemode: boolean;
  projectId: string;
  permissions: string[];
  createdAt: Timestamp;
  lastUsedAt: Timestamp | null;
}

export interface Payout {
  id: string;
  amount: Usd;
  currency: "usd";
  status: string;
  automatic: boolean;
  transferId: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: Timestamp;
  paidAt: Timestamp | null;
  livemode: boolean;
  /** On create: true when this idempotency key had already paid out. */
  replayed?: boolean;
}

export interface ConnectOnboarding {
  accountId: string;
  url: string;
}

export interface ConnectStatus {
  accountId: string | null;
  onboarded: boolean;
  payoutsEnabled: boolean;
  livemode: boolean | null;
}

export type WebhookEventType =
  "wallet.credited" | "wallet.low_balance" | "wallet.refunded" | "payout.paid" | "payout.failed";

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  livemode: boolean;
  status: string;
  createdAt: Timestamp;
  /** whsec_…: only in the answer of `create`. */
  secret?: string | null;
}

export interface DeletedObject {
  id: string;
  object: string;
  deleted: true;
}

/** A verified webhook delivery. */
export interface WebhookEvent<Data = Record<string, unknown>> {
  id: string;
  type: WebhookEventType | (string & {});
  /** Unix seconds. */
  created: number;
  livemode: boolean;
  data: Data;
}

export interface ListParams {
  limit?: number;
  cursor?: string;
}

/** One page of a list: iterate it with `for await` to walk every later page too. */
export declare class Page<T> implements AsyncIterable<T> {
  private constructor();
  readonly data: T[];
  readonly hasMore: boolean;
  readonly nextCursor: string | null;
  nextPage(): Promise<Page<T> | null>;
  autoPagingIter(): AsyncGenerator<T, void, undefined>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

/** `await` it for the first page; `for await (const item of …)` for every item of every page. */
export declare class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  private constructor();
  then<A = Page<T>, B = never>(
    onFulfilled?: ((page: Page<T>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B>;
  catch<B = never>(
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<Page<T> | B>;
  finally(onFinally?: (() => void) | null): Promise<Page<T>>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

declare class Sessions {
  private constructor();
  create(params: SessionCreateParams): Promise<Session>;
  refresh(session: SessionLike): Promise<RefreshedSession>;
  revoke(sessionId: string): Promise<RevokedSession>;
}

declare class Customers {
  private constructor();
  list(params?: ListParams & { email?: string }): PagePromise<Customer>;
  /** `customerId`: cus_… or `ext:<your external id>`. */
  get(customerId: string): Promise<Customer>;
  create(params: {
    externalId: string;
    email?: string;
    name?: string;
    metadata?: Record<string, unknown>;
  }): Promise<Customer>;
  update(
    customerId: string,
    params: {
      email?: string;
      name?: string;
      status?: "active" | "blocked";
      metadata?: Record<string, unknown>;
    },
  ): Promise<Customer>;
  block(customerId: string): Promise<Customer>;
  unblock(customerId: string): Promise<Customer>;
}

declare class Wallets {
  private constructor();
  get(walletId: string): Promise<Wallet>;
  credit(
    walletId: string,
    params: { amount: Amount; reason?: string; idempotencyKey?: string },
  ): Promise<WalletCredit>;
  ledger(walletId: string, params?: ListParams): PagePromise<LedgerEntry>;
}

declare class TopUps {
  private constructor();
  create(params: { session: SessionLike; amount: Amount }): Promise<TopUp>;
  get(topUpId: string, params: { session: SessionLike }): Promise<TopUp>;
  simulate(
    topUpId: string,
    params: { session: SessionLike; outcome?: "succeeded" | "failed" },
  ): Promise<TopUp>;
}

declare class BalanceResource {
  private constructor();
  get(): Promise<OrganizationBalance>;
}

declare class ApiKeys {
  private constructor();
  current(): Promise<ApiKey>;
}

declare class Payouts {
  private constructor();
  create(params?: { amount?: Amount; idempotencyKey?: string }): Promise<Payout>;
  list(params?: ListParams): PagePromise<Payout>;
  get(payoutId: string): Promise<Payout>;
}

declare class Connect {
  private constructor();
  onboarding(params?: { returnUrl?: string; refreshUrl?: string }): Promise<ConnectOnboarding>;
  status(): Promise<ConnectStatus>;
}

declare class WebhookEndpoints {
  private constructor();
  create(params: {
    url: string;
    events?: readonly (WebhookEventType | (string & {}))[];
  }): Promise<WebhookEndpoint>;
  list(params?: ListParams): PagePromise<WebhookEndpoint>;
  get(endpointId: string): Promise<WebhookEndpoint>;
  delete(endpointId: string): Promise<DeletedObject>;
}

/** The raw body of a webhook request, exactly as received. */
export type WebhookPayload = string | Uint8Array | ArrayBuffer;
/** The `LLMGateway-Signature` header as your framework hands it over. */
export type WebhookHeader = string | string[] | null | undefined;
export interface VerifyOptions {
  /** Seconds a delivery may be old (default 300); null skips the check (stored deliveries in tests). */
  tolerance?: number | null;
}

export declare class Webhooks {
  readonly SIGNATURE_HEADER: "LLMGateway-Signature";
  verify(
    payload: WebhookPayload,
    header: WebhookHeader,
    secret: string,
    options?: VerifyOptions,
  ): void;
  verifyHeader(
    payload: WebhookPayload,
    header: WebhookHeader,
    secret: string,
    options?: VerifyOptions,
  ): void;
  constructEvent<Data = Record<string, unknown>>(
    payload: WebhookPayload,
    header: WebhookHeader,
    secret: string,
    options?: VerifyOptions,
  ): WebhookEvent<Data>;
}

export declare class LLMGateway {
  constructor(options?: LLMGatewayOptions);
  readonly baseUrl: string;
  readonly maxRetries: number;
  readonly sessions: Sessions;
  readonly customers: Customers;
  readonly wallets: Wallets;
  /** The session's wallet top-ups, called with that session's token (es_…). */
  readonly topUps: TopUps;
  /** The organization's balance. */
  readonly balance: BalanceResource;
  readonly apiKeys: ApiKeys;
  readonly payouts: Payouts;
  readonly connect: Connect;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly webhooks: Webhooks;
  /** Any endpoint the SDK has no method for; resolves to the decoded JSON answer. */
  request<T = unknown>(
    method: string,
    path: `/${string}`,
    options?: {
      query?: Record<string, string | number | boolean | null | undefined>;
      body?: unknown;
      idempotencyKey?: string;
    },
  ): Promise<T>;
}

export declare function verifyHeader(
  payload: WebhookPayload,
  header: WebhookHeader,
  secret: string,
  options?: VerifyOptions,
): void;
export declare function constructEvent<Data = Record<string, unknown>>(
  payload: WebhookPayload,
  header: WebhookHeader,
  secret: string,
  options?: VerifyOptions,
): WebhookEvent<Data>;
export declare const SIGNATURE_HEADER: "LLMGateway-Signature";
export declare const DEFAULT_TOLERANCE_SECONDS: 300;
export declare const VERSION: string;

export interface LLMGatewayErrorFields {
  status?: number | null;
  code?: string | null;
  type?: string | null;
  param?: string | null;
  requestId?: string | null;
  headers?: Record<string, string>;
  body?: unknown;
  cause?: unknown;
}

/** Base class of every error the SDK throws for an API call. */
export declare class LLMGatewayError extends Error {
  constructor(message: string, fields?: LLMGatewayErrorFields);
  /** The HTTP status, or null when there was no answer. */
  readonly status: number | null;
  /** The API's error code: insufficient_balance, customer_blocked, … */
  readonly code: string | null;
  readonly type: string | null;
  /** The field at fault, when the API named one. */
  readonly param: string | null;
  readonly requestId: string | null;
  /** The answer's headers, lower-cased. */
  readonly headers: Record<string, string>;
  readonly body: unknown;
  /** `{error: {type, code, message, param}}`: the API's shape, for your route to pass on. */
  toJSON(): { error: { type: string; code: string; message: string; param: string | null } };
}
/** 401: invalid_api_key, session_expired, session_revoked. */
export declare class AuthenticationError extends LLMGatewayError {}
/** 403: permission_denied, model_not_allowed, origin_not_allowed, customer_blocked, sessions_disabled. */
export declare class PermissionDeniedError extends LLMGatewayError {}
/** 402. */
export declare class PaymentRequiredError extends LLMGatewayError {}
/** 402 insufficient_balance. */
export declare class InsufficientBalanceError extends PaymentRequiredError {}
/** 402 spend_cap_exceeded. */
export declare class SpendCapExceededError extends PaymentRequiredError {}
/** 402 wallet_frozen. */
export declare class WalletFrozenError extends PaymentRequiredError {}
/** 400, 405, 415, 422. */
export declare class InvalidRequestError extends LLMGatewayError {}
/** 404 not_found. */
export declare class NotFoundError extends LLMGatewayError {}
/** 409. */
export declare class ConflictError extends LLMGatewayError {}
/** 409 idempotency_conflict. */
export declare class IdempotencyError extends ConflictError {}
/** 429 rate_limited. */
export declare class RateLimitError extends LLMGatewayError {
  /** The server's Retry-After in seconds, or null. */
  readonly retryAfter: number | null;
}
/** A 5xx, or an answer the SDK could not understand. */
export declare class APIError extends LLMGatewayError {}
/** 502 upstream_error: nothing was charged. */
export declare class UpstreamError extends APIError {}
/** No HTTP answer: connection refused or reset, DNS, TLS. */
export declare class APIConnectionError extends LLMGatewayError {}
/** The request timed out. */
export declare class APITimeoutError extends APIConnectionError {}
/** A webhook signature that is missing, malformed, wrong or too old. */
export declare class SignatureVerificationError extends LLMGatewayError {
  constructor(message: string, options?: { header?: string | null });
  readonly header: string | null;
}
