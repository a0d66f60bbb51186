"""A minimal WebSocket consumer that proves the ASGI routing and channel layer are wired."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "pong", "echo": content.get("echo")})
