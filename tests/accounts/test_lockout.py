"""Failed sign-ins lock out the address they come from, not the account's owner elsewhere;
a slow per-account limit keeps guessing infeasible. The refusal says how long to wait."""

import pytest

from tests.clock import WEDNESDAY, at
from tests.factories import PASSWORD, StudentFactory

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"
OWNER = "203.0.113.7"  # the owner's phone, on another network


def login(client, username, password, ip):
    response = client.post(
        "/accounts/login/", {"login": username, "password": password}, REMOTE_ADDR=ip
    )
    return response.content.decode()


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def clock(time_machine):
    """allauth's rate limits read time.time(): stop it, and move it forward on purpose."""
    time_machine.move_to(at(WEDNESDAY, 10), tick=False)
    return time_machine.shift


def test_an_attackers_failures_lock_out_the_attacker_not_the_owner(client):
    StudentFactory(username="an")
    for _ in range(5):
        login(client, "an", "sai-mat-khau", ATTACKER)
    page = login(client, "an", PASSWORD, ATTACKER)
    assert not signed_in(client)  # the right password does not help the attacker's address
    assert "Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 5 phút." in page

    login(client, "an", PASSWORD, OWNER)
    assert signed_in(client)


def test_the_wait_shown_is_the_time_left(client, clock):
    StudentFactory(username="an")
    for _ in range(5):
        login(client, "an", "sai-mat-khau", ATTACKER)
    clock(3 * 60 + 10)
    page = login(client, "an", PASSWORD, ATTACKER)
    assert "Vui lòng thử lại sau 2 phút." in page
    clock(2 * 60)
    login(client, "an", PASSWORD, ATTACKER)
    assert signed_in(client)


def test_one_address_gets_at_most_20_guesses_a_day_at_an_account(client, clock):
    StudentFactory(username="an")
    for _ in range(4):
        for _ in range(5):
            login(client, "an", "sai-mat-khau", ATTACKER)
        clock(6 * 60)
    page = login(client, "an", PASSWORD, ATTACKER)
    assert not signed_in(client)
    assert "Vui lòng thử lại sau 24 giờ." in page
    login(client, "an", PASSWORD, OWNER)
    assert signed_in(client)


def test_100_failures_a_day_from_anywhere_stop_all_guessing(client):
    StudentFactory(username="an")
    for i in range(20):
        for _ in range(5):
            login(client, "an", "sai-mat-khau", f"192.0.2.{i + 1}")
    page = login(client, "an", PASSWORD, OWNER)
    assert not signed_in(client)
    assert "Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 24 giờ." in page


def test_a_successful_sign_in_does_not_count_as_a_failure(client):
    StudentFactory(username="an")
    for _ in range(8):
        login(client, "an", PASSWORD, OWNER)
        assert signed_in(client)
        client.logout()
