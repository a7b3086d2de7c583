"""Resolves the tenant of a request and runs the rest of the request inside its context.

Browser: /t/<slug>/… — the user must be a member, otherwise 404 (never 403: we do not confirm that a
tenant exists). API: /api/v1/… — the tenant comes from the bearer token (see tenancy.tokens).
Either way the view runs inside `tenant_context()`: one transaction with app.tenant_id set and the
django-scopes scope open. A response with an error status rolls the transaction back, so a failed
request changes nothing.
"""

import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404
from django.utils.cache import patch_cache_control
from django_htmx.http import HttpResponseClientRedirect

from tenancy.context import acting_user_set, tenant_context
from tenancy.models import Membership, Tenant
from tenancy.tokens import token_from_header

TENANT_PATH = re.compile(r"^/t/(?P<slug>[-a-zA-Z0-9_]+)/")
API_PATH = "/api/v1/"


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        request.api_token = None
        match = TENANT_PATH.match(request.path_info)
        if match:
            return self._browser_request(request, match["slug"])
        if request.path_info.startswith(API_PATH):
            return self._api_request(request)
        return self.get_response(request)

    def _browser_request(self, request, slug):
        if not request.user.is_authenticated:
            return self._to_login(request)
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise Http404("No such page.")
        with tenant_context(tenant.pk, user_id=request.user.pk):
            membership = Membership.objects.filter(user=request.user).first()
            if membership is None:
                raise Http404("No such page.")
            membership.tenant = tenant
            request.tenant = tenant
            request.membership = membership
            return self._respond(request)

    @staticmethod
    def _to_login(request):
        """To the login page. An htmx request (its session expired while the page was open) gets an
        HX-Redirect instead, so the whole window goes there, not the login page into the target; the
        user comes back to the page they were on, not to the partial's URL."""
        htmx = getattr(request, "htmx", None)
        if htmx:
            back = htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(back, settings.LOGIN_URL)["Location"])
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)

    def _api_request(self, request):
        parsed = token_from_header(request.META.get("HTTP_AUTHORIZATION", ""))
        if parsed is None:
            return self.get_response(request)  # DRF answers 401, or serves the public schema
        tenant = Tenant.objects.filter(pk=parsed.tenant_id).first()
        if tenant is None:
            return self.get_response(request)
        with tenant_context(tenant.pk):
            token = parsed.lookup()
            if token is None:
                return self._respond(request)  # unknown or revoked: DRF answers 401
            membership = Membership.objects.filter(user_id=token.user_id).first()
            if membership is None or not token.user.is_active:
                return self._respond(request)
            membership.tenant = tenant
            request.tenant = tenant
            request.membership = membership
            request.api_token = token
            acting_user_set(token.user_id)
            return self._respond(request)

    def _respond(self, request):
        response = self.get_response(request)
        if response.status_code >= 400:
            transaction.set_rollback(True)
        # A tenant's pages, API answers and exports are for this user only: no shared or disk cache keeps them.
        patch_cache_control(response, private=True, no_store=True)
        return response
