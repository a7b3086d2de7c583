"""The e-mail backend behind EMAIL_URL=file://DIR (the demo's var/outbox): one plain-text file per
message, headers and body as a person reads them. Django's file backend writes the raw MIME message,
whose quoted-printable body breaks long links with '=' at every 76th character, so an invitation or
password link could not be clicked or copied from it."""

from email.header import decode_header, make_header

from django.core.mail.backends.filebased import EmailBackend as DjangoFileBackend

SHOWN_HEADERS = ("Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-ID")


def _readable(value: str) -> str:
    return str(make_header(decode_header(value)))


class ReadableFileBackend(DjangoFileBackend):
    def write_message(self, message):
        mime = message.message()
        lines = [f"{name}: {_readable(mime[name])}" for name in SHOWN_HEADERS if mime[name]]
        lines += ["", message.body.rstrip("\n")]
        for alternative in getattr(message, "alternatives", None) or []:
            lines += ["", f"[alternative part: {alternative[1]}, not shown]"]
        for attachment in message.attachments:
            name = attachment.get_filename() if hasattr(attachment, "get_filename") else attachment[0]
            lines += [f"[attachment: {name}]"]
        self.stream.write(("\n".join(lines) + "\n" + "-" * 79 + "\n").encode("utf-8"))

    def _get_filename(self):
        name = super()._get_filename()
        return name[: -len(".log")] + ".txt" if name.endswith(".log") else name
