"""Who may see what, answered with the same 404 for "missing" and "not allowed"."""

from django.http import Http404

from tenancy.models import ApiToken, Invitation, Membership


def require_admin(request) -> None:
    if request.membership is None or not request.membership.is_admin:
        raise Http404("No such page.")


def require_editor(request) -> None:
    if request.membership is None or not request.membership.can_edit:
        raise Http404("No such page.")


def access_membership_by_id(*, request, membership_id: int) -> Membership:
    require_admin(request)
    membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such member.")
    return membership


def access_invitation_by_id(*, request, invitation_id: int) -> Invitation:
    require_admin(request)
    invitation = Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def access_api_token_by_id(*, request, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404("No such token.")
    return token
