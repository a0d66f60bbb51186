"""WebSocket URL routes: the chat (`/v1/ws`, proxy/transports/websocket.py) and a ping for smoke
tests."""

from django.urls import path

from llmgateway.consumers import PingConsumer
from proxy.transports.websocket import ChatConsumer

websocket_urlpatterns = [
    path("v1/ws", ChatConsumer.as_asgi()),
    path("v1/ws/ping", PingConsumer.as_asgi()),
]
