// The elements package's types: the React components and hooks, and the Web Components.
import {
  BuyCredits,
  Chat,
  CreditBalance,
  LLMGatewayProvider,
  errorText,
  useBalance,
  useChat,
  useLLMGatewayClient,
} from "@llmgateway-sdk/elements";
import {
  LLMGatewayChatElement,
  LLMGatewayProviderElement,
} from "@llmgateway-sdk/elements/web-components";
import type { ReactElement } from "react";

export function Page(): ReactElement {
  return (
    <LLMGatewayProvider
      baseUrl="https://gateway.example"
      fetchSession="/api/llmgateway/session"
      test
    >
      <CreditBalance>Your AI credits</CreditBalance>
      <Chat
        model="test/echo"
        placeholder="Ask anything…"
        onReply={(reply) => console.log(reply.cost)}
      />
      <BuyCredits amount={10} onCredited={(topUp) => console.log(topUp.netCredit)} />
      <Balance />
    </LLMGatewayProvider>
  );
}

function Balance(): ReactElement {
  const { balance, error } = useBalance();
  const { messages, send, streaming, cost } = useChat({ model: "test/echo" });
  const client = useLLMGatewayClient();
  void [messages, send, streaming, cost, client?.session];
  if (error)
    return <p role="alert">{error.code === "customer_blocked" ? "Blocked" : errorText(error)}</p>;
  return <span>{balance ?? "…"}</span>;
}

export function webComponents(): string | undefined {
  const provider = document.querySelector("llmgateway-provider");
  if (provider instanceof LLMGatewayProviderElement)
    provider.fetchSession = async () => "es_test_x";
  const chat: LLMGatewayChatElement | null = document.querySelector("llmgateway-chat");
  chat?.addEventListener("llmgateway-reply", (event) => console.log(event.detail.cost));
  return chat?.messages[0]?.content;
}

// @ts-expect-error: Chat needs a model
export const missingModel = <Chat />;
