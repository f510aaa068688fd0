"""The staff pages (/staff/): Admins list, add and change staff accounts.

Every page answers 404 to anyone but an Admin (staff.permissions.can_manage_staff), as for
anything absent. Views bind a form, call staff.services and redirect; a refusal is shown in
the GOV.UK error summary and nothing is changed. A set-password link is shown once, on the
response to the POST that made it, and never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staff import selectors, services
from staff.forms import ActionForm, StaffAddForm, StaffRoleForm
from staff.permissions import can_manage_staff
from virtualschool.errors import DomainError

User = get_user_model()


def _admin_only(request: HttpRequest) -> None:
    if not can_manage_staff(request.user):
        raise Http404("No page here")


@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return render(request, "staff/list.html", {"people": selectors.staff_list()})


def _link_page(request: HttpRequest, person: Any, path: str, *, added: bool) -> HttpResponse:
    response = render(
        request,
        "staff/set_password_link.html",
        {"person": person, "link": request.build_absolute_uri(path), "added": added},
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def staff_add(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.staff_add(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            return _link_page(request, added.user, added.set_password_path, added=True)
    return render(request, "staff/add.html", {"form": form})


def _detail(request: HttpRequest, pk: int, form: ActionForm | None = None, status: int = 200):
    person = selectors.staff_get(pk=pk)
    return render(
        request,
        "staff/detail.html",
        {
            "person": person,
            "changes": selectors.staff_changes(user=person),
            "is_self": person.pk == request.user.pk,
            "form": form or ActionForm(),
        },
        status=status,
    )


@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    return _detail(request, pk)


@never_cache
@require_http_methods(["GET", "POST"])
def staff_role(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    person = selectors.staff_get(pk=pk)
    initial = {"role": person.role_name, "sensitive": person.sensitive}
    form = StaffRoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.staff_role_set(actor=request.user, user=person, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, f"{person.get_full_name()}'s role and access are saved")
            return redirect("staff:detail", pk=person.pk)
    return render(
        request,
        "staff/role.html",
        {"person": person, "form": form, "is_self": person.pk == request.user.pk},
    )


def _action(service: Callable[..., Any], done: str) -> Callable[[HttpRequest, int], HttpResponse]:
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        _admin_only(request)
        person = selectors.staff_get(pk=pk)
        try:
            service(actor=request.user, user=person)
        except DomainError as error:
            form = ActionForm({})
            form.is_valid()
            form.add_error(None, error)
            return _detail(request, pk, form, status=400)
        messages.success(request, done.format(name=person.get_full_name()))
        return redirect("staff:detail", pk=person.pk)

    return view


staff_deactivate = _action(
    services.staff_deactivate, "{name} is deactivated and signed out everywhere"
)
staff_reactivate = _action(services.staff_reactivate, "{name} can sign in again")
staff_two_factor_reset = _action(
    services.staff_two_factor_reset,
    "{name}'s two-factor sign-in is reset: they set up an authenticator app at next sign-in",
)
staff_unlock = _action(services.staff_unlock, "{name} is unlocked and can try to sign in again")


@require_POST
def staff_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    person = selectors.staff_get(pk=pk)
    try:
        path = services.staff_password_reset(actor=request.user, user=person)
    except DomainError as error:
        form = ActionForm({})
        form.is_valid()
        form.add_error(None, error)
        return _detail(request, pk, form, status=400)
    return _link_page(request, person, path, added=False)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The set-password link (/set-password/<uid>/<token>/): Django's password-reset
    confirmation (the token moves into the session at once, so it is not left in the
    address or a Referer header), writing the password through staff.services. The person
    then signs in with it, and with their second factor, as everyone does."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("set-password-done")
    token_generator = default_token_generator

    def form_valid(self, form: Any) -> HttpResponse:
        services.staff_password_set(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/set_password_done.html"
