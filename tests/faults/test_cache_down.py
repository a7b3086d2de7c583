"""Fault: the cache's Redis stops mid-test. Login, the login throttle and the survey's rate limit keep
working (fail open, counted per process), with a logged warning; when Redis is back it is used again."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client

from tenancy import shared_cache, throttle

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def _login(email, password, **meta):
    return Client(**meta).post("/login/", {"username": email, "password": password})


def test_login_works_and_is_still_throttled_while_the_cache_is_down(redis_cache, tenant_a, make_member, caplog):
    member = make_member(tenant_a)
    email = member.user.email
    assert _login(email, "wrong").status_code == 200
    assert cache.get(f"login-fail:email:{email}") == 1  # counted in Redis while it runs

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="tenancy.shared_cache"):
        response = _login(email, PASSWORD)
    assert response.status_code == 302, response.content[:500]  # not a 500, not locked out
    assert "Cache unreachable" in caplog.text
    assert throttle.fallback_stats()["fallbacks"] > 0

    live, ready = Client().get("/healthz"), Client().get("/healthz/ready")
    assert (live.status_code, live.json()["status"]) == (200, "ok")
    assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
    assert ready.json()["checks"]["cache"].startswith("error")

    # Never "locked in" either: the per-process fallback still counts failures and locks out.
    other = make_member(tenant_a)
    for _ in range(5):
        assert b"Please enter a correct" in _login(other.user.email, "wrong").content
    assert b"Too many failed sign-in attempts" in _login(other.user.email, PASSWORD).content

    redis_cache.start()
    throttle.reset()  # (in production: the next try after RETRY_SECONDS)
    assert _login(email, PASSWORD).status_code == 302
    assert cache.get("anything") is None  # Redis answers again


def test_survey_rate_limit_holds_per_process_while_the_cache_is_down(redis_cache, settings):
    settings.HIERARCHY_SURVEY_RATE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert client.get("/survey/whatever/").status_code == 404
    redis_cache.stop()
    statuses = [client.get("/survey/whatever/").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]  # a fresh per-process count: nobody locked out at once
    assert Client(REMOTE_ADDR="203.0.113.10").get("/survey/whatever/").status_code == 404


def test_a_cache_that_is_down_is_not_retried_on_every_call(redis_cache, monkeypatch):
    redis_cache.stop()
    assert throttle.hit("k", 60) == 1  # the first call finds Redis gone and falls back

    class Recording:
        calls = []

        def __getattr__(self, name):
            self.calls.append(name)
            raise AssertionError("the shared cache was asked again within RETRY_SECONDS")

    monkeypatch.setattr(shared_cache, "cache", Recording())
    assert throttle.hit("k", 60) == 2  # the fallback kept counting
    assert Recording.calls == []


def test_the_dashboard_and_the_debounce_work_while_the_cache_is_down(redis_cache, tenant_a, make_member):
    """The cache's other uses (tenancy.shared_cache): the dashboard's cached tenant-wide figure and the
    coverage summary's debounce fall back to the process's memory instead of failing the request."""
    member = make_member(tenant_a, "manager")
    redis_cache.stop()
    assert member.client.get(member.url("")).status_code == 200
    assert member.client.get(member.url("")).status_code == 200  # the figure now comes from the fallback
    assert shared_cache.add("debounce:test", 1, 60) is True
    assert shared_cache.add("debounce:test", 1, 60) is False  # still debounced, per process
    assert shared_cache.fallback_stats()["fallbacks"] >= 2
