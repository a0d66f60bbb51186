"""WebSocket URL routes (the chat consumer joins here in the WebSocket issue)."""

from django.urls import path

from llmgateway.consumers import PingConsumer

websocket_urlpatterns = [
    path("v1/ws/ping", PingConsumer.as_asgi()),
]
