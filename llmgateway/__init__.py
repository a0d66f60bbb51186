"""The project package. Its config (settings, urls, asgi, routing, wsgi, celery, serve) is on top
and may import every app; everything else here is the kernel (tenancy, errors, money, ids, the API
plumbing) and imports no app (wallets, sessions_app, billing, proxy, payouts, dashboard)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
