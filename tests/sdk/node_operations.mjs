// Calls @llmgateway-sdk/server's methods with a recording fetch and prints the request each one
// sent: {operationId: [method, path]}. Driven by test_openapi_coverage.py, which passes on stdin
// a JSON list of [operationId, "resource.method", [arguments…]].
import { readFileSync } from "node:fs";

import { LLMGateway } from "../../sdk/js/packages/server/src/index.mjs";

const calls = JSON.parse(readFileSync(0, "utf8"));
const sent = {};
let current = null;

const gateway = new LLMGateway({
  secretKey: "sk_test_x",
  baseUrl: "http://gateway.invalid",
  maxRetries: 0,
  fetch: async (url, init) => {
    sent[current] = [init.method, new URL(url).pathname];
    const body =
      init.method === "GET" ? { object: "list", data: [], hasMore: false, nextCursor: null } : {};
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  },
});

for (const [operationId, attribute, args] of calls) {
  const [resource, method] = attribute.split(".");
  current = operationId;
  await gateway[resource][method](...args);
}
process.stdout.write(JSON.stringify(sent));
