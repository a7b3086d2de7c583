from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed


class TenantTokenAuthentication(BaseAuthentication):
    """Accepts the token the tenant middleware already verified; anything else is a 401."""

    def authenticate(self, request):
        if not get_authorization_header(request):
            return None
        token = getattr(request._request, "api_token", None)
        if token is None:
            raise AuthenticationFailed("Invalid, revoked or expired API token.")
        return (token.user, token)

    def authenticate_header(self, request):
        return 'Bearer realm="keystone"'
