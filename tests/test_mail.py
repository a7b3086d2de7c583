"""EMAIL_URL=file://DIR (the demo's outbox) writes messages a person can read and click."""

import re

from django.core import mail
from django.test import override_settings

from keystone.env import mailer_config

LINK = (
    "http://127.0.0.1:8123/password/reset/" + "MTIz/" + "c" * 30 + "-" + "a1b2c3d4e5" * 6 + "/?next=/t/acme/accounts/"
)


def test_file_outbox_shows_headers_and_the_plain_body_with_links_unbroken(tmp_path):
    with override_settings(MAILERS={"default": mailer_config(f"file://{tmp_path}")}):
        mail.EmailMultiAlternatives(
            "Einladung zu Müller & Söhne — Keystone",
            f"Choose your password here:\n{LINK}\n\nGrüße",
            "Keystone <keystone@localhost>",
            ["new.person@example.com"],
            alternatives=[("<p>html</p>", "text/html")],
        ).send()
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".txt"
    text = files[0].read_text("utf-8")
    assert LINK in text.splitlines()  # on one line, no quoted-printable '=' breaks or '=3D'
    assert "Subject: Einladung zu Müller & Söhne — Keystone" in text
    assert "To: new.person@example.com" in text and "From: Keystone <keystone@localhost>" in text
    assert "Grüße" in text and "=3D" not in text and "=\n" not in text
    assert "[alternative part: text/html, not shown]" in text


def test_invitation_in_the_file_outbox_carries_a_whole_link(tmp_path, admin_a, django_capture_on_commit_callbacks):
    with override_settings(MAILERS={"default": mailer_config(f"file://{tmp_path}")}):
        with django_capture_on_commit_callbacks(execute=True):
            admin_a.client.post(admin_a.url("members/"), {"email": "someone@example.com", "role": "viewer"})
    text = next(tmp_path.iterdir()).read_text("utf-8")
    links = [line for line in text.splitlines() if re.fullmatch(r"http://testserver/password/reset/\w+/[-\w]+/", line)]
    assert len(links) == 1, text
