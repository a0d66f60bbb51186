import { LLMGateway, LLMGatewayError } from "@llmgateway-sdk/server";
import { cookies } from "next/headers";

const gateway = new LLMGateway({
  secretKey: process.env.LLMGATEWAY_SECRET_KEY,
  baseUrl: process.env.LLMGATEWAY_URL,
});

// Mint a session for the signed-in user. This demo "signs in" each new browser as a demo user
// with a cookie: use your own auth's user id instead.
export async function POST() {
  const jar = await cookies();
  const userId = jar.get("demo_user")?.value ?? `demo_${crypto.randomUUID().slice(0, 8)}`;
  jar.set("demo_user", userId, { httpOnly: true, sameSite: "lax", path: "/" });
  try {
    const session = await gateway.sessions.create({
      customer: { externalId: userId },
      scope: { models: ["test/echo"] },
    });
    return Response.json(session);
  } catch (error) {
    // The gateway's reason (customer_blocked…) with its status: the page shows it, never retries.
    if (error instanceof LLMGatewayError) return Response.json(error.toJSON(), { status: error.status ?? 502 });
    throw error;
  }
}
