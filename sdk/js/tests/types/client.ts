// The browser client's types (tsc --noEmit, strict).
import {
  LLMGatewayError,
  createClient,
  isRetryable,
  type StreamResult,
} from "@llmgateway-sdk/client";

const client = createClient({
  baseUrl: "https://gateway.example",
  fetchSession: async () => (await fetch("/api/llmgateway/session", { method: "POST" })).json(),
});

export async function chatExample(): Promise<StreamResult | string> {
  const reply = await client.chat({
    model: "test/echo",
    messages: [{ role: "user", content: "Hi" }],
  });
  const text: string | null | undefined = reply.choices[0]?.message.content;
  const stream = client.stream(
    { model: "test/echo", messages: [{ role: "user", content: "Hi" }] },
    { transport: "websocket" },
  );
  let streamed = "";
  for await (const delta of stream) streamed += delta;
  const stop = client.onBalance((balance: string) => void balance);
  stop();
  const wallet = await client.balance();
  const topUp = await client.topUp("10");
  await client.simulateTopUp(topUp.id, { outcome: "failed" });
  try {
    return await stream.result;
  } catch (error) {
    if (error instanceof LLMGatewayError && !isRetryable(error))
      return `${error.code} ${error.status}`;
    return `${text} ${streamed} ${wallet.balance} ${reply.x_llmgateway.cost}`;
  }
}

// @ts-expect-error: transport is "sse" or "websocket"
createClient({ transport: "carrier-pigeon" });
