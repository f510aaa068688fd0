"""Project-wide pages: the home page and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from virtualschool import health
from virtualschool.home import home_context
from virtualschool.roles import user_roles


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's starting point: what their role lets them do, with each app's
    part (virtualschool/home.py)."""
    user = request.user
    return render(request, "home.html", {**home_context(user), "roles": user_roles(user)})


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status as JSON; 503 when the database is down."""
    database = health.database_status()
    broker = health.broker_status()
    status = 200 if database == health.OK else 503
    return JsonResponse({"database": database, "broker": broker}, status=status)
