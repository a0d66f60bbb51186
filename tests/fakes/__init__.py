"""Loopback fakes of the far side of our integrations (upstream model providers, Stripe)."""
