"""The developer dashboard: server-rendered pages for projects, keys, customers, revenue,
webhooks and payouts (docs/dashboard.md)."""
