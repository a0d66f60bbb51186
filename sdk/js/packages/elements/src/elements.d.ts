// Types of elements.js: the Web Components (importing it defines the custom elements).
import type {
  LLMGatewayClient,
  LLMGatewayError,
  SessionInput,
  StreamResult,
  TopUp,
} from "./client.js";

export { LLMGatewayError, createClient } from "./client.js";

/** The text an element shows for `error`. */
export declare function errorText(error: unknown): string;

/** <llmgateway-provider fetch-session base-url transport test>: the session and client the elements inside share. */
export declare class LLMGatewayProviderElement extends HTMLElement {
  fetchSession: (() => Promise<SessionInput>) | null;
  session: SessionInput | null;
  readonly client: LLMGatewayClient;
  /** Show `error` above the elements; null hides the notice. */
  showError(error: LLMGatewayError | null): void;
}

/** <llmgateway-balance>: the wallet's balance, live. */
export declare class LLMGatewayBalanceElement extends HTMLElement {
  balance: string | null;
}

/** <llmgateway-buy-credits amount>: buys credits (Stripe, or a simulated card in test mode). */
export declare class LLMGatewayBuyCreditsElement extends HTMLElement {
  get amount(): string;
  set amount(value: string | number | null | undefined);
}

/** <llmgateway-chat model transport max-tokens system buy-amount placeholder>: a streamed, billed chat. */
export declare class LLMGatewayChatElement extends HTMLElement {
  messages: Array<{ role: "user" | "assistant"; content: string }>;
  send(text: string): Promise<void>;
}

export interface LLMGatewayEventMap {
  "llmgateway-reply": CustomEvent<StreamResult>;
  "llmgateway-topup": CustomEvent<{ topUp: TopUp }>;
  "llmgateway-error": CustomEvent<{ error: LLMGatewayError }>;
}

declare global {
  interface HTMLElementTagNameMap {
    "llmgateway-provider": LLMGatewayProviderElement;
    "llmgateway-balance": LLMGatewayBalanceElement;
    "llmgateway-buy-credits": LLMGatewayBuyCreditsElement;
    "llmgateway-chat": LLMGatewayChatElement;
  }
  interface HTMLElementEventMap extends LLMGatewayEventMap {}
}
