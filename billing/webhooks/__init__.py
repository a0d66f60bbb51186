"""Outgoing developer webhooks: endpoints, events (an outbox), signing, the SSRF guard, delivery.

events: the outbox (`webhook_event_emit`, written in the caller's transaction); endpoints:
registering, deleting and pinging endpoints; url_guard: which URLs may be called; signing: the
`LLMGateway-Signature` header; delivery: one attempt and its backoff; tasks: the Celery side.
Stripe's inbound webhooks are elsewhere (billing/payment_events/).
"""
