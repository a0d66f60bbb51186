"""Project package: settings, routing, Celery app, tenancy."""

from .celery import app as celery_app

__all__ = ("celery_app",)
