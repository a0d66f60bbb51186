// Types of @llmgateway-sdk/server for `import`: index.mjs re-exports index.cjs, and so do these.
export * from "./index.cjs";
