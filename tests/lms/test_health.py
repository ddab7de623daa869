"""/healthz: database, cache and channel layer, for the proxy; 200 or 503, no detail leaked."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.resilience.servers import free_port

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_answers_ok_when_everything_works(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "channel_layer": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]
    assert reverse("healthz") == "/healthz"


def test_a_broken_cache_answers_503_and_names_only_the_check(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setattr("lms.health.cache.set", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "ok", "cache": "error", "channel_layer": "ok"},
    }
    assert b"secret-host" not in response.content


def test_a_broken_database_answers_503(client, monkeypatch):
    class Down:
        def cursor(self):
            raise OSError("connection refused")

    monkeypatch.setattr("lms.health.connection", Down())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


def test_an_unreachable_channel_layer_answers_503(client):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    layers = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [dead]}}
    }
    with override_settings(CHANNEL_LAYERS=layers):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "channel_layer": "error",
    }


@pytest.mark.parametrize(
    "backend",
    ["channels_redis.core.RedisChannelLayer", "channels_redis.pubsub.RedisPubSubChannelLayer"],
)
def test_the_round_trip_goes_through_real_redis_with_either_layer(client, redis_url, backend):
    layers = {"default": {"BACKEND": backend, "CONFIG": {"hosts": [redis_url]}}}
    cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "healthz-test",
        }
    }
    with override_settings(CHANNEL_LAYERS=layers, CACHES=cache):
        response = client.get("/healthz")
    assert response.status_code == 200, response.json()


@pytest.mark.asyncio
async def test_repeated_probes_leave_no_pubsub_subscription_behind(redis_url):
    from channels.layers import get_channel_layer

    from lms.health import _channel_layer

    layers = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        for _ in range(3):
            await _channel_layer()
        assert get_channel_layer()._get_layer().channels == {}
