"""A child's personal education plans: start the next one, and a plan's own page with its
sections (a form for whoever may write a section, read-only for everyone else), targets,
workflow and history. Every write goes through records.services.pep, which checks owners
again; a refusal is shown in the GOV.UK error summary and beside its field, nothing saved.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from records import forms_pep as pep_forms
from records.access import child_for_request
from records.models.pep import PEP_SECTIONS, Owner, PepStatus
from records.permissions import can_change_child, can_see_area, can_write_pep_section
from records.sections import tab_by_slug
from records.sections.ppplus import request_form_for
from records.selectors.pep import pep_get, pep_plan_page
from records.selectors.ppplus import ppplus_for_child, ppplus_plan_requests
from records.services import pep as services
from records.services import ppplus as ppplus_services
from records.views.sections import record_context, show_refusal
from virtualschool.errors import DomainError

TAB_SLUG = "pep"


def _allowed(*, change: bool):
    def allowed(user, child) -> bool:
        return can_see_area(user, TAB_SLUG) and (not change or can_change_child(user, child))

    return allowed


@require_POST
def pep_start(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    child = child_for_request(request, pk, page="pep-start", require=_allowed(change=True))
    tab = tab_by_slug(TAB_SLUG)
    try:
        plan = services.pep_start(actor=request.user, child=child)
    except DomainError as error:
        form = forms.Form()
        show_refusal(form, error)
        return render(
            request,
            "records/pep/tab.html",
            {
                **record_context(request, child, tab),
                **tab.context(child=child, user=request.user),
                "form": form,
            },
        )
    messages.success(request, "Plan started")
    return redirect("records:pep-plan", pk=child.pk, plan=plan.pk)


def _forms(plan, data=None, posted: str = "") -> dict[str, forms.Form]:
    """Every form of the plan's page; the one posted is bound to the request's data."""
    version = {"expected_version": plan.version}
    details = {name: getattr(plan, name) for name in ("kind", "meeting_date", "participants")}
    qa = {**version, "qa_rating": plan.qa_rating, "qa_feedback": plan.qa_feedback}
    return pep_forms.plan_forms(
        plan,
        {
            "details": (pep_forms.DetailsForm, details),
            "target": (pep_forms.TargetForm, {}),
            "ppplus": (request_form_for(plan), {}),
            "submit": (pep_forms.SubmitForm, version),
            "complete": (pep_forms.CompleteForm, version),
            "return": (pep_forms.ReturnForm, version),
            "qa": (pep_forms.QaForm, qa),
        },
        sections=pep_forms.SECTION_FORMS,
        data=data,
        posted=posted,
    )


def _act(request: HttpRequest, plan, posted: str, form: forms.Form) -> str:
    """Call the service for the posted form; returns the success message."""
    data = form.cleaned_data
    user = request.user
    version = pep_forms.posted_version(request.POST)
    if posted == "details":
        services.pep_details_update(actor=user, plan=plan, expected_version=version, **data)
        return "Meeting details saved"
    if posted.startswith("section-"):
        services.pep_section_update(
            actor=user,
            plan=plan,
            section=posted.removeprefix("section-"),
            expected_version=version,
            **data,
        )
        return "Section saved"
    if posted == "target":
        services.pep_target_add(actor=user, plan=plan, **data)
        return "Target added"
    if posted == "ppplus":
        ppplus_services.ppplus_request_make(
            actor=user,
            plan=plan,
            amount=data["amount"],
            target_ids=data["targets"],
            purpose=data["purpose"],
        )
        return "PP+ requested"
    if posted == "submit":
        services.pep_submit(actor=user, plan=plan, expected_version=data["expected_version"])
        return "Plan submitted"
    if posted == "return":
        services.pep_return(
            actor=user,
            plan=plan,
            expected_version=data["expected_version"],
            reason=data["returned_reason"],
        )
        return "Plan returned"
    if posted == "qa":
        services.pep_qa_rate(
            actor=user,
            plan=plan,
            expected_version=data["expected_version"],
            rating=data["qa_rating"],
            feedback=data["qa_feedback"],
        )
        return "QA rating saved"
    services.pep_complete(actor=user, plan=plan, expected_version=data["expected_version"])
    return "Plan completed"


def _review(request: HttpRequest, plan, page) -> tuple[forms.Form, str]:
    form = pep_forms.ReviewForm(request.POST, prefix="review")
    if form.is_valid():
        target = next((t for t in page.to_review if t.pk == form.cleaned_data["target"]), None)
        if target is None:
            raise Http404("No such target")
        try:
            services.pep_target_review(
                actor=request.user, plan=plan, target=target, review=form.cleaned_data["review"]
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            return form, "Target reviewed"
    return form, ""


@require_http_methods(["GET", "POST"])
def pep_plan(request: HttpRequest, pk: uuid.UUID, plan: int) -> HttpResponse:
    post = request.method == "POST"
    child = child_for_request(request, pk, page="pep-plan", require=_allowed(change=post))
    instance = pep_get(child=child, plan_id=plan)
    if instance is None:
        raise Http404("No such plan")
    page = pep_plan_page(plan=instance)
    posted = request.POST.get("form", "") if post else ""
    built = _forms(instance, request.POST if post else None, posted)
    if post and posted not in built and posted != "review":
        raise Http404("No such form")
    errored = None
    if posted == "review":
        errored, done = _review(request, instance, page)
        if done:
            messages.success(request, done)
            return redirect("records:pep-plan", pk=child.pk, plan=instance.pk)
    elif post:
        form = built[posted]
        if form.is_valid():
            try:
                done = _act(request, instance, posted, form)
            except DomainError as error:
                show_refusal(form, error)
            else:
                messages.success(request, done)
                return redirect("records:pep-plan", pk=child.pk, plan=instance.pk)
        errored = form
    user = request.user
    editable = instance.status in services.EDITABLE
    sections = [
        {
            "section": section,
            "form": built.get(f"section-{section.slug}")
            if editable and can_write_pep_section(user, child, section.owner)
            else None,
            "values": [
                (instance._meta.get_field(name).verbose_name, name, getattr(instance, name))
                for name in section.fields
            ],
        }
        for section in PEP_SECTIONS
        if section.slug not in {"targets", "qa"}
    ]
    return render(
        request,
        "records/pep/plan.html",
        {
            **record_context(request, child, tab_by_slug(TAB_SLUG)),
            "plan": instance,
            "page": page,
            "forms": built,
            "form": errored,
            "sections": sections,
            "editable": editable and can_change_child(user, child),
            "can_targets": editable
            and can_write_pep_section(user, child, Owner.DESIGNATED_TEACHER),
            "can_qa": instance.status in {PepStatus.SUBMITTED, PepStatus.QA_RATED}
            and can_write_pep_section(user, child, Owner.VIRTUAL_SCHOOL),
            "can_decide": instance.status in {PepStatus.SUBMITTED, PepStatus.QA_RATED}
            and can_change_child(user, child),
            "can_submit": instance.status in {PepStatus.IN_PROGRESS, PepStatus.RETURNED}
            and can_write_pep_section(user, child, Owner.DESIGNATED_TEACHER),
            "review_choices": pep_forms.REVIEW_CHOICES,
            "pp_plus": ppplus_for_child(child=child),
            "pp_plus_requests": ppplus_plan_requests(plan=instance),
        },
    )
