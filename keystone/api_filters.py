"""The API's filter backend: django-filter's, refusing a filter parameter given without a value.

django-filter skips `?owner=` as if it were absent, so a client that meant to filter silently gets the
whole list. Here an empty value is a 400 naming the parameter, like any other bad filter value."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

EMPTY = "Give a value, or leave the parameter out."


class StrictDjangoFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            empty = {name: [EMPTY] for name in filterset_class.base_filters
                     if name in request.query_params and "" in request.query_params.getlist(name)}
            if empty:
                raise ValidationError(empty)
        return super().filter_queryset(request, queryset, view)
