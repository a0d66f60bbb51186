// Types of react.js, the main export of @llmgateway-sdk/elements: React components and hooks.
import type { HTMLAttributes, ReactElement, ReactNode } from "react";

import type {
  ChatMessage,
  LLMGatewayClient,
  LLMGatewayError,
  SessionInput,
  StreamResult,
  TopUp,
  Transport,
  Usd,
} from "./client.js";

export { LLMGatewayError, createClient, isRetryable } from "./client.js";
export { errorText } from "./elements.js";
export type {
  LLMGatewayClient,
  SessionInput,
  StreamResult,
  TopUp,
  Transport,
  Usd,
} from "./client.js";

export interface LLMGatewayProviderProps {
  /** Your backend's session route (a URL the provider POSTs to), or an async function resolving to the session JSON. */
  fetchSession?: string | (() => Promise<SessionInput>);
  /** A session you already have. */
  session?: SessionInput;
  /** The gateway, e.g. "https://gateway.example" (default: the page's origin). */
  baseUrl?: string;
  transport?: Transport;
  /** A test-mode page: a badge, and a live session is refused. */
  test?: boolean;
  children?: ReactNode;
}

type ElementProps = Omit<HTMLAttributes<HTMLElement>, "onError" | "placeholder">;

export interface ChatProps extends ElementProps {
  /** A model id the session may use, e.g. "test/echo". */
  model: string;
  transport?: Transport;
  maxTokens?: number;
  /** A system prompt. */
  system?: string;
  /** USD offered when the balance is too low (default 10). */
  buyAmount?: number | string;
  placeholder?: string;
  onReply?: (result: StreamResult) => void;
  onError?: (error: LLMGatewayError) => void;
}

export interface CreditBalanceProps extends HTMLAttributes<HTMLElement> {
  /** The label (default "Balance"). */
  children?: ReactNode;
}

export interface BuyCreditsProps extends Omit<HTMLAttributes<HTMLElement>, "onError"> {
  /** USD, e.g. 10; without it the element shows an amount field. */
  amount?: number | string;
  onCredited?: (topUp: TopUp) => void;
  onError?: (error: LLMGatewayError) => void;
}

export declare function LLMGatewayProvider(props: LLMGatewayProviderProps): ReactElement;
export declare function Chat(props: ChatProps): ReactElement;
export declare function CreditBalance(props: CreditBalanceProps): ReactElement;
export declare function BuyCredits(props: BuyCreditsProps): ReactElement;

/** The provider's client, or null before it mounted. */
export declare function useLLMGatewayClient(): LLMGatewayClient | null;

export interface BalanceState {
  /** USD, live; null until known. */
  balance: Usd | null;
  /** Why the balance could not be read (the API's reason in `code`), or null. */
  error: LLMGatewayError | null;
}
export declare function useBalance(): BalanceState;

export interface UseChatOptions {
  model: string;
  transport?: Transport;
  maxTokens?: number;
}
export interface ChatState {
  messages: ChatMessage[];
  send(content: string): Promise<void>;
  stop(): void;
  streaming: boolean;
  error: LLMGatewayError | null;
  /** The last answer's cost, USD. */
  cost: Usd | null;
}
export declare function useChat(options: UseChatOptions): ChatState;
