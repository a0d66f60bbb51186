// Types of @llmgateway-sdk/client (client.js): the browser client of the gateway.

/** A USD decimal string as the API sends it, e.g. "8.333333333". */
export type Usd = string;

/** The JSON your backend got from POST /v1/sessions (pass all of it), or just its token. */
export type SessionInput =
  | string
  | {
      sessionToken: string;
      expiresAt?: string | number | null;
      walletId?: string;
      allowedOrigins?: string[];
      [field: string]: unknown;
    };

/** The client's current session; `expiresAt` in milliseconds since the epoch. */
export interface ClientSession {
  sessionToken: string;
  expiresAt: number | null;
  walletId?: string;
  allowedOrigins?: string[];
  [field: string]: unknown;
}

export type Transport = "sse" | "websocket";

export interface ClientOptions {
  session?: SessionInput | null;
  /** Your backend's route: resolves to a fresh session JSON. Called when there is none, when a refresh fails, on session_expired. */
  fetchSession?: (() => Promise<SessionInput>) | null;
  /** The gateway, e.g. "https://gateway.example" (default: same origin). */
  baseUrl?: string;
  /** How `stream()` streams (default "sse"). */
  transport?: Transport;
  /** Refresh this long before `expiresAt` (default 30). */
  refreshMarginSeconds?: number;
  /** Retries of a read that failed in a way that can pass (default 2). */
  maxRetries?: number;
  /** The clock, in ms (default Date.now). */
  now?: () => number;
  /** The page's origin (default location.origin). */
  pageOrigin?: string | null;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool" | "developer";
  content: string | unknown[] | null;
  [field: string]: unknown;
}

/** OpenAI's chat body; `stream` is set by the client. */
export interface ChatParams {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  [field: string]: unknown;
}

/** What the gateway says a call cost, and the wallet's balance after it. */
export interface Billing {
  cost?: Usd;
  balance?: Usd;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [field: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  model: string;
  choices: Array<{
    index: number;
    message: { role: "assistant"; content: string | null; [field: string]: unknown };
    finish_reason: string | null;
  }>;
  usage?: Usage;
  x_llmgateway: Billing;
  [field: string]: unknown;
}

export interface StreamResult {
  content: string;
  usage: Usage | null;
  cost: Usd | null;
  balance: Usd | null;
  finishReason: string | null;
}

/** `for await (const text of stream)`; `await stream.result`; `stream.cancel()`. */
export interface ChatStream extends AsyncIterable<string> {
  readonly result: Promise<StreamResult>;
  cancel(): void;
}

export interface LedgerLine {
  id: string;
  type: string;
  amount: Usd;
  description: string;
  createdAt: string;
  [field: string]: unknown;
}

export interface WalletView {
  id: string;
  balance: Usd;
  held: Usd;
  available: Usd;
  currency: "usd";
  recentLedger: LedgerLine[];
  [field: string]: unknown;
}

export interface TopUp {
  id: string;
  provider: "stripe" | "simulated";
  status: "pending" | "succeeded" | "failed" | "canceled" | "refunded" | (string & {});
  amount: Usd;
  fee: Usd;
  total: Usd;
  netCredit: Usd;
  margin: Usd;
  clientSecret: string;
  publishableKey: string | null;
  failureMessage: string | null;
  [field: string]: unknown;
}

export interface LLMGatewayErrorFields {
  code?: string;
  message?: string;
  status?: number | null;
  param?: string | null;
  type?: string | null;
  retryAfterSeconds?: number | null;
  cost?: Usd;
  balance?: Usd;
}

/** Every failure the client reports: the API's error shape, plus the HTTP status. */
export declare class LLMGatewayError extends Error {
  constructor(fields?: LLMGatewayErrorFields);
  /** insufficient_balance, origin_not_allowed, customer_blocked, session_expired, …, or the client's own (no_session, connection_error, …). */
  code: string;
  status: number | null;
  param: string | null;
  type: string | null;
  retryAfterSeconds: number | null;
  /** Set when a stream failed after output began: what it was billed. */
  cost?: Usd;
  balance?: Usd;
}

export interface LLMGatewayClient {
  readonly baseUrl: string;
  readonly transport: Transport;
  readonly pageOrigin: string | null;
  /** The current session, or null. */
  readonly session: ClientSession | null;
  token(): Promise<string>;
  refresh(): Promise<void>;
  originAllowed(): boolean | null;
  request(
    method: string,
    path: string,
    body?: unknown,
    options?: { signal?: AbortSignal },
  ): Promise<{ json: unknown; billing: Billing }>;
  chat(params: ChatParams): Promise<ChatCompletion>;
  stream(params: ChatParams, options?: { transport?: Transport; signal?: AbortSignal }): ChatStream;
  images(params: {
    model: string;
    prompt: string;
    [field: string]: unknown;
  }): Promise<{ data: unknown[]; x_llmgateway: Billing; [field: string]: unknown }>;
  embeddings(params: {
    model: string;
    input: string | string[];
    [field: string]: unknown;
  }): Promise<{ data: unknown[]; x_llmgateway: Billing; [field: string]: unknown }>;
  models(): Promise<{ object: "list"; data: Array<{ id: string; [field: string]: unknown }> }>;
  balance(): Promise<WalletView>;
  topUp(amount: string | number): Promise<TopUp>;
  getTopUp(id: string): Promise<TopUp>;
  simulateTopUp(id: string, options?: { outcome?: "succeeded" | "failed" }): Promise<TopUp>;
  config(): Promise<Record<string, unknown>>;
  /** Live balance over the WebSocket; returns the unsubscribe function. */
  onBalance(callback: (balance: Usd) => void): () => void;
  close(): void;
}

export declare function createClient(options?: ClientOptions): LLMGatewayClient;
/** Whether trying again later can succeed: a network failure, a 5xx, a 429. Never another 4xx. */
export declare function isRetryable(error: unknown): boolean;
/** An origin as browsers send it, or null. */
export declare function normalizeOrigin(value: unknown): string | null;
/** The error for a page whose origin the project doesn't allow. */
export declare function originNotAllowedError(pageOrigin: string): LLMGatewayError;
