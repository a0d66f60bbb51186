// The server package's types through `require` (CommonJS).
import server = require("@llmgateway-sdk/server");

const gateway = new server.LLMGateway({ secretKey: "sk_test_x" });

async function mint(externalId: string): Promise<string> {
  const session = await gateway.sessions.create({
    customer: { externalId },
    scope: { models: ["test/echo"] },
  });
  return session.sessionToken;
}

function isRefusal(error: unknown): boolean {
  return error instanceof server.PermissionDeniedError && error.code === "customer_blocked";
}

export = { mint, isRefusal };
