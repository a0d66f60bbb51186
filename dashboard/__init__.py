"""The developer dashboard: server-rendered pages for projects, keys, customers, revenue,
webhooks and payouts (docs/dashboard.md), and `manage.py seed_demo`. The top app: it may import
every app and the kernel, and only config (llmgateway/urls.py) imports it."""
