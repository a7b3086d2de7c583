"""The range of dates the app accepts, and the datetime filter every API list uses.

Python's datetimes end at years 1 and 9999: a time near either end overflows as soon as it is moved into
a far time zone (a page, the API's output, an ICS feed's VTIMEZONE a year either side), and PostgreSQL
refuses offsets beyond ±15:59. Every date a person types is therefore kept to the calendar's years
1900–2999, far from both ends, and a datetime filter is moved to UTC before it reaches the database.
"""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_OFFSET = dt.timedelta(hours=16)  # PostgreSQL's limit; real zones stay within -12:00…+14:00
OUT_OF_RANGE = f"Choose a date between the years {FIRST_YEAR} and {LAST_YEAR}."


def in_supported_range(value: dt.date | dt.datetime) -> bool:
    """True when `value` (naive, aware or a date) lies in the years the app accepts, in UTC and in its own zone."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return False
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # 2999-12-31T23:00-05:00 is already year 3000 in UTC (and cannot overflow once its own year is in range).
        return FIRST_YEAR <= value.astimezone(dt.UTC).year <= LAST_YEAR
    return True


def check_supported_range(value) -> None:
    """Raises ValidationError for a date or datetime outside the years the app accepts, or with an offset
    from UTC PostgreSQL cannot store."""
    if value is None:
        return
    if isinstance(value, dt.datetime) and value.tzinfo is not None and abs(value.utcoffset()) >= MAX_OFFSET:
        raise ValidationError("Give an offset from UTC between -15:59 and +15:59 (e.g. +02:00 or Z).", code="offset")
    if not in_supported_range(value):
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")


class UTCIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 datetime filter value inside the supported years, moved to UTC: PostgreSQL refuses an
    offset it cannot represent (e.g. -16:00) with a server error otherwise."""

    def to_python(self, value):
        try:
            result = super().to_python(value)
        except OverflowError:  # a naive time at the very edge, moved into the tenant's zone
            raise ValidationError(OUT_OF_RANGE, code="out_of_range") from None
        if result is None:
            return None
        check_supported_range(result)
        return result.astimezone(dt.UTC)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's IsoDateTimeFilter with the range and the UTC conversion above."""

    field_class = UTCIsoDateTimeField


def rfc3339(value: dt.datetime) -> str:
    """ISO 8601 as RFC 3339 allows it: an offset in whole minutes. Zones before standard time used local
    mean time (Asia/Kolkata 1900: +05:53:28), which isoformat() writes with seconds; such a time is given
    in UTC instead."""
    if value.utcoffset() % dt.timedelta(minutes=1):
        value = value.astimezone(dt.UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class RFC3339DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField whose output is always RFC 3339 (see rfc3339); keystone.apps makes it the
    ModelSerializer default for DateTimeFields."""

    def to_representation(self, value):
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        if not isinstance(value, dt.datetime) or not output_format or output_format.lower() != ISO_8601:
            return super().to_representation(value)
        value = self.enforce_timezone(value)
        return rfc3339(value) if value.tzinfo is not None else value.isoformat()
