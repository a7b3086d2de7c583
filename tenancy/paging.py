"""Pages of a long list without reading every row before them (issue 12).

LeanCountPaginator / ApiPagination: the API keeps exact page-number pagination (its clients read
`count`), but counts without the order and the annotated columns of the list.

An HTML list goes at most MAX_ROWS rows deep: the count stops there (SELECT count(*) FROM (… LIMIT
MAX_ROWS + 1)), so no page ever counts or skips more than that, and a page number past the cap shows
the last page within it with a hint to narrow the list (search, filters) instead. A person does not
page through 100,000 accounts; an integration reads them through the API.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

MAX_ROWS = 1_000


class LeanCountPaginator(Paginator):
    """Django's Paginator, counting a queryset without its order and its annotated columns: an exact
    count that does not compute, for every row of the tenant, what only the page shows (the API's
    lists, whose clients rely on the exact count)."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return self.object_list.order_by().values("pk").count()
        return super().count


class ApiPagination(PageNumberPagination):
    """The API's page-number pagination (settings.REST_FRAMEWORK) with the lean count."""

    django_paginator_class = LeanCountPaginator


class CappedPaginator(Paginator):
    """Django's Paginator over the first `cap` rows. `capped` tells whether there are more;
    `count_label` is the count to show ("1,000+" when capped)."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, known_count: int | None = None, **kwargs):
        """`known_count`: how many rows there are, when the caller already knows it (a stored figure,
        e.g. the coverage summary), so that nothing is counted."""
        super().__init__(object_list, per_page, **kwargs)
        self.cap = MAX_ROWS if cap is None else cap
        self.known_count = known_count

    @cached_property
    def _bounded_count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        if isinstance(self.object_list, QuerySet):
            # Counted in SQL over at most cap + 1 rows, without the order or the columns (its
            # annotations) that only the page needs.
            return self.object_list.order_by().values("pk")[: self.cap + 1].count()
        return len(self.object_list[: self.cap + 1])

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.cap)

    @property
    def capped(self) -> bool:
        return self._bounded_count > self.cap

    @property
    def count_label(self) -> str:
        return f"{self.cap:,}+" if self.capped else f"{self.count:,}"

    @property
    def cap_label(self) -> str:
        return f"{self.cap:,}"
