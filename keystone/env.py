"""Reading configuration from the environment: the only place settings come from."""

import os
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def mailer_config(url: str) -> dict:
    """EMAIL_URL → a Django 6.1 MAILERS entry: smtp://, smtps://, submission://, file:///dir, console://, locmem://."""
    parts = urlsplit(url)
    scheme = parts.scheme
    backends = "django.core.mail.backends."
    if scheme == "file":
        # One readable text file per message (links unbroken), not the raw quoted-printable MIME.
        return {"BACKEND": "keystone.mail.ReadableFileBackend", "OPTIONS": {"file_path": unquote(parts.path)}}
    if scheme == "console":
        return {"BACKEND": backends + "console.EmailBackend"}
    if scheme == "locmem":
        return {"BACKEND": backends + "locmem.EmailBackend"}
    if scheme in {"smtp", "smtps", "submission"}:
        return {
            "BACKEND": backends + "smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or {"smtp": 25, "smtps": 465, "submission": 587}[scheme],
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": scheme == "smtps",
                "use_tls": scheme == "submission",
                "timeout": 20,
            },
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {scheme!r} is not supported (smtp, smtps, submission, file, console, locmem)."
    )
