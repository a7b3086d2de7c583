"""/api/v1/: one router; each app registers its viewsets with the `register(router)` its AppConfig names
(the `api` hook, tenancy.contributions)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from tenancy import contributions
from tenancy.api import me


class SchemaView(SpectacularAPIView):
    """/api/v1/schema/: public and the same for everyone, so it depends on the code alone. Built once per
    process and API version instead of on every request (half a second of CPU each time at any size)."""

    _built: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        if version not in self._built:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            self._built[version] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=self._built[version],
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )


router = DefaultRouter()
router.include_root_view = False
router.include_format_suffixes = False
for register in contributions.functions("api"):
    register(router)

urlpatterns = [
    path("me/", me, name="api-me"),
    path("schema/", SchemaView.as_view(authentication_classes=[], permission_classes=[AllowAny]), name="api-schema"),
    # The split view serves the page's script from a URL (?script), so the CSP needs no inline script. (No
    # Redoc page: it injects inline styles and loads web fonts from a CDN.)
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", authentication_classes=[], permission_classes=[AllowAny]
        ),
        name="api-docs",
    ),
    path("", include(router.urls)),
]
