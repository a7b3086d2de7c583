"""The API's filter backend: django-filter's, refusing a filter parameter given without a value.

django-filter skips `?owner=` as if it were absent, so a client that meant to filter silently gets the
whole list. Here an empty value is a 400 naming the parameter, like any other bad filter value."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import SearchFilter as DRFSearchFilter

EMPTY = "Give a value, or leave the parameter out."


class StrictDjangoFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            empty = {
                name: [EMPTY]
                for name in filterset_class.base_filters
                if name in request.query_params and "" in request.query_params.getlist(name)
            }
            if empty:
                raise ValidationError(empty)
        return super().filter_queryset(request, queryset, view)


class SearchFilter(DRFSearchFilter):
    """DRF's search filter, naming its parameter when it refuses a value (a NUL character): DRF answered a
    bare list, `["Null characters are not allowed."]`, where every other 400 is {field: [messages]} (found
    by the fuzz run)."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as error:
            raise ValidationError({self.search_param: error.detail}) from error
