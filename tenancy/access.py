"""Who may see what, answered with the same 404 for "missing" and "not allowed"."""

from django.http import Http404

from tenancy.models import ApiToken, Invitation, Membership
from tenancy.roles import ADMINS, EDITORS, require_role


def require_admin(request) -> None:
    if request.membership is None:
        raise Http404("No such page.")
    require_role(request.membership, ADMINS)


def require_editor(request) -> None:
    if request.membership is None:
        raise Http404("No such page.")
    require_role(request.membership, EDITORS)


def access_membership_by_id(*, request, membership_id: int) -> Membership:
    if request.membership is None:
        raise Http404("No such page.")
    membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such member.")
    require_admin(request)
    return membership


def access_invitation_by_id(*, request, invitation_id: int) -> Invitation:
    if request.membership is None:
        raise Http404("No such page.")
    invitation = Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True).first()
    if invitation is None:
        raise Http404("No such invitation.")
    require_admin(request)
    return invitation


def access_api_token_by_id(*, request, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404("No such token.")
    return token
