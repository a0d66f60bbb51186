"""Payouts: organizations' Stripe Connect accounts and their margin payouts (reserve, transfer,
paid or failed). May import wallets, billing.stripe_gateway, billing.webhooks.events and the
kernel (llmgateway); never billing's services (they call payouts'), proxy or dashboard."""
