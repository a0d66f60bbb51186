"""WebSocket URL routes: the chat (`/v1/ws`, proxy/consumers.py) and a ping for smoke tests."""

from django.urls import path

from llmgateway.consumers import PingConsumer
from proxy.consumers import ChatConsumer

websocket_urlpatterns = [
    path("v1/ws", ChatConsumer.as_asgi()),
    path("v1/ws/ping", PingConsumer.as_asgi()),
]
