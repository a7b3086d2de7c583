"""tenancy.members and tenancy.api.MemberField: one member queryset, one member check, one API field."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from tenancy.api import MemberField
from tenancy.members import member_users, require_members
from tests.tenancy.factories import MembershipFactory, UserFactory


def test_the_members_are_the_tenants_active_ones_with_their_role(admin_a, viewer_a, manager_b):
    gone = UserFactory(is_active=False)
    MembershipFactory(tenant=admin_a.tenant, user=gone)
    with admin_a.scope():
        members = {user.pk: user.role for user in member_users()}
    assert members == {admin_a.user.pk: "admin", viewer_a.user.pk: "viewer"}


def test_the_check_names_every_stranger_and_passes_no_one(manager_a, manager_b, admin_b):
    with manager_a.scope():
        assert require_members([manager_a.user, None], "owner") == {manager_a.user.pk: "manager"}
        with pytest.raises(ValidationError) as error:
            require_members([manager_a.user, manager_b.user, admin_b.user], "attendees")
    [message] = error.value.message_dict["attendees"]
    assert message.endswith("are not members of this tenant.")
    assert str(manager_b.user) in message and str(admin_b.user) in message


def test_the_api_field_refuses_another_tenants_user_like_a_stranger(manager_a, manager_b):
    field = MemberField()
    with manager_a.scope():
        assert field.to_internal_value(manager_a.user.pk) == manager_a.user
        for pk in (manager_b.user.pk, 10**9):
            with pytest.raises(serializers.ValidationError, match="is not a member of this tenant"):
                field.to_internal_value(pk)
