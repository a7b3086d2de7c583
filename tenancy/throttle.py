"""Login throttling: after LOGIN_THROTTLE_FAILURES failed attempts for one e-mail address, or
LOGIN_THROTTLE_IP_FAILURES (far more: colleagues share an address) from one client address, within
the window, further attempts are refused without checking the password."""

from django.conf import settings
from django.core.cache import cache


def _email_key(email: str) -> str:
    return f"login-fail:email:{email.strip().lower()}"


def _ip_key(ip: str) -> str:
    return f"login-fail:ip:{ip}"


def _keys(email: str, ip: str) -> list[str]:
    return [_email_key(email), _ip_key(ip)]


def is_locked_out(email: str, ip: str) -> bool:
    counts = cache.get_many(_keys(email, ip))
    return (counts.get(_email_key(email), 0) >= settings.LOGIN_THROTTLE_FAILURES
            or counts.get(_ip_key(ip), 0) >= settings.LOGIN_THROTTLE_IP_FAILURES)


def record_failure(email: str, ip: str) -> None:
    for key in _keys(email, ip):
        if not cache.add(key, 1, settings.LOGIN_THROTTLE_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def clear(email: str) -> None:
    cache.delete(_email_key(email))
