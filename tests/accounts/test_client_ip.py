"""The client address behind the documented proxy: nginx overwrites X-Forwarded-For, and the
app trusts only settings.TRUSTED_PROXY_COUNT hops of it, so per-IP login limits hold."""

import re
from pathlib import Path

import pytest
from daphne.utils import parse_x_forwarded_for
from django.test import RequestFactory

from accounts.adapter import AccountAdapter
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NGINX = "127.0.0.1"  # the proxy, as Daphne sees it
CLIENT = "203.0.113.7"
LIMITED = "Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 1 phút."


def fail_login(client, username, remote_addr, forwarded):
    response = client.post(
        "/accounts/login/",
        {"login": username, "password": "sai-mat-khau"},
        REMOTE_ADDR=remote_addr,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return response.content.decode()


def test_spoofed_forwarded_for_headers_do_not_dodge_the_per_ip_limit(client, settings):
    """The attack on the old setup: nginx appended to the client's X-Forwarded-For and Daphne's
    --proxy-headers took the left-most, client-chosen entry as REMOTE_ADDR."""
    settings.TRUSTED_PROXY_COUNT = 1
    users = StudentFactory.create_batch(20)
    pages = []
    for i, user in enumerate(users):
        forwarded = f"198.51.100.{i + 1}, {CLIENT}"  # what nginx appending would send
        (remote_addr, _port), _scheme = parse_x_forwarded_for(
            {b"x-forwarded-for": [forwarded.encode()]}, original_addr=[NGINX, 50000]
        )
        assert remote_addr == f"198.51.100.{i + 1}"  # Daphne trusts the forged entry
        pages.append(fail_login(client, user.username, remote_addr, forwarded))
    assert not any(LIMITED in page for page in pages[:10])
    assert all(LIMITED in page for page in pages[10:])  # 10 failures a minute per address


def test_clients_behind_the_proxy_are_limited_one_by_one(client, settings):
    """Behind nginx without --proxy-headers every request comes from 127.0.0.1: one client's
    failures must not block everybody else."""
    settings.TRUSTED_PROXY_COUNT = 1
    for user in StudentFactory.create_batch(10):
        fail_login(client, user.username, NGINX, CLIENT)
    assert LIMITED in fail_login(client, StudentFactory().username, NGINX, CLIENT)
    assert LIMITED not in fail_login(client, StudentFactory().username, NGINX, "192.0.2.55")


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.9"),  # no proxy trusted: the header is ignored
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the entry our proxy wrote
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.9"),  # fewer entries than hops: not a proxied request
        (1, "not-an-address", "10.0.0.9"),
        (1, "", "10.0.0.9"),
    ],
)
def test_only_the_configured_hops_are_trusted(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert AccountAdapter(request).get_client_ip(request) == expected


def test_nginx_overwrites_forwarded_for_in_every_proxied_location():
    conf = re.sub(r"#[^\n]*", "", (ROOT / "deploy" / "nginx.conf").read_text())
    assert "$proxy_add_x_forwarded_for" not in conf
    locations = re.findall(r"location [^{]*\{[^}]*\}", conf)
    proxied = [block for block in locations if "proxy_pass" in block]
    assert len(proxied) >= 3
    for block in proxied:
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in block, block
