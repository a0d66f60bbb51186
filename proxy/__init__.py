"""The OpenAI-compatible gateway: endpoints.py over transports/, billed by calls/, via providers/.
May import billing (catalog, prices), sessions_app (callers), wallets (holds) and the kernel.
Only the config (urls, asgi, routing, settings) and dashboard (request logs) import proxy."""
