"""Middleware of our own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer /healthz before host validation, HTTPS redirects or sessions.

    Load balancers and container health checks call the service by IP address, which is not in
    ALLOWED_HOSTS, and over plain HTTP; the check reads no host and returns no personal data.
    Placed first in MIDDLEWARE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            from virtualschool.views import healthz

            return healthz(request)
        return self.get_response(request)
