"""Who may read a briefing: every member of the tenant who may see the visit (plans' rule); what the
briefing shows of money follows accounts' financials rule inside the selector. Missing, another
tenant's, and not allowed all answer the same 404 (tenancy.access)."""

from plans.access import access_visit_by_id
from plans.models import Visit
from tenancy.models import Membership


def access_briefing_by_visit_id(*, membership: Membership, visit_id: int, for_edit: bool = False) -> Visit:
    return access_visit_by_id(membership=membership, visit_id=visit_id, for_edit=for_edit)
