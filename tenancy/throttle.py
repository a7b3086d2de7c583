"""Login throttling: after LOGIN_THROTTLE_FAILURES failed attempts for one e-mail address or from one
IP address within the window, further attempts are refused without checking the password."""

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str) -> list[str]:
    return [f"login-fail:email:{email.strip().lower()}", f"login-fail:ip:{ip}"]


def is_locked_out(email: str, ip: str) -> bool:
    counts = cache.get_many(_keys(email, ip))
    return any(value >= settings.LOGIN_THROTTLE_FAILURES for value in counts.values())


def record_failure(email: str, ip: str) -> None:
    for key in _keys(email, ip):
        if not cache.add(key, 1, settings.LOGIN_THROTTLE_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def clear(email: str) -> None:
    cache.delete(_keys(email, "")[0])
