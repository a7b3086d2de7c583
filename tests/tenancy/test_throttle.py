"""Login throttling: per e-mail address after a few failures, per client address only after many,
and the client address behind a proxy only when settings say how many proxies to trust."""

import pytest
from django.test import Client, RequestFactory

from tenancy.forms import client_ip

pytestmark = pytest.mark.django_db

WRONG = "wrong-password"


def _fail(email, times, **meta):
    client = Client(**meta)
    for _ in range(times):
        response = client.post("/login/", {"username": email, "password": WRONG})
        assert b"Please enter a correct" in response.content


def test_typos_for_one_address_do_not_lock_out_a_colleague_on_the_same_ip(tenant_a, make_member):
    alice, bob = make_member(tenant_a), make_member(tenant_a)
    _fail(alice.user.email, 5)  # same REMOTE_ADDR (127.0.0.1) as bob's browser
    client = Client()
    locked = client.post("/login/", {"username": alice.user.email, "password": "pass-word-123"})
    assert b"Too many failed sign-in attempts" in locked.content
    response = client.post("/login/", {"username": bob.user.email, "password": "pass-word-123"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(bob.user.pk)


def test_one_address_trying_many_accounts_is_locked_out(settings, tenant_a, make_member):
    settings.LOGIN_THROTTLE_IP_FAILURES = 12
    member = make_member(tenant_a)
    for n in range(3):
        _fail(f"guess{n}@example.com", 4)
    client = Client()
    response = client.post("/login/", {"username": member.user.email, "password": "pass-word-123"})
    assert b"Too many failed sign-in attempts" in response.content
    other_ip = Client(REMOTE_ADDR="10.1.2.3")
    assert other_ip.post("/login/", {"username": member.user.email, "password": "pass-word-123"}).status_code == 302


def test_ip_limit_is_much_higher_than_the_per_email_limit(settings):
    assert settings.LOGIN_THROTTLE_IP_FAILURES >= 10 * settings.LOGIN_THROTTLE_FAILURES


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy trusted: the header is the client's word, ignored
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the proxy appended the real client
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),
        (1, "", "192.0.2.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_a_trusted_proxy_clients_are_throttled_by_their_own_address(settings, tenant_a, make_member):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_THROTTLE_IP_FAILURES = 6
    member = make_member(tenant_a)
    for n in range(3):
        _fail(f"guess{n}@example.com", 2, HTTP_X_FORWARDED_FOR="203.0.113.9")
    blocked = Client(HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert b"Too many" in blocked.post("/login/", {"username": member.user.email, "password": "pass-word-123"}).content
    fine = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")  # same REMOTE_ADDR (the proxy), another client
    assert fine.post("/login/", {"username": member.user.email, "password": "pass-word-123"}).status_code == 302
