"""The live room without a socket: members, presence and state (classrooms.live.room), what
members may send (classrooms.live.actions), and the room's page (classrooms.live.views)."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from classrooms.live import actions, room
from classrooms.live.batching import EnterBatch
from classrooms.models import (
    AttendanceInterval,
    ChatMessage,
    HandRaise,
    Poll,
    PollAnswer,
    SessionMute,
)
from tests.factories import (
    EnrollmentFactory,
    GuardianshipFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def live():
    from django.utils import timezone

    return LiveSessionFactory(status="live", started_at=timezone.now())


def member(session, user):
    found = room.room_member(user=user, session_id=session.pk)
    assert found is not None
    return found


def chat_send(m, content):
    """One chat message the way the consumer's ChatBatch sends it (a batch of one)."""
    [result] = actions.chat_send_many([(m, content)])
    if isinstance(result, room.RoomError):
        raise result
    return result


def test_room_member_roles_and_refusals(live):
    student = EnrollmentFactory(classroom=live.classroom).student
    admin = SchoolAdminFactory(school=live.classroom.school)
    guardian = GuardianshipFactory(student=student).guardian
    assert member(live, live.teacher).role == "teacher"
    assert member(live, student).role == "student"
    assert member(live, admin).role == "observer"
    assert room.room_member(user=StudentFactory(), session_id=live.pk) is None
    assert room.room_member(user=guardian, session_id=live.pk) is None
    assert room.room_member(user=live.teacher, session_id=live.pk + 1000) is None


def test_presence_counts_tabs_and_staff_across_calls(live):
    student = EnrollmentFactory(classroom=live.classroom).student
    tab1 = room.Connection(member(live, student), "c1")
    tab2 = room.Connection(member(live, student), "c2")
    teacher = room.Connection(member(live, live.teacher), "t1")
    assert room.presence_connect(teacher) is True
    assert room.presence_connect(tab1) is True
    assert room.presence_connect(tab2) is False
    assert {u["id"] for u in room.online_list(live)} == {student.pk, live.teacher.pk}
    assert room.presence_disconnect(tab1) is False
    assert room.presence_disconnect(tab2) is True
    assert room.presence_disconnect(teacher) is True
    assert room.online_list(live) == []
    assert AttendanceInterval.objects.filter(left_at__isnull=True).count() == 0


def test_stale_intervals_do_not_count_as_online(live, settings):
    from datetime import timedelta

    student = EnrollmentFactory(classroom=live.classroom).student
    conn = room.Connection(member(live, student), "c1")
    room.presence_connect(conn)
    AttendanceInterval.objects.update(
        last_seen_at=live.started_at - timedelta(seconds=settings.ATTENDANCE_STALE_SECONDS + 5)
    )
    assert room.online_list(live) == []


def test_rate_window_resets_after_its_window():
    now = [0.0]
    window = room.RateWindow(limit=2, seconds=10, clock=lambda: now[0])
    assert [window.allow() for _ in range(3)] == [True, True, False]
    now[0] = 10.0
    assert window.allow()


def test_room_handle_returns_what_to_send(live):
    student = EnrollmentFactory(classroom=live.classroom).student
    conn = room.Connection(member(live, student), "c1")
    room.presence_connect(conn)
    [out] = actions.room_handle(conn, {"type": "hand.raise"})
    assert out.to == "room" and [h["id"] for h in out.payload["queue"]] == [student.pk]
    [out] = chat_send(conn.member, {"type": "chat.send", "text": "xin chào"})
    assert out.to == "room" and out.payload["message"]["text"] == "xin chào"
    # Chat and heartbeats take the process's batches (batching.py), never room_handle.
    for kind in ("chat.send", "heartbeat"):
        with pytest.raises(room.RoomError) as exc:
            actions.room_handle(conn, {"type": kind, "text": "x"})
        assert exc.value.code == "unknown_type"
    with pytest.raises(room.RoomError) as exc:
        actions.room_handle(conn, {"type": "poll.open"})
    assert exc.value.code == "forbidden"
    assert set(room.ERRORS) >= {"bad_json", "too_big", "unknown_type", "rate_limited"}


def test_state_for_a_late_joiner(live):
    student = EnrollmentFactory(classroom=live.classroom).student
    teacher = member(live, live.teacher)
    actions.poll_open(teacher, {"question": "?", "options": ["a", "b"]})
    actions.hand_raise(member(live, student), {})
    state = room.room_state(member(live, student))
    assert state["poll"]["options"] == ["a", "b"] and state["answered"] is None
    assert [h["id"] for h in state["hands"]] == [student.pk]
    assert "muted_students" not in state
    assert room.room_state(teacher)["muted_students"] == []


def test_chat_state_lives_on_the_member_and_follows_mute_events(live, django_assert_num_queries):
    student = EnrollmentFactory(classroom=live.classroom).student
    an = member(live, student)
    with django_assert_num_queries(1):  # the INSERT: no session or mute query
        chat_send(an, {"text": "một"})

    def code(m):
        with pytest.raises(room.RoomError) as exc:
            chat_send(m, {"text": "hai"})
        return exc.value.code

    room.apply_event(an, {"type": "chat.mute", "student": student.pk, "muted": True})
    assert code(an) == "muted"
    room.apply_event(an, {"type": "chat.mute", "student": student.pk + 1, "muted": False})
    assert code(an) == "muted"  # someone else's unmute
    room.apply_event(an, {"type": "chat.mute", "student": student.pk, "muted": False})
    room.apply_event(an, {"type": "chat.mute", "all": True, "muted": True})
    assert code(an) == "chat_off"
    room.apply_event(an, {"type": "chat.mute", "all": True, "muted": False})
    room.apply_event(an, {"type": "chat.message", "message": {}})  # changes nothing
    chat_send(an, {"text": "ba"})

    # Joining (and the state sent on joining) reads the database.
    teacher = member(live, live.teacher)
    actions.chat_mute(teacher, {"student": student.pk, "muted": True})
    assert member(live, student).muted is True
    actions.chat_mute(teacher, {"all": True, "muted": True})
    assert room.room_state(an)["chat_enabled"] is False and an.muted is True
    assert code(an) == "chat_off"


def test_chat_messages_arriving_together_are_one_insert_each_answered(
    live, settings, django_assert_num_queries
):
    """What one process received at once: each message gets its own answer, in order, and the
    accepted ones are stored by one INSERT, each with the id the room sees."""
    settings.LIVE_CHAT_RATE = 2
    an = member(live, EnrollmentFactory(classroom=live.classroom).student)
    binh = member(live, EnrollmentFactory(classroom=live.classroom).student)
    binh.muted = True
    teacher = member(live, live.teacher)
    requests = [
        (an, {"text": "một"}),
        (binh, {"text": "bị tắt tiếng"}),
        (an, {"text": "   "}),
        (an, {"text": "hai"}),
        (an, {"text": "ba"}),  # a third in 10 s: over the limit, even in the same batch
        (teacher, {"text": "cô đây"}),
    ]
    with django_assert_num_queries(1):
        results = actions.chat_send_many(requests)
    errors = [r.code if isinstance(r, room.RoomError) else None for r in results]
    assert errors == [None, "muted", "empty", None, "chat_rate_limited", None]
    sent = [r[0].payload["message"] for r in results if not isinstance(r, room.RoomError)]
    assert [m["text"] for m in sent] == ["một", "hai", "cô đây"]
    stored = list(ChatMessage.objects.order_by("pk").values_list("pk", "text", "author"))
    assert stored == [(m["id"], m["text"], m["author"]["id"]) for m in sent]

    # The ids the room saw are the stored messages: the teacher can delete one.
    actions.chat_delete(teacher, {"message": sent[1]["id"]})
    assert [m["text"] for m in room.room_state(teacher)["chat"]] == ["một", "cô đây"]
    with django_assert_num_queries(0):
        assert actions.chat_send_many([]) == []


def test_heartbeats_of_a_process_are_one_update(live, settings, django_assert_num_queries):
    from django.utils import timezone

    settings.LIVE_HEARTBEAT_SECONDS = 0  # every heartbeat is due
    conns = []
    for n in range(5):
        student = EnrollmentFactory(classroom=live.classroom).student
        conn = room.Connection(member(live, student), f"c{n}")
        room.presence_connect(conn)
        conns.append(conn)
    before = {i.pk: i.last_seen_at for i in AttendanceInterval.objects.all()}
    with django_assert_num_queries(1):
        room.presence_heartbeats([*conns, conns[0]])  # a repeat in the batch is one beat
    after = {i.pk: i.last_seen_at for i in AttendanceInterval.objects.all()}
    assert all(after[pk] > seen for pk, seen in before.items())

    # The reaper closed one: the batch gives that student a new interval, the others keep theirs.
    reaped = conns[0].interval_id
    AttendanceInterval.objects.filter(pk=reaped).update(left_at=timezone.now())
    kept = [c.interval_id for c in conns[1:]]
    room.presence_heartbeats(conns)
    assert conns[0].interval_id not in (None, reaped)
    assert [c.interval_id for c in conns[1:]] == kept
    assert AttendanceInterval.objects.filter(left_at__isnull=True).count() == 5

    # A client beating faster than agreed costs nothing.
    settings.LIVE_HEARTBEAT_SECONDS = 3600
    with django_assert_num_queries(0):
        room.presence_heartbeats(conns)


# --- The page -----------------------------------------------------------------------------


def test_live_page_for_members_and_404_for_others(client, live):
    student = EnrollmentFactory(classroom=live.classroom).student
    url = reverse("classrooms:session_live", args=[live.pk])
    assert url == f"/sessions/{live.pk}/live/"

    client.force_login(student)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="room-hand"' in html and 'id="room-poll-form"' not in html
    assert f'"ws": "/ws/sessions/{live.pk}/"' in html
    assert "End the class" not in html

    client.force_login(live.teacher)
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="room-poll-form"' in html and 'id="room-hands"' in html
    assert "End the class" in html

    for outsider in (StudentFactory(), GuardianshipFactory(student=student).guardian):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_live_page_meeting_link_or_embed(client, live, settings):
    client.force_login(live.teacher)
    url = reverse("classrooms:session_live", args=[live.pk])
    settings.MEETING_URL_TEMPLATE = "https://meet.example.org/hoctiep-{session}"
    settings.MEETING_EMBED = False
    html = client.get(url).content.decode()
    assert f'href="https://meet.example.org/hoctiep-{live.pk}"' in html and "<iframe" not in html
    settings.MEETING_EMBED = True
    html = client.get(url).content.decode()
    assert f'<iframe class="meeting-frame" src="https://meet.example.org/hoctiep-{live.pk}"' in html


def test_a_class_reconnecting_at_once_is_admitted_as_each_would_be(live):
    """`room_members` (what a process does with the handshakes that arrive together) admits
    exactly whom `room_member` admits, one by one, with the same part and chat mute."""
    other = LiveSessionFactory(status="live")
    enrolled = [EnrollmentFactory(classroom=live.classroom).student for _ in range(3)]
    left = EnrollmentFactory(classroom=live.classroom, active=False).student
    inactive = EnrollmentFactory(classroom=live.classroom).student
    inactive.is_active = False
    inactive.save()
    SessionMute.objects.create(session=live, student=enrolled[1], muted_by=live.teacher)
    requests = [
        (enrolled[0], live.pk),
        (enrolled[1], live.pk),
        (enrolled[2], other.pk),  # another class's session
        (left, live.pk),
        (inactive, live.pk),
        (StudentFactory(), live.pk),
        (enrolled[0], live.pk + 1000),
        (live.teacher, live.pk),
        (SchoolAdminFactory(school=live.classroom.school), live.pk),
        (GuardianshipFactory(student=enrolled[0]).guardian, live.pk),
    ]
    together = room.room_members(requests)
    alone = [room.room_member(user=user, session_id=pk) for user, pk in requests]

    def seen(m):
        return m and (m.user.pk, m.session.pk, m.role, m.muted)

    assert [seen(m) for m in together] == [seen(m) for m in alone]
    assert [m and m.role for m in together] == [
        "student", "student", None, None, None, None, None, "teacher", "observer", None,
    ]  # fmt: skip
    assert together[1].muted is True


def test_a_class_entering_at_once_costs_what_one_student_costs(live, django_assert_max_num_queries):
    """A class of 40 that reconnects at once (after an outage): admitted, present and given
    the room's state in the same few queries as one student, each with one interval, the
    online list holding all of them, and each told whether it is their first connection."""
    students = [EnrollmentFactory(classroom=live.classroom).student for _ in range(40)]
    # One of them still has a live tab from before: that is not their first connection.
    room.presence_connect(room.Connection(member(live, students[0]), "old-tab"))
    with django_assert_max_num_queries(3):
        members = room.room_members([(s, live.pk) for s in students])
    conns = [room.Connection(m, f"c{n}") for n, m in enumerate(members)]
    # Handshake queries, pinned: presence (3: who is admitted, who is already there, one
    # INSERT) and the room's state read once for the room (6), whatever the class's size.
    with django_assert_max_num_queries(9):
        results = EnterBatch().write(conns)
    firsts = [first for first, _ in results]
    assert firsts == [False] + [True] * 39
    states = [state for _, state in results]
    assert {s["you"]["id"] for s in states} == {s.pk for s in students}
    assert len(states[-1]["online"]) == 40 + 0  # the teacher is not connected
    assert AttendanceInterval.objects.filter(session=live, left_at__isnull=True).count() == 41
    assert len({c.interval_id for c in conns}) == 40

    # One student alone costs the same queries.
    late = member(live, EnrollmentFactory(classroom=live.classroom).student)
    with django_assert_max_num_queries(9):
        [(first, state)] = EnterBatch().write([room.Connection(late, "late")])
    assert first is True and len(state["online"]) == 41


def test_rooms_entering_together_each_get_their_own_room_in_the_queries_of_one(
    live, django_assert_max_num_queries
):
    """A province reconnecting at once: one process's batch of newcomers spans many rooms.
    Each newcomer gets its own room's online list, chat, raised hands, poll (with its counts),
    mutes and focus, and the batch costs the queries of one room however many it spans."""
    from django.utils import timezone

    sessions = [
        live,
        *(LiveSessionFactory(status="live", started_at=timezone.now()) for _ in range(4)),
    ]
    pupils = {
        s.pk: [EnrollmentFactory(classroom=s.classroom).student for _ in range(3)] for s in sessions
    }
    for n, session in enumerate(sessions):
        first, second, _ = pupils[session.pk]
        room.presence_connect(room.Connection(member(session, first), "earlier"))
        ChatMessage.objects.create(session=session, author=first, text=f"phòng {n}")
    second_room, third_room, fourth_room = sessions[1], sessions[2], sessions[3]
    HandRaise.objects.create(session=second_room, student=pupils[second_room.pk][0])
    poll = Poll.objects.create(session=third_room, question="Hiểu chưa?", options=["Rồi", "Chưa"])
    PollAnswer.objects.create(poll=poll, student=pupils[third_room.pk][0], option=1)
    PollAnswer.objects.create(poll=poll, student=pupils[third_room.pk][1], option=1)
    SessionMute.objects.create(session=fourth_room, student=pupils[fourth_room.pk][2])
    cache.set(room.focus_key(fourth_room.pk), {"kind": "lesson", "id": 7})
    newcomers = [
        room.Connection(member(session, pupils[session.pk][k]), f"new{k}")
        for session in sessions
        for k in (1, 2)
    ]

    # Presence (3) and one read of every room's state (7 with an open poll, whose answers also
    # give each newcomer their own): no more than one room with a poll costs.
    with django_assert_max_num_queries(11):
        results = EnterBatch().write(newcomers)
    states = {
        (conn.member.session.pk, conn.member.user.pk): state
        for conn, (_, state) in zip(newcomers, results, strict=True)
    }
    for n, session in enumerate(sessions):
        first, second, third = pupils[session.pk]
        state = states[(session.pk, third.pk)]
        assert state["session"] == session.pk and state["you"]["id"] == third.pk
        assert {u["id"] for u in state["online"]} == {first.pk, second.pk, third.pk}
        assert [m["text"] for m in state["chat"]] == [f"phòng {n}"]
    assert [h["id"] for h in states[(second_room.pk, pupils[second_room.pk][2].pk)]["hands"]] == [
        pupils[second_room.pk][0].pk
    ]
    assert all(not state["hands"] for (pk, _), state in states.items() if pk != second_room.pk)
    polled = states[(third_room.pk, pupils[third_room.pk][1].pk)]
    assert polled["poll"]["counts"] == [0, 2] and polled["answered"] == 1
    assert states[(third_room.pk, pupils[third_room.pk][2].pk)]["answered"] is None
    assert all(state["poll"] is None for (pk, _), state in states.items() if pk != third_room.pk)
    assert states[(fourth_room.pk, pupils[fourth_room.pk][2].pk)]["muted"] is True
    assert states[(fourth_room.pk, pupils[fourth_room.pk][1].pk)]["muted"] is False
    assert states[(fourth_room.pk, pupils[fourth_room.pk][1].pk)]["focus"] == {
        "kind": "lesson",
        "id": 7,
    }
    assert states[(live.pk, pupils[live.pk][1].pk)]["focus"] is None


def test_entering_a_session_that_ended_meanwhile_opens_no_interval(live):
    still = member(live, EnrollmentFactory(classroom=live.classroom).student)
    ended = LiveSessionFactory(status="live")
    gone = member(ended, EnrollmentFactory(classroom=ended.classroom).student)
    type(ended).objects.filter(pk=ended.pk).update(status="ended")
    results = EnterBatch().write([room.Connection(gone, "g"), room.Connection(still, "s")])
    assert isinstance(results[0][0], ValidationError) and results[0][1] is None
    assert results[1][0] is True and results[1][1]["type"] == "presence.state"
    assert not AttendanceInterval.objects.filter(session=ended).exists()


def test_a_class_dropping_at_once_is_let_go_together(live, django_assert_max_num_queries):
    """The sockets a process sees close together: every interval closed in one UPDATE, and
    the room told once per student who has no connection left (not for a student whose
    other tab stays, and once for a student whose two tabs both dropped)."""
    students = [EnrollmentFactory(classroom=live.classroom).student for _ in range(30)]
    conns = [room.Connection(member(live, s), f"c{n}") for n, s in enumerate(students)]
    second_tab = room.Connection(member(live, students[0]), "tab2")
    staying_tab = room.Connection(member(live, students[1]), "stays")
    EnterBatch().write([*conns, second_tab, staying_tab])
    leaving = [*conns, second_tab]
    with django_assert_max_num_queries(2):
        lasts = room.presence_disconnect_many(leaving)
    assert lasts == [False, False] + [True] * 28 + [True]
    open_now = AttendanceInterval.objects.filter(session=live, left_at__isnull=True)
    assert list(open_now.values_list("student_id", flat=True)) == [students[1].pk]
    assert all(c.interval_id is None for c in leaving)
    assert room.presence_disconnect_many([staying_tab]) == [True]
