"""iCalendar (RFC 5545) feeds of visits, built with the icalendar package.

Every event carries a stable UID, DTSTART/DTEND with the visit's TZID (and the matching VTIMEZONE),
SUMMARY, LOCATION, DESCRIPTION, ORGANIZER, ATTENDEE (our people and their contacts with an e-mail
address), SEQUENCE and STATUS, so Outlook, Google Calendar and Apple Calendar update or drop an event
when the visit changes or is cancelled.
"""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from tenancy.dates import in_supported_range
from plans.models import Visit

logger = logging.getLogger(__name__)

PRODID = "-//Keystone//Visits//EN"


def event_uid(visit: Visit) -> str:
    return f"visit-{visit.tenant_id}-{visit.pk}@keystone"


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def _description(visit: Visit, url: str) -> str:
    ours = ", ".join(
        a.user.get_full_name() + (" (executive)" if a.executive else "") for a in visit.our_attendees.all()
    )
    theirs = ", ".join(
        c.contact.full_name + (f", {c.contact.title}" if c.contact.title else "") for c in visit.their_attendees.all()
    )
    lines = [f"Account: {visit.account.name}", f"Purpose: {visit.purpose}"]
    if ours:
        lines.append(f"Our attendees: {ours}")
    if theirs:
        lines.append(f"Their attendees: {theirs}")
    if visit.agenda:
        lines += ["", "Agenda:", visit.agenda]
    if url:
        lines += ["", f"Open in Keystone: {url}"]
    return "\n".join(lines)


def visit_event(visit: Visit, *, url: str = "", stamp: dt.datetime) -> Event:
    tz = ZoneInfo(visit.timezone)
    event = Event()
    event.add("uid", event_uid(visit))
    event.add("dtstamp", stamp)
    event.add("dtstart", visit.starts_at.astimezone(tz))
    event.add("dtend", visit.ends_at.astimezone(tz))
    event.add("summary", f"{visit.account.name}: {visit.purpose}")
    if visit.location:
        event.add("location", visit.location)
    event.add("description", _description(visit, url))
    event.add("sequence", visit.sequence)
    event.add("status", "CANCELLED" if visit.is_cancelled else "CONFIRMED")
    event.add("created", visit.created_at)
    event.add("last-modified", visit.updated_at)
    if url:
        event.add("url", url)
    if visit.organiser is not None:
        event.add("organizer", _address(visit.organiser.email, visit.organiser.get_full_name()))
    for attendee in visit.our_attendees.all():
        event.add(
            "attendee",
            _address(
                attendee.user.email,
                attendee.user.get_full_name(),
                role="REQ-PARTICIPANT",
                cutype="INDIVIDUAL",
                partstat="ACCEPTED",
            ),
        )
    for row in visit.their_attendees.all():
        if row.contact.email:
            event.add(
                "attendee",
                _address(
                    row.contact.email,
                    row.contact.full_name,
                    role="REQ-PARTICIPANT",
                    cutype="INDIVIDUAL",
                    partstat="NEEDS-ACTION",
                ),
            )
    return event


def visits_calendar(visits, *, name: str, url_for=lambda visit: "", now: dt.datetime) -> bytes:
    """The feed for `visits` (attendees prefetched, see selectors.visit_list)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    first = last = None
    for visit in visits:
        if not (in_supported_range(visit.starts_at) and in_supported_range(visit.ends_at)):
            # Only a row from before the services bounded the years (or written by hand) gets here. It
            # cannot be shown in every zone; leaving it out keeps the feed working for all the others.
            logger.warning(
                "Visit %s of tenant %s is outside the supported years; left out of the feed.", visit.pk, visit.tenant_id
            )
            continue
        calendar.add_component(visit_event(visit, url=url_for(visit), stamp=now))
        first = min(first or visit.starts_at, visit.starts_at)
        last = max(last or visit.ends_at, visit.ends_at)
    if first is not None:
        # VTIMEZONE rules only for the years the feed spans (a year either side), to keep it small.
        calendar.add_missing_timezones(
            first_date=(first - dt.timedelta(days=366)).date(), last_date=(last + dt.timedelta(days=366)).date()
        )
    return calendar.to_ical()
