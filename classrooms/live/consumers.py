"""The live room's websocket (`/ws/sessions/<id>/`).

Only members of the session's room (DESIGN.md "Who may see what") may connect; everyone else is
closed with 4403. The rules live in `room` and `actions`, heartbeats and chat messages are
written through the process's batches (`batching`); the consumer only parses, checks sizes and
rates, and sends.
"""

import asyncio
import json
import logging
import random

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from . import actions, room
from .batching import (
    STATEFUL_EVENTS,
    AdmitBatch,
    ChatBatch,
    EnterBatch,
    HeartbeatBatch,
    LeaveAfterGrace,
    LeaveBatch,
    RoomSends,
    room_event,
)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_STARTED = 4409
CLOSE_ENDED = 4410
# The channel layer (Redis) failed under an open socket: the client shows "reconnecting" and
# comes back with jittered backoff (docs/deployment.md, "Restarts and outages").
CLOSE_LAYER_DOWN = 4503

logger = logging.getLogger(__name__)


class LiveSessionConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/sessions/<id>/`: parses frames, checks sizes and rates, and hands each message to
    `actions`, which holds the rules. docs/live-protocol.md describes every message."""

    conn: room.Connection | None = None
    session_id: int | None = None
    groups_wanted: tuple[str, ...] = ()
    groups_joined: tuple[str, ...] = ()
    closing = False
    closed = False
    waiting_for_layer: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        member = None
        if user is not None and user.is_authenticated:
            member = await AdmitBatch.for_loop().admit(user, session_id)
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
        self.groups_wanted = tuple(groups)
        in_room = await self._join_groups()
        conn = room.Connection(member=member, conn_id=self.channel_name)
        state = None
        try:
            if in_room:  # presence and the room's state, with the others entering now
                first, state = await EnterBatch.for_loop().enter(conn)
            else:
                first = await database_sync_to_async(room.presence_connect)(conn)
        except ValidationError:  # ended between the check and the interval
            await self._leave_groups()
            await self._refuse_not_live(member)
            return
        except Exception:
            if in_room:
                raise
            first = None  # staff presence lives in the cache, which is down with the layer
        self.conn, self.session_id = conn, member.session.pk
        await self.accept()
        if in_room:
            await self._arrive(first, state)
        else:
            self.waiting_for_layer = asyncio.create_task(self._wait_for_layer(first))

    async def _enter(self, first: bool):
        await self._arrive(first, await database_sync_to_async(room.room_state)(self.conn.member))

    async def _arrive(self, first: bool, state: dict):
        await self.send_json(state)
        if first:
            await self._to_room({"type": "presence.join", "user": self.conn.member.as_dict()})

    async def _join_groups(self) -> bool:
        try:
            for group in self.groups_wanted:
                await self.channel_layer.group_add(group, self.channel_name)
        except Exception:
            logger.warning("channel layer unavailable; the room waits for it", exc_info=True)
            return False
        self.groups_joined = self.groups_wanted
        return True

    async def _wait_for_layer(self, first: bool | None):
        """The channel layer was down when this member connected. Attendance does not wait for
        it: the student's interval is open, and kept alive here every heartbeat (the client
        sends none until it has the room's state). Without `presence.state` the page keeps
        showing "reconnecting". Once the layer answers, the member enters the room."""
        period = settings.LIVE_HEARTBEAT_SECONDS
        while self.conn is not None:
            await asyncio.sleep(period * random.uniform(0.5, 1))  # noqa: S311 - spread retries
            try:
                await HeartbeatBatch.for_loop().beat(self.conn)
            except Exception:
                logger.warning("presence heartbeat failed while waiting", exc_info=True)
            if self.conn is None or not await self._join_groups():
                continue
            try:
                if first is None:  # staff: their presence could not be recorded until now
                    first = await database_sync_to_async(room.presence_connect)(self.conn)
                await self._enter(first)
            except Exception:
                logger.warning("entering the room failed; retrying", exc_info=True)
                await self._leave_groups()
                continue
            return

    async def _refuse_not_live(self, member):
        # Accept first so that the browser sees our close code (a refused handshake is 1006).
        await self.accept()
        if room.is_over(member):
            session = member.session
            with translation.override(self.language):
                payload = room.ended_payload(
                    session_id=session.pk,
                    at=session.ended_at.isoformat() if session.ended_at else None,
                )
            await self.send_json(payload)
            await self.close(code=CLOSE_ENDED)
        else:
            await self._error("not_live")
            await self.close(code=CLOSE_NOT_STARTED)

    async def dispatch(self, message):
        """Channels' own dispatch first hops to the one thread for sync work to run
        `close_old_connections`, for every message: each room event delivered to each socket,
        so thousands of hops a second in a busy room, all queued behind the room's database
        work. This consumer touches the database only through `database_sync_to_async`, which
        closes old connections around each call itself, so it skips that hop."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @property
    def channel_receive(self):
        return self._channel_receive

    @channel_receive.setter
    def channel_receive(self, receive):
        """Channels reads the layer through this; a layer failure must not kill the socket
        (and skip `disconnect`), so it closes it cleanly instead, or waits if not in the room."""

        async def guarded():
            while True:
                try:
                    return await receive()
                except Exception:
                    await self._layer_failed()
                    await asyncio.sleep(1)

        self._channel_receive = guarded

    async def _layer_failed(self):
        if self.groups_joined and not self.closing:
            logger.warning("channel layer failed; closing the room socket", exc_info=True)
            self.groups_joined = ()
            self.closing = True
            await self.close(code=CLOSE_LAYER_DOWN)

    async def close(self, code=None, reason=None):
        self.closed = True
        await super().close(code=code, reason=reason)

    async def send(self, text_data=None, bytes_data=None, close=False):
        # Room events already queued for this socket can arrive after the server closed it (the
        # session ended, the layer failed) or the client left: there is no one to send them to.
        if self.closed:
            return
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def websocket_disconnect(self, message):
        self.closed = True
        await super().websocket_disconnect(message)

    async def disconnect(self, code):
        self.closing = True
        if self.waiting_for_layer is not None:
            self.waiting_for_layer.cancel()
        conn, self.conn = self.conn, None
        if conn is not None:
            graced = room.presence_graced(code)
            last = await LeaveBatch.for_loop().leave(conn, graced=graced)
            if last and graced:
                LeaveAfterGrace.for_loop().schedule(self.channel_layer, conn)
            elif last:
                await self._to_room({"type": "presence.leave", "user": conn.member.as_dict()})
        await self._leave_groups()

    async def _leave_groups(self):
        groups, self.groups_joined = self.groups_joined, ()
        try:
            for group in groups:
                await self.channel_layer.group_discard(group, self.channel_name)
        except Exception:  # the layer is down; its memberships expire on their own
            logger.warning("channel layer unavailable when leaving the room", exc_info=True)

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
        except (ValueError, RecursionError):  # RecursionError: arrays nested 2,000 deep
            content = None
        if not isinstance(content, dict):
            await self._error("bad_json")
            return
        try:
            actions.content_check(content)
        except room.RoomError as exc:
            await self._error(exc.code)
            return
        kind = content.get("type")
        if kind == "heartbeat":
            await HeartbeatBatch.for_loop().beat(self.conn)
            await self.send(text_data='{"type": "heartbeat"}')
            return
        if kind == "session.end":
            await self._last_heartbeats()
        try:
            if kind == "chat.send":
                outgoing = await ChatBatch.for_loop().send(self.conn.member, content)
            else:
                outgoing = await database_sync_to_async(actions.room_handle)(self.conn, content)
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
        """The payload goes as `batching.room_event`; events of this process for the same group
        that wait behind a send in flight go out together (`batching.RoomSends`)."""
        try:
            await RoomSends.for_loop().send(self.channel_layer, group, room_event(payload))
        except Exception:
            await self._layer_failed()

    # Group events -------------------------------------------------------------------------

    async def room_event(self, event):
        kind = event.get("kind")
        if kind == "room.flush":
            if self.conn is not None:
                await database_sync_to_async(room.presence_flush)(self.conn)
            return
        if kind in STATEFUL_EVENTS and self.conn is not None:
            room.apply_event(self.conn.member, event["payload"])
        await self.send(text_data=event["text"])

    async def room_events(self, event):
        """Several room events sent together (`batching.RoomSends`), handled in order."""
        for one in event["events"]:
            await self.room_event(one)

    async def h5p_result(self, event):
        """Sent by the H5P xAPI view to `session.<id>.teachers` only."""
        await self.send_json(event)

    async def session_ended(self, event):
        """Sent by `services.session_end` after it has built the attendance records."""
        with translation.override(self.language):
            payload = room.ended_payload(
                session_id=event["session"], at=event.get("at"), by=event.get("by")
            )
        await self.send_json(payload)
        await self.close(code=CLOSE_ENDED)


def _language(scope) -> str:
    """The member's chosen language (the switcher's cookie), else the site's default."""
    chosen = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE
