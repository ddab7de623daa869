"""The class channel: a socket per open class page, for notices to its members.

Only members of the class (and officers in scope, as observers) may connect; everyone else is
closed with 4403. The live room (`/ws/sessions/<id>/`) will follow the same pattern.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django.utils.translation import gettext as _

from . import selectors

CLOSE_FORBIDDEN = 4403


def classroom_group(classroom_id: int) -> str:
    return f"classroom.{classroom_id}"


@database_sync_to_async
def _member_classroom_id(user, classroom_id: int) -> int | None:
    try:
        return selectors.classroom_get(user=user, pk=classroom_id).pk
    except Http404:
        return None


class ClassroomConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        classroom_id = int(self.scope["url_route"]["kwargs"]["classroom_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.classroom_id = await _member_classroom_id(user, classroom_id)
        if self.classroom_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = classroom_group(self.classroom_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "classroom": self.classroom_id})

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "heartbeat":
            await self.send_json({"type": "error", "message": _("Unknown message type.")})
            return
        await self.send_json({"type": "heartbeat"})

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)
        except ValueError:
            await self.send_json({"type": "error", "message": _("Messages must be JSON objects.")})

    async def classroom_notice(self, event):
        await self.send_json({"type": "notice", "text": event["text"]})
