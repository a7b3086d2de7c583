"""The OpenAPI schema's description of error answers, for every operation (drf-spectacular AutoSchema).

Every API error has one of two shapes (keystone.api_errors): `{"detail": "…"}` for 401, 403, 404 and 405,
and `{field: ["message", …]}` for a 400 (`non_field_errors` for the request as a whole). Without these
entries the schema documented only the success answer, and clients (and the schemathesis run in the
suite) could not tell a documented refusal from an accident.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")


ERRORS = {
    "400": OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input: {field: [messages]}; nothing was changed."),
    "401": OpenApiResponse(ErrorSerializer, description="No valid API token."),
    "403": OpenApiResponse(ErrorSerializer, description="The token's role may not do this."),
    "404": OpenApiResponse(ErrorSerializer, description="Not found (also: another tenant's id, a page past the end)."),
}


class AutoSchema(SpectacularAutoSchema):
    def _is_list_view(self, serializer=None):
        # A view set whose `list` answers one object (a visit's briefing under /visits/<id>/briefing/) says
        # so with `answers_one_object = True`; drf-spectacular would otherwise document an array.
        if getattr(self.view, "answers_one_object", False):
            return False
        return super()._is_list_view(serializer)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = not getattr(self.view, "authentication_classes", None)
        for code, response in ERRORS.items():
            if public and code in ("401", "403"):
                continue
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return responses
