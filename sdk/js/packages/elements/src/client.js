// In the npm package the elements share @llmgateway-sdk/client with your own code (one
// LLMGatewayError class, one copy of the client). The gateway serves the client itself beside
// elements.js at /static/llmgateway/client.js (sdk/js/static), never this file.
export * from "@llmgateway-sdk/client";
