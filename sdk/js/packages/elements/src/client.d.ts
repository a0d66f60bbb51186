export * from "@llmgateway-sdk/client";
