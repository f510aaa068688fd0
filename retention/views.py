"""The retention pages (/retention/): Admins see and change the rules, the queue, legal holds,
destruction lists and certificates (listed, and each as CSV and PDF). Anyone else gets a 404.
Also the public privacy notice (/privacy/), which anyone may read. Views bind a form, call
retention.services and redirect; every refusal, the form's and the rules', is shown at once in
the GOV.UK error summary, and nothing changes."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from records.models import Child
from retention import certificate_files, selectors, services
from retention.certificate_files import CSV_COLUMNS, certificate_csv_row
from retention.forms import HoldForm, LiftForm, ListActionForm, ProposeForm, RuleForm
from retention.models import DestructionList, LegalHold, RetentionRule
from retention.privacy_notice import privacy_notice
from sharing.services import today as sharing_today
from virtualschool.errors import DomainError
from virtualschool.roles import Role, user_has_role


def _admin_only(request: HttpRequest) -> None:
    if not (request.user.is_active and user_has_role(request.user, Role.ADMIN)):
        raise Http404("No page here")


def _posted(request: HttpRequest) -> Any:
    """The form's data on a POST (an empty one included: it is refused with its errors)."""
    return request.POST if request.method == "POST" else None


def _refused(form: forms.Form, error: DomainError) -> None:
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def _write(form: forms.Form, write) -> Any:
    """The write's result, or None with every refusal on the form."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except DomainError as error:
        _refused(form, error)
        return None


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """/retention/ itself: the queue, where an Admin's work starts."""
    _admin_only(request)
    return redirect("retention:queue")


@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = RuleForm(_posted(request))

    def change(values):
        rule = RetentionRule.objects.get(cohort=values["cohort"])
        return services.retention_rule_change(
            rule=rule,
            actor=request.user,
            years=values["years"],
            basis=values["basis"] or None,
            source=values["source"] or None,
        )

    if request.method == "POST" and (rule := _write(form, change)) is not None:
        messages.success(request, f"The rule is changed: {rule}")
        return redirect("retention:rules")
    return render(
        request, "retention/rules.html", {"rules": selectors.retention_rules(), "form": form}
    )


def _queue_page(request: HttpRequest, form: ProposeForm) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "retention/queue.html",
        {"queue": selectors.retention_queue(today=today), "form": form, "today": today},
    )


def _due_choices() -> list[tuple[str, str]]:
    today = timezone.localdate()
    return [
        (str(row.child_id), row.child.full_name)
        for row in selectors.retention_queue(today=today)["due"]
    ]


@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = ProposeForm(_posted(request), choices=_due_choices())
    if request.method == "POST":
        made = _write(
            form,
            lambda values: services.destruction_list_propose(
                child_ids=values["child_ids"], actor=request.user, today=timezone.localdate()
            ),
        )
        if made is not None:
            messages.success(request, f"Destruction list {made.pk} is proposed")
            return redirect("retention:lists")
    return _queue_page(request, form)


@require_http_methods(["GET", "POST"])
def holds(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = HoldForm(_posted(request))

    def place(values):
        child = Child.objects.filter(pk=values["child"]).first()
        if child is None:
            raise DomainError({"child": ["No child has this record id"]})
        return services.legal_hold_place(
            child=child,
            actor=request.user,
            reason=values["reason"],
            until=values["until"],
            today=timezone.localdate(),
        )

    if request.method == "POST" and _write(form, place) is not None:
        messages.success(request, "The legal hold is placed")
        return redirect("retention:holds")
    return render(
        request,
        "retention/holds.html",
        {"holds": selectors.legal_holds(), "form": form, "lift_form": LiftForm()},
    )


@require_POST
def hold_lift(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = LiftForm(request.POST)

    def lift(values):
        hold = LegalHold.objects.filter(pk=values["hold"]).first()
        if hold is None:
            raise DomainError({"hold": ["No such hold"]})
        return services.legal_hold_lift(hold=hold, actor=request.user, reason=values["reason"])

    if _write(form, lift) is not None:
        messages.success(request, "The legal hold is lifted")
        return redirect("retention:holds")
    return render(
        request,
        "retention/holds.html",
        {"holds": selectors.legal_holds(), "form": HoldForm(), "lift_form": form},
    )


@require_http_methods(["GET", "POST"])
def lists(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = ListActionForm(_posted(request))

    def act(values):
        found = DestructionList.objects.filter(pk=values["destruction_list"]).first()
        if found is None:
            raise DomainError({"destruction_list": ["No such list"]})
        today = timezone.localdate()
        if values["action"] == "approve":
            return services.destruction_list_approve(
                destruction_list=found, actor=request.user, today=today
            )
        if values["action"] == "cancel":
            return services.destruction_list_cancel(
                destruction_list=found, actor=request.user, today=today
            )
        if values["child_id"] is None:
            raise DomainError({"child_id": ["Choose the child to take off the list"]})
        return services.destruction_list_remove_child(
            destruction_list=found, child_id=values["child_id"], actor=request.user, today=today
        )

    if request.method == "POST" and _write(form, act) is not None:
        messages.success(request, "The destruction list is changed")
        return redirect("retention:lists")
    return render(
        request, "retention/lists.html", {"lists": selectors.destruction_lists(), "form": form}
    )


@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return render(
        request, "retention/certificates.html", {"certificates": selectors.certificates()}
    )


def _certificates_csv(rows, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for certificate in rows:
        writer.writerow(certificate_csv_row(certificate))
    return response


@require_GET
def certificates_csv(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return _certificates_csv(selectors.certificates(), "destruction-certificates.csv")


def _certificate_or_404(request: HttpRequest, pk: int):
    _admin_only(request)
    certificate = selectors.certificate_get(pk=pk)
    if certificate is None:
        raise Http404("No such certificate")
    return certificate


@require_GET
def certificate_csv(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate_or_404(request, pk)
    return _certificates_csv([certificate], f"destruction-certificate-{certificate.pk}.csv")


@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate_or_404(request, pk)
    response = HttpResponse(
        certificate_files.certificate_pdf(certificate, service_name=settings.SERVICE_NAME),
        content_type="application/pdf",
    )
    filename = f"destruction-certificate-{certificate.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The privacy notice: public, no sign-in --------------------------------------------------


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice, written from the data map, the agreements in force today and the
    retention rules (retention/privacy_notice.py). Anyone may read it, signed in or not, before
    their second factor too (login_not_required: SecondFactorRequiredMiddleware lets it be),
    and a recipient (virtualschool.middleware.RECIPIENT_ROUTES)."""
    notice = privacy_notice(on=sharing_today())
    return render(request, "retention/privacy.html", {"notice": notice})
