"""Who may see or change what in the hierarchy app (tenancy.access: one signature, the same 404 for
"missing" and "not allowed"). Everyone in the tenant reads maps, relationships and charts; admins and
account managers record assessments, add relationships, send survey links and acknowledge alerts; only
admins edit the hierarchy model. Accounts are found by accounts.access."""

from hierarchy.models import HierarchyAlert, HierarchyLevel, Relationship, SurveyInvitation
from tenancy.access import editors_if, found
from tenancy.roles import ADMINS


def access_relationship_by_id(*, membership, relationship_id: int, for_edit: bool = False) -> Relationship:
    relationship = (
        Relationship.objects.select_related("account", "contact", "user", "owner").filter(pk=relationship_id).first()
    )
    return found(relationship, membership, roles=editors_if(for_edit))


def access_invitation_by_id(*, membership, invitation_id: int, for_edit: bool = False) -> SurveyInvitation:
    invitation = SurveyInvitation.objects.select_related("relationship").filter(pk=invitation_id).first()
    return found(invitation, membership, roles=editors_if(for_edit))


def access_alert_by_id(*, membership, alert_id: int, for_edit: bool = False) -> HierarchyAlert:
    alert = HierarchyAlert.objects.select_related("account").filter(pk=alert_id).first()
    return found(alert, membership, roles=editors_if(for_edit))


def access_level_by_id(*, membership, level_id: int, for_edit: bool = False) -> HierarchyLevel:
    level = HierarchyLevel.objects.select_related("model").filter(pk=level_id).first()
    return found(level, membership, roles=editors_if(for_edit, ADMINS))
