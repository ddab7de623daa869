"""The baseline for bench/live_room.py: a bare Channels app that only group-broadcasts.

`/ws/bare/<room>/`: every socket joins group `bare.<room>`; every text frame it sends is
group-sent, unchanged, to that group. No auth, no database, no rules: what the live room costs
on top of this is what the benchmark measures. Uses the project's channel layer settings (the
in-memory layer, or Redis with REDIS_URL), and starts as lms/asgi.py does: what start-up made is
frozen out of the garbage collector's way (lms.runtime), so that both servers pay the collector
only for what their sockets hold.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from lms.runtime import freeze_startup  # noqa: E402


class BareBroadcast(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = f"bare.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(self.group, {"type": "relay", "text": text_data})

    async def relay(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/bare/<int:room>/", BareBroadcast.as_asgi())])}
)
freeze_startup()
