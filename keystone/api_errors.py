from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    """Every API 404 has the same body: another tenant's id is indistinguishable from a missing one.
    A service's own ValidationError is a 400 shaped like a serializer's, so views call services plainly."""
    if isinstance(exc, (Http404, NotFound)):
        exc = NotFound("Not found.")
    elif isinstance(exc, DjangoValidationError):
        exc = drf_validation_error(exc)
    return exception_handler(exc, context)


def drf_validation_error(error: DjangoValidationError) -> ValidationError:
    """{field: [messages]}, with whatever concerns the request as a whole (Django's `__all__`, or a
    message without a field) under `non_field_errors` as DRF's own validation puts it."""
    detail = as_serializer_error(error)
    if "__all__" in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop("__all__")
    return ValidationError(detail)
