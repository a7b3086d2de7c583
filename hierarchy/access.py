"""Who may see or change what in the hierarchy app: the same 404 for "missing" and "not allowed".

Everyone in the tenant reads maps, relationships and charts; admins and account managers (can_edit)
record assessments, add relationships, send survey links and acknowledge alerts; only admins edit the
hierarchy model. Queries go through the scoped managers, so another tenant's id is simply missing.
"""

from django.http import Http404

from accounts.models import Account
from tenancy.roles import ADMINS, EDITORS, require_role
from hierarchy.models import HierarchyAlert, HierarchyLevel, Relationship, SurveyInvitation


def _refuse():
    raise Http404("No such page.")


def can_edit(request) -> bool:
    return request.membership is not None and request.membership.can_edit


def access_account_by_id(*, request, account_id: int) -> Account:
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        _refuse()
    return account


def access_relationship_by_id(*, request, relationship_id: int, edit: bool = False) -> Relationship:
    relationship = (Relationship.objects.select_related("account", "contact", "user", "owner")
                    .filter(pk=relationship_id).first())
    if relationship is None:
        _refuse()
    if edit:
        require_role(request.membership, EDITORS)
    return relationship


def access_invitation_by_id(*, request, invitation_id: int) -> SurveyInvitation:
    invitation = SurveyInvitation.objects.select_related("relationship").filter(pk=invitation_id).first()
    if invitation is None:
        _refuse()
    require_role(request.membership, EDITORS)
    return invitation


def access_alert_by_id(*, request, alert_id: int) -> HierarchyAlert:
    alert = HierarchyAlert.objects.select_related("account").filter(pk=alert_id).first()
    if alert is None:
        _refuse()
    require_role(request.membership, EDITORS)
    return alert


def access_level_by_id(*, request, level_id: int) -> HierarchyLevel:
    level = HierarchyLevel.objects.select_related("model").filter(pk=level_id).first()
    if level is None:
        _refuse()
    require_role(request.membership, ADMINS)
    return level
