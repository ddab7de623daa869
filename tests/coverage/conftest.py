import pytest

from coverage.services import rollup

from .fixture import MON, TODAY, at, build


@pytest.fixture
def fx(time_machine):
    """The worked example (tests/coverage/fixture.py), rolled up. Thursday afternoon, after the
    day's sessions, is "now"; the clock ticks on from there."""
    time_machine.move_to(at(TODAY, 16), tick=True)
    fixture = build()
    rollup(since=MON)
    return fixture
