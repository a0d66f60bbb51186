"""WSGI entry point (admin and plain HTTP only; streaming and WebSocket need ASGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")

application = get_wsgi_application()
