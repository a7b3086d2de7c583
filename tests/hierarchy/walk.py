"""Objects of the hierarchy app for the cross-tenant URL walk (tests/test_tenant_walk.py):
URL keyword → function(member_of_other_tenant) -> primary key of an object in that tenant."""

from django.utils import timezone

from hierarchy import services
from hierarchy.models import HierarchyAlert, HierarchyLevel, HierarchyModelSwitch
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, make_relationship


def _relationship(member):
    contact = ContactFactory(account=AccountFactory(tenant=member.tenant))
    return make_relationship(user=member.user, contact=contact)


def _assessment(member):
    return assess(_relationship(member), 3).pk


def _invitation(member):
    relationship = _relationship(member)
    with member.scope():
        invitation, _ = services.survey_invitation_send(
            relationship=relationship, sent_by=member.user, base_url="http://testserver"
        )
    return invitation.pk


def _alert(member):
    relationship = _relationship(member)
    assess(relationship, 4)
    assess(relationship, 2, at=timezone.now())
    with member.scope():
        return HierarchyAlert.objects.filter(relationship=relationship).values_list("pk", flat=True).get()


def _level(member):
    with member.scope():
        services.hierarchy_defaults_ensure()
        return HierarchyLevel.objects.values_list("pk", flat=True).first()


def _model(member):
    with member.scope():
        return services.hierarchy_defaults_ensure().pk


def _model_switch(member):
    from hierarchy.models import HierarchyModel

    with member.scope():
        services.hierarchy_defaults_ensure()
        services.hierarchy_model_activate(model=HierarchyModel.objects.get(kind="needs"), by=member.user)
        return HierarchyModelSwitch.objects.get().pk


OBJECTS = {
    "model_switch_id": _model_switch,
    "account_id": lambda member: AccountFactory(tenant=member.tenant).pk,
    "relationship_id": lambda member: _relationship(member).pk,
    "assessment_id": _assessment,
    "invitation_id": _invitation,
    "alert_id": _alert,
    "level_id": _level,
    "hierarchy_model_id": _model,
}
