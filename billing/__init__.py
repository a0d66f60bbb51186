"""Billing: the model catalog and prices, top-ups and their markup split, payment providers
(Stripe, simulated) and their events, outgoing developer webhooks. May import wallets,
payouts.services.ledger and .refunds, and the kernel (llmgateway); never proxy or dashboard."""
