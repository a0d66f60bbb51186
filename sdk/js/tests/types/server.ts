// The server package's types as an ES module sees them (tsc --noEmit, strict: tests/sdk_js).
import {
  InsufficientBalanceError,
  LLMGateway,
  LLMGatewayError,
  RateLimitError,
  SignatureVerificationError,
  constructEvent,
  type LedgerEntry,
  type Session,
  type WebhookEvent,
} from "@llmgateway-sdk/server";

const gateway = new LLMGateway({ secretKey: "sk_test_x", baseUrl: "http://127.0.0.1:8000" });

export async function seedExample(userId: string): Promise<Response> {
  const session: Session = await gateway.sessions.create({
    customer: { externalId: userId },
    scope: { models: ["test/echo"], maxSpend: "5.00" },
    ttlSeconds: 900,
  });
  const { sessionToken, walletId, expiresAt } = session;
  const token: string = sessionToken;
  const expires: string = expiresAt;
  void [token, expires, walletId];
  const refreshed = await gateway.sessions.refresh(session);
  await gateway.sessions.revoke(refreshed.id);
  return Response.json(session);
}

export async function walletExample(walletId: string): Promise<string[]> {
  try {
    const credit = await gateway.wallets.credit(walletId, {
      amount: "5.00",
      idempotencyKey: "order_1",
    });
    const replayed: boolean = credit.replayed;
    void replayed;
  } catch (error) {
    if (error instanceof InsufficientBalanceError) return [error.code ?? "", String(error.status)];
    if (error instanceof RateLimitError) return [String(error.retryAfter)];
    if (error instanceof LLMGatewayError) return [JSON.stringify(error.toJSON())];
    throw error;
  }
  const types: string[] = [];
  for await (const entry of gateway.wallets.ledger(walletId, { limit: 2 })) {
    const typed: LedgerEntry = entry;
    types.push(typed.type, typed.amount);
  }
  const page = await gateway.wallets.ledger(walletId);
  const next = await page.nextPage();
  types.push(String(next?.data.length ?? 0), String(page.hasMore));
  for await (const customer of gateway.customers.list({ limit: 100 }))
    types.push(customer.externalId);
  const wallet = await gateway.wallets.get(walletId);
  types.push(wallet.balance, (await gateway.balance.get()).marginAvailable);
  return types;
}

export async function topUpExample(session: Session): Promise<string> {
  const topUp = await gateway.topUps.create({ session, amount: "10.00" });
  const done = await gateway.topUps.simulate(topUp.id, { session, outcome: "succeeded" });
  return (await gateway.topUps.get(done.id, { session: session.sessionToken })).status;
}

export async function endpointsExample(): Promise<string | null | undefined> {
  const endpoint = await gateway.webhookEndpoints.create({
    url: "https://app.example/hooks",
    events: ["wallet.credited"],
  });
  await gateway.webhookEndpoints.delete(endpoint.id);
  await gateway.payouts.create({ amount: "10.00" });
  await gateway.connect.onboarding({ returnUrl: "https://app.example/done" });
  const key = await gateway.apiKeys.current();
  void key.livemode;
  return endpoint.secret;
}

export function webhookExample(
  body: Buffer,
  header: string | string[] | undefined,
): WebhookEvent | null {
  try {
    const event = gateway.webhooks.constructEvent(body, header, "whsec_x", { tolerance: 300 });
    gateway.webhooks.verify(body, header, "whsec_x");
    return event.type === "wallet.credited"
      ? event
      : constructEvent(body.toString(), header, "whsec_x");
  } catch (error) {
    if (error instanceof SignatureVerificationError) return null;
    throw error;
  }
}

// Mistakes the types catch:
// @ts-expect-error: customer is required
void gateway.sessions.create({ scope: { models: ["test/echo"] } });
// @ts-expect-error: a customer object needs externalId
void gateway.sessions.create({ customer: { email: "ada@example.com" } });
// @ts-expect-error: the amount is a USD string or a number
void gateway.wallets.credit("wal_1", { amount: { usd: 5 } });
// @ts-expect-error: the option is secretKey
void new LLMGateway({ apiKey: "sk_test_x" });
