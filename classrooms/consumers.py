"""Websockets: the class channel (`/ws/classes/<id>/`) and the live room (`/ws/sessions/<id>/`).

Only members of the class (and officers in scope, as observers) may connect; everyone else is
closed with 4403. The live room's rules live in `classrooms.room`; the consumer only parses,
checks sizes and rates, and sends.
"""

import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from . import room, selectors

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


# --- The live room --------------------------------------------------------------------------

CLOSE_NOT_STARTED = 4409
CLOSE_ENDED = 4410


class LiveSessionConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/sessions/<id>/`: parses frames, checks sizes and rates, and hands each message to
    `classrooms.room`, which holds the rules. docs/live-protocol.md describes every message."""

    conn: room.Connection | None = None
    session_id: int | None = None
    groups_joined: tuple[str, ...] = ()

    async def connect(self):
        user = self.scope.get("user")
        session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        member = None
        if user is not None and user.is_authenticated:
            member = await database_sync_to_async(room.room_member)(
                user=user, session_id=session_id
            )
        if member is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.language = _language(self.scope)
        self.rate = room.RateWindow(limit=room.CONNECTION_RATE)
        if not room.is_live(member):
            await self._refuse_not_live(member)
            return
        groups = [room.session_group(member.session.pk)]
        if member.is_teacher:
            groups.append(room.teachers_group(member.session.pk))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = tuple(groups)
        conn = room.Connection(member=member, conn_id=self.channel_name)
        try:
            first = await database_sync_to_async(room.presence_connect)(conn)
        except ValidationError:  # ended between the check and the interval
            await self._leave_groups()
            await self._refuse_not_live(member)
            return
        self.conn, self.session_id = conn, member.session.pk
        await self.accept()
        await self.send_json(await database_sync_to_async(room.room_state)(member))
        if first:
            await self._to_room({"type": "presence.join", "user": member.as_dict()})

    async def _refuse_not_live(self, member):
        # Accept first so that the browser sees our close code (a refused handshake is 1006).
        await self.accept()
        if room.is_over(member):
            await self.send_json({"type": "session.ended", "session": member.session.pk})
            await self.close(code=CLOSE_ENDED)
        else:
            await self._error("not_live")
            await self.close(code=CLOSE_NOT_STARTED)

    async def disconnect(self, code):
        conn, self.conn = self.conn, None
        if conn is not None:
            last = await database_sync_to_async(room.presence_disconnect)(conn)
            if last:
                await self._to_room({"type": "presence.leave", "user": conn.member.as_dict()})
        await self._leave_groups()

    async def _leave_groups(self):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = ()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.conn is None:
            return
        if not self.rate.allow():
            await self._error("rate_limited")
            return
        if text_data is None:
            await self._error("bad_json")
            return
        if len(text_data.encode()) > settings.LIVE_MESSAGE_MAX_BYTES:
            await self._error("too_big")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._error("bad_json")
            return
        if content.get("type") == "session.end":
            await self._last_heartbeats()
        try:
            outgoing = await database_sync_to_async(room.room_handle)(self.conn, content)
        except room.RoomError as exc:
            await self._error(exc.code)
            return
        for out in outgoing:
            if out.to == "self":
                await self.send_json(out.payload)
            elif out.to == "teachers":
                await self._to_group(room.teachers_group(self.session_id), out.payload)
            else:
                await self._to_room(out.payload)

    async def _last_heartbeats(self):
        """Ask every socket of the room, in every process, for a heartbeat before the end, so
        that students still connected are counted until the end."""
        if await database_sync_to_async(room.may_end)(self.conn.member):
            await self._to_group(room.session_group(self.session_id), {"type": "room.flush"})
            await asyncio.sleep(room.END_FLUSH_SECONDS)

    async def _error(self, code: str):
        with translation.override(self.language):
            message = str(room.ERRORS[code])
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _to_room(self, payload: dict):
        await self._to_group(room.session_group(self.session_id), payload)

    async def _to_group(self, group: str, payload: dict):
        await self.channel_layer.group_send(group, {"type": "room.event", "payload": payload})

    # Group events -------------------------------------------------------------------------

    async def room_event(self, event):
        if event["payload"]["type"] == "room.flush":
            if self.conn is not None:
                await database_sync_to_async(room.presence_flush)(self.conn)
            return
        await self.send_json(event["payload"])

    async def h5p_result(self, event):
        """Sent by the H5P xAPI view to `session.<id>.teachers` only."""
        await self.send_json(event)

    async def session_ended(self, event):
        """Sent by `services.session_end` after it has built the attendance records."""
        await self.send_json({"type": "session.ended", "session": event["session"]})
        await self.close(code=CLOSE_ENDED)


def _language(scope) -> str:
    """The member's chosen language (the switcher's cookie), else the site's default."""
    chosen = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE
