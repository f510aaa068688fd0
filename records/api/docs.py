"""The OpenAPI schema and its browsable docs, under the project's Content Security Policy.

Swagger UI is served from our own static files (drf-spectacular-sidecar), never a CDN. The
policy allows scripts only from our origin (or with the page's nonce) and styles only from
our origin, so the docs page is drf-spectacular's "split" Swagger view, whose start-up script
is a separate file (`?script`) rather than inline, rendered by our own page template, which
has no inline <style> either. No CSP relaxation is needed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpResponse
from django.template import engines
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request

from records.api.permissions import IsStaffWithRole

DOCS_PAGE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="en-GB">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{ title }}</title>
    <link rel="icon" href="{{ favicon_href }}">
    <link rel="stylesheet" href="{{ swagger_ui_css }}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{{ swagger_ui_bundle }}"></script>
    <script src="{{ swagger_ui_standalone }}"></script>
    <script src="{{ script_url }}"></script>
  </body>
</html>
"""
)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document (YAML, or JSON with ?format=json), for members of staff."""

    permission_classes = [IsStaffWithRole]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # An API client is answered 403, not redirected to the sign-in page.
        return login_not_required(super().as_view(**initkwargs))


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI for the schema. A page for people: someone signed out is sent to the
    sign-in page, as from every other page (DRF exempts its views from
    LoginRequiredMiddleware, so this says it itself)."""

    permission_classes = [IsStaffWithRole]
    url_name = "api:schema"

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return login_required(super().as_view(**initkwargs))

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is not None:
            return response
        return HttpResponse(DOCS_PAGE.render(response.data, request))
