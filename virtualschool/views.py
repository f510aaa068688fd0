"""Project-wide pages: the home page, the health check, the public accessibility statement,
help page and favicon, and the error handlers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views import defaults
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


# --- Public pages: anyone, signed in or not (like the privacy notice) ------------------------
# login_not_required lets them be before sign-in and before the second factor
# (SecondFactorRequiredMiddleware follows it); RECIPIENT_ROUTES lets a recipient read them.

FAVICON = "govuk/assets/images/favicon.ico"


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, linked from every page's footer."""
    return render(request, "accessibility.html")


@login_not_required
@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """How to get help with the service, linked from every page's footer."""
    return render(request, "help.html")


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links: GOV.UK Frontend's icon,
    at its hashed static address (long-cached there; this redirect is not, so a new icon
    shows)."""
    return redirect(staticfiles_storage.url(FAVICON))


# The error handlers (virtualschool/urls.py): the service's pages (templates/400.html, 404.html,
# 500.html), or for the API, which answers JSON, DRF's shape ({"detail": ...}). DRF answers
# errors raised inside an API view itself; these answer the rest, such as an /api/ address
# that matches no route or a request Django refuses before any view (too large a body).
API_PREFIX = "/api/"


def _api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Rendered without the request, unlike Django's: a request refused this early (an unknown
    host, too large a body) may not have been through the middleware that sets request.user,
    which the context processors read; and 400.html needs nothing from it."""
    if _api(request):
        detail = (
            "The request body is too large"
            if isinstance(exception, RequestDataTooBig)
            else "Bad request."
        )
        return JsonResponse({"detail": detail}, status=400)
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "Sorry, there is a problem with the service."}, status=500)
    return defaults.server_error(request)
