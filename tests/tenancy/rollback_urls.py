from django.http import HttpResponseServerError
from django.urls import path

from tenancy.decorators import tenant_view
from tenancy.models import Membership, Role


@tenant_view
def fails(request):
    Membership.objects.filter(pk=request.membership.pk).update(role=Role.ADMIN)
    return HttpResponseServerError("failed")


@tenant_view
def raises(request):
    Membership.objects.filter(pk=request.membership.pk).update(role=Role.ADMIN)
    raise RuntimeError("boom")


urlpatterns = [
    path("t/<slug:tenant_slug>/fails/", fails),
    path("t/<slug:tenant_slug>/raises/", raises),
]
