from django.http import Http404
from rest_framework.exceptions import NotFound
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    """Every API 404 has the same body: another tenant's id is indistinguishable from a missing one."""
    if isinstance(exc, (Http404, NotFound)):
        exc = NotFound("Not found.")
    return exception_handler(exc, context)
