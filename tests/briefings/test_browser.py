"""As an executive would: from the calendar to the briefing, then the print view printed by Chromium
and the PDF download; the same content in each, no console errors."""

import io

import pytest
from pypdf import PdfReader

from tests.briefings.world import build_world
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_the_briefing_from_the_calendar_and_print_it(page, tenant_a, executive_a, manager_a):
    world = build_world(tenant=tenant_a, executive=executive_a, manager=manager_a)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )

    browser_login(page, executive_a.user.email)
    page.goto(f"/t/{tenant_a.slug}/plans/calendar/?view=list")
    page.get_by_role("link", name="Briefing", exact=True).first.click()
    page.wait_for_url(f"**/briefings/visits/{world.visit.pk}/")
    assert page.get_by_role("heading", name="What not to say").is_visible()
    assert page.get_by_text("Bruno Buyer is a blocker").is_visible()

    page.get_by_role("link", name="Print view").click()
    page.wait_for_url(f"**/briefings/visits/{world.visit.pk}/print/")
    assert page.get_by_role("button", name="Print").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()  # controls do not print
    printed = page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(printed))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "What you must know" in text and "Fleet telematics" in text and "Print" not in text.split("Briefing")[0]
    assert len(reader.pages) <= 4

    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    downloaded = download.value
    assert downloaded.suggested_filename.startswith("briefing-contoso-freight-")
    with open(downloaded.path(), "rb") as handle:
        pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(handle).pages)
    assert "Fleet telematics" in pdf_text and "Bruno Buyer is a blocker" in pdf_text
    assert errors == []
