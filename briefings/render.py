"""Turns a briefing into what people read: the page's content block, a standalone document (print
view, PDF, e-mail HTML), plain text, and the PDF. Every form renders the same templates over the same
`Briefing`, so the page, the PDF and the e-mail say the same things."""

import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify

from briefings.models import DeliveryKind

CSS = "briefings/briefing.css"


@dataclass
class Content:
    subject: str
    text: str
    html: str


def briefing_url(tenant, visit) -> str:
    """The briefing page, absolute (e-mails are built without a request: SITE_URL says where we are)."""
    return settings.SITE_URL.rstrip("/") + reverse("briefings:briefing", args=[tenant.slug, visit.pk])


@functools.cache
def _inline_css() -> str:
    """The briefing style sheet, for documents read without our server (PDF, e-mail)."""
    path = finders.find(CSS)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def when(visit, tenant) -> str:
    """The visit's start in the tenant's time zone, and at the place of the visit when that differs."""
    start = visit.starts_at.astimezone(tenant.zone)
    text = f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}"
    if visit.timezone != tenant.timezone:
        local = visit.starts_at.astimezone(ZoneInfo(visit.timezone))
        text += f" ({local:%H:%M} local time, {visit.timezone})"
    return text


def _styled(html: str) -> str:
    """A document read away from our server (e-mail) carries its style sheet inside. It is added here,
    not in the templates, so that no template, and so no page we serve under the CSP, has inline CSS."""
    return html.replace("</head>", f"<style>{_inline_css()}</style></head>", 1)


def _with_links(briefings: list, links: dict | None) -> list[tuple]:
    return [(b, (links or {}).get(b.visit.pk, "")) for b in briefings]


def document(
    *,
    briefings: list,
    tenant,
    inline_css: bool,
    title: str = "",
    links: dict | None = None,
    print_controls: bool = False,
) -> str:
    """A whole HTML document holding one or more briefings: the print view (linked CSS, served by us)
    and the PDF and e-mail (CSS inside, nothing fetched)."""
    html = render_to_string(
        "briefings/document.html",
        {
            "items": _with_links(briefings, links),
            "tenant": tenant,
            "linked_css": not inline_css,
            "css_path": CSS,
            "title": title or _subject(briefings, tenant),
            "print_controls": print_controls,
        },
    )
    return _styled(html) if inline_css else html


def text(*, briefings: list, tenant, links: dict | None = None) -> str:
    return render_to_string("briefings/briefing.txt", {"items": _with_links(briefings, links), "tenant": tenant})


def pdf(briefing) -> bytes:
    from weasyprint import HTML  # imported when needed: it loads Pango

    html = document(briefings=[briefing], tenant=briefing.visit.account.tenant, inline_css=True)
    return HTML(string=html, base_url=settings.SITE_URL).write_pdf()


def pdf_filename(briefing) -> str:
    start = briefing.visit.starts_at.astimezone(ZoneInfo(briefing.visit.timezone))
    return f"briefing-{slugify(briefing.account.name)[:40] or 'account'}-{start:%Y-%m-%d}.pdf"


def _subject(briefings: list, tenant) -> str:
    if len(briefings) == 1:
        visit = briefings[0].visit
        return f"Briefing: {visit.account.name} — {visit.purpose}, {when(visit, tenant)}"
    days = [b.visit.starts_at.astimezone(tenant.zone) for b in briefings]
    first, last = (f"{d:%a} {d.day} {d:%b}" for d in (min(days), max(days)))
    return f"Your briefings: {len(briefings)} visits, {first}" + (f" to {last}" if last != first else "")


def digest(*, briefings: list, tenant, recipient) -> Content:
    """The briefing e-mail: one visit, or the morning digest of several (each with its link)."""
    links = {b.visit.pk: briefing_url(tenant, b.visit) for b in briefings}
    return Content(
        subject=_subject(briefings, tenant),
        text=text(briefings=briefings, tenant=tenant, links=links),
        html=document(briefings=briefings, tenant=tenant, inline_css=True, links=links),
    )


NOTICE_SUBJECTS = {
    DeliveryKind.UPDATE: "Changed: {account} — {purpose}, now {when}",
    DeliveryKind.CANCELLATION: "Cancelled: {account} — {purpose}, {when}",
}


def notice(*, kind: str, visit, recipient, tenant, briefing_url: str) -> Content:
    """The short update or cancellation for someone who already had the briefing."""
    context = {
        "kind": kind,
        "visit": visit,
        "recipient": recipient,
        "tenant": tenant,
        "url": briefing_url,
        "when": when(visit, tenant),
        "attending": recipient.pk in {a.user_id for a in visit.our_attendees.all()},
    }
    subject = NOTICE_SUBJECTS[kind].format(account=visit.account.name, purpose=visit.purpose, when=when(visit, tenant))
    if kind == DeliveryKind.CANCELLATION and not visit.is_cancelled:
        subject = f"No longer attending: {visit.account.name} — {visit.purpose}, {when(visit, tenant)}"
    return Content(
        subject=subject,
        text=render_to_string("briefings/notice.txt", context),
        html=_styled(render_to_string("briefings/notice.html", context)),
    )
