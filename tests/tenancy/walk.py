"""Objects of this app for the cross-tenant URL walk (tests/test_tenant_walk.py):
URL keyword → function(member_of_other_tenant) -> primary key of an object in that tenant."""

from tenancy.models import ApiToken


def _token(member):
    from tests.conftest import api_client_for

    api_client_for(member)
    with member.scope():
        return ApiToken.objects.filter(user=member.user).values_list("pk", flat=True).first()


def _invitation(member):
    from tenancy.services import member_invite

    with member.scope():
        return member_invite(
            tenant=member.tenant,
            email=f"walk-{member.user.pk}@example.com",
            role="viewer",
            invited_by=member.user,
            base_url="http://testserver",
        ).pk


OBJECTS = {
    "membership_id": lambda member: member.membership.pk,
    "invitation_id": _invitation,
    "token_id": _token,
}


def _audit_entry(member):
    from tenancy.audit import audit_record
    from tenancy.models import AuditAction

    with member.scope():
        return audit_record(
            action=AuditAction.MEMBER_ROLE_CHANGED, target=member.membership, changes={"role": ("viewer", "admin")}
        ).pk


OBJECTS["audit_entry_id"] = _audit_entry
