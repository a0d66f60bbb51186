import { BuyCredits, Chat, CreditBalance, LLMGatewayProvider } from "@llmgateway-sdk/elements";
import { connection } from "next/server";

export default async function Page() {
  await connection(); // rendered per request: the gateway's URL is read at run time
  return (
    <LLMGatewayProvider baseUrl={process.env.LLMGATEWAY_URL} fetchSession="/api/llmgateway/session" test>
      <h1>Acme Notes</h1>
      <CreditBalance>Your AI credits</CreditBalance>
      <Chat model="test/echo" placeholder="Ask anything…" />
      <BuyCredits amount={10} />
    </LLMGatewayProvider>
  );
}
