"""Who may read a briefing: every member of the tenant who may see the visit (plans' rule); what the
briefing shows of money follows accounts' financials rule inside the selector. Missing, another
tenant's, and not allowed all answer the same 404."""

from django.http import Http404

from plans import selectors as plans_selectors
from plans.models import Visit
from tenancy.models import Membership


def access_briefing_by_visit_id(*, membership: Membership, visit_id: int) -> Visit:
    if membership is None:
        raise Http404("No such page.")
    visit = plans_selectors.visit_detail(visit_id)
    if visit is None:
        raise Http404("No such visit.")
    return visit
