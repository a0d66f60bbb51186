"use client";
// React bindings for the gateway's Web Components: thin wrappers, no build step. React is a
// peer dependency imported as "react" (a bundler resolves it; in a plain page, an import map).
// The main export of @llmgateway-sdk/elements; also served at /static/llmgateway/react.js.
// Client components: server rendering emits the bare tags, the browser upgrades them.
// Reference: docs/sdk-js.md.

import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from "react";

import { errorText } from "./elements.js";

export { LLMGatewayError, createClient, isRetryable } from "./client.js";
export { errorText };

const ClientContext = createContext(null);

/** The client of the nearest <LLMGatewayProvider>, or null until it has mounted. */
export function useLLMGatewayClient() {
  return useContext(ClientContext);
}

// Attach DOM event listeners to a custom element (React 18 doesn't for custom events).
function useElementEvents(ref, handlers) {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const names = Object.keys(latest.current);
    const listeners = names.map((name) => {
      const listener = (event) => latest.current[name]?.(event.detail, event);
      element.addEventListener(name, listener);
      return [name, listener];
    });
    return () => listeners.forEach(([name, listener]) => element.removeEventListener(name, listener));
  }, [ref]);
}

function attributes({ test, ...rest }) {
  const result = {};
  for (const [name, value] of Object.entries(rest)) {
    if (value !== undefined && value !== null && value !== false) result[name] = String(value);
  }
  if (test) result.test = "";
  return result;
}

/**
 * <LLMGatewayProvider fetchSession={async () => (await fetch("/session", {method: "POST"})).json()}
 *                     baseUrl="https://gateway.example" test>
 */
export function LLMGatewayProvider({ fetchSession, session, baseUrl, transport, test, children }) {
  const ref = useRef(null);
  const [client, setClient] = useState(null);
  useEffect(() => {
    const element = ref.current;
    if (session) element.session = session;
    if (typeof fetchSession === "function") element.fetchSession = fetchSession;
    setClient(element.client);
  }, [fetchSession, session]);
  // The URL is rendered (also on the server), so the elements can start before the effect runs.
  const route = typeof fetchSession === "string" ? fetchSession : undefined;
  return createElement(
    "llmgateway-provider",
    {
      ref,
      ...attributes({ "base-url": baseUrl, "fetch-session": route, transport, test }),
    },
    createElement(ClientContext.Provider, { value: client }, children),
  );
}

/** <Chat model="test/echo" onReply={(result) => …} onError={(error) => …} /> */
export function Chat({ model, transport, maxTokens, system, buyAmount, placeholder, onReply, onError, ...rest }) {
  const ref = useRef(null);
  useElementEvents(ref, {
    "llmgateway-reply": onReply,
    "llmgateway-error": (detail) => onError?.(detail.error),
  });
  return createElement("llmgateway-chat", {
    ref,
    ...rest,
    ...attributes({
      model,
      transport,
      "max-tokens": maxTokens,
      system,
      "buy-amount": buyAmount,
      placeholder,
    }),
  });
}

/** <CreditBalance /> — live. */
export function CreditBalance({ children, ...rest }) {
  return createElement("llmgateway-balance", rest, children);
}

/** <BuyCredits amount={10} onCredited={(topUp) => …} /> */
export function BuyCredits({ amount, onCredited, onError, ...rest }) {
  const ref = useRef(null);
  useElementEvents(ref, {
    "llmgateway-topup": (detail) => onCredited?.(detail.topUp),
    "llmgateway-error": (detail) => onError?.(detail.error),
  });
  return createElement("llmgateway-buy-credits", { ref, ...rest, ...attributes({ amount }) });
}

/**
 * The wallet's balance, live: `{ balance, error }`. `balance` is a USD string, null until known.
 * `error` is the LLMGatewayError that kept it from being read, with the API's real reason
 * (`origin_not_allowed`, `customer_blocked`, …; `errorText(error)` is what the elements show),
 * or null. A refusal is not asked again (it would answer the same); a network failure heals
 * through the live socket, whose next balance clears the error.
 */
export function useBalance() {
  const client = useLLMGatewayClient();
  const [state, setState] = useState({ balance: null, error: null });
  useEffect(() => {
    if (!client) return undefined;
    let active = true;
    const unsubscribe = client.onBalance((balance) => {
      if (active) setState({ balance, error: null });
    });
    client.balance().then(
      (wallet) => active && setState({ balance: wallet.balance, error: null }),
      (error) => active && setState((current) => ({ ...current, error })),
    );
    return () => {
      active = false;
      unsubscribe();
    };
  }, [client]);
  return state;
}

/**
 * Your own chat UI: `const { messages, send, stop, streaming, error, cost } = useChat({model})`.
 * `messages` are `{role, content}`; the last assistant message grows as the answer streams.
 */
export function useChat({ model, transport, maxTokens } = {}) {
  const client = useLLMGatewayClient();
  const [messages, setMessages] = useState([]);
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState(null);
  const [cost, setCost] = useState(null);
  const streamRef = useRef(null);

  const send = useCallback(
    async (content) => {
      if (!client || streamRef.current) return;
      const history = [...messages, { role: "user", content }];
      setMessages([...history, { role: "assistant", content: "" }]);
      setError(null);
      setStreaming(true);
      const stream = client.stream(
        { model, messages: history, ...(maxTokens ? { max_tokens: maxTokens } : {}) },
        transport ? { transport } : {},
      );
      streamRef.current = stream;
      let text = "";
      try {
        for await (const delta of stream) {
          text += delta;
          setMessages([...history, { role: "assistant", content: text }]);
        }
        setCost((await stream.result).cost);
      } catch (failure) {
        setError(failure);
        if (!text) setMessages(messages);
      } finally {
        streamRef.current = null;
        setStreaming(false);
      }
    },
    [client, messages, model, transport, maxTokens],
  );

  const stop = useCallback(() => streamRef.current?.cancel(), []);
  return { messages, send, stop, streaming, error, cost };
}
