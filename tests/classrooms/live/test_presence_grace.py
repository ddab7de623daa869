"""A member whose phone loses its network for a moment does not flicker out of and back into
everyone's list: `presence.leave` waits LIVE_PRESENCE_GRACE_SECONDS and is not sent at all if
they are back by then (nor is a `presence.join`). One who stays away is announced as gone once
the grace has passed, and one who comes back later is announced again. One who closes the page
is gone at once."""

import asyncio

import pytest

from tests.classrooms.live.test_consumers import TIMEOUT, drain, join, make_room, next_of

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

GRACE = 0.5
LOST = 1006  # the close code of a connection that was lost, not closed by its page


@pytest.fixture(autouse=True)
def _grace(settings):
    settings.LIVE_PRESENCE_GRACE_SECONDS = GRACE


async def presence_events(ws, seconds: float) -> list[tuple[str, int]]:
    """The presence events the socket receives within this many seconds."""
    seen = []
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        if await ws.receive_nothing(timeout=min(left, 0.1)):
            continue
        message = await ws.receive_json_from(timeout=TIMEOUT)
        if message["type"] in ("presence.join", "presence.leave"):
            seen.append((message["type"], message["user"]["id"]))
    return seen


async def test_a_student_back_within_the_grace_is_neither_gone_nor_joining():
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    student, _ = await join(r.session, r.an)
    await next_of(teacher, "presence.join", r.an)

    await student.disconnect(code=LOST)
    await asyncio.sleep(GRACE / 5)
    student, state = await join(r.session, r.an)

    assert await presence_events(teacher, GRACE * 3) == []
    assert r.an.pk in {user["id"] for user in state["online"]}
    await student.disconnect()
    await teacher.disconnect()


async def test_a_student_who_stays_away_is_gone_after_the_grace_and_joins_again_later():
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    student, _ = await join(r.session, r.an)
    await drain(teacher)

    await student.disconnect(code=LOST)
    assert await presence_events(teacher, GRACE / 2) == []  # not yet
    assert await presence_events(teacher, GRACE * 2) == [("presence.leave", r.an.pk)]

    student, _ = await join(r.session, r.an)
    assert (await next_of(teacher, "presence.join", r.an))["user"]["id"] == r.an.pk
    await student.disconnect()
    await teacher.disconnect()


@pytest.mark.parametrize("code", [1000, 1001])
async def test_a_student_who_closes_the_page_is_gone_at_once_and_joins_again_on_return(code):
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    student, _ = await join(r.session, r.an)
    await drain(teacher)

    await student.disconnect(code=code)  # 1001: the page was closed or left
    assert await presence_events(teacher, GRACE / 2) == [("presence.leave", r.an.pk)]

    student, _ = await join(r.session, r.an)  # back within what would have been the grace
    assert await presence_events(teacher, GRACE / 2) == [("presence.join", r.an.pk)]
    assert await presence_events(teacher, GRACE * 2) == []  # and no late leave after it
    await student.disconnect()
    await teacher.disconnect()


async def test_a_second_drop_gets_a_whole_grace_of_its_own():
    """Dropped, back, dropped again: the first drop's timer must not announce the student gone
    before the second drop's grace has passed."""
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    student, _ = await join(r.session, r.an)
    await drain(teacher)

    await student.disconnect(code=LOST)
    await asyncio.sleep(GRACE * 0.4)
    student, _ = await join(r.session, r.an)
    await asyncio.sleep(GRACE * 0.2)
    await student.disconnect(code=LOST)  # the first timer would end GRACE * 0.4 from here

    assert await presence_events(teacher, GRACE * 0.7) == []
    assert await presence_events(teacher, GRACE * 2) == [("presence.leave", r.an.pk)]
    await teacher.disconnect()


async def test_a_return_through_the_same_process_costs_no_claim_when_the_grace_ends(monkeypatch):
    from classrooms.live import room

    claims = []
    claim_leaving = room.claim_leaving

    def counted(conns):
        claims.append(len(conns))
        return claim_leaving(conns)

    monkeypatch.setattr(room, "claim_leaving", counted)
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    student, _ = await join(r.session, r.an)
    await drain(teacher)
    claims.clear()  # each first connection tries one

    await student.disconnect(code=LOST)
    student, _ = await join(r.session, r.an)  # claims the mark: one claim
    assert await presence_events(teacher, GRACE * 2) == []
    assert claims == [1]
    await student.disconnect()
    await teacher.disconnect()
