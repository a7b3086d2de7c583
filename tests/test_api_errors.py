"""keystone.api_errors: a service's Django ValidationError is a 400 shaped like DRF's own, in every app."""

from django.core.exceptions import ValidationError

from keystone.api_errors import drf_validation_error


def test_field_messages_keep_their_field():
    error = drf_validation_error(ValidationError({"name": "Too long.", "__all__": "Clashes."}))
    assert error.detail == {"name": ["Too long."], "non_field_errors": ["Clashes."]}


def test_a_message_without_a_field_concerns_the_request_as_a_whole():
    error = drf_validation_error(ValidationError(["First.", "Second."]))
    assert error.detail == {"non_field_errors": ["First.", "Second."]}
