"""Generic pages for every tab of a child's record described in records/sections/.

A tab page lists each of its sections' rows; add and change pages bind the section's form and
call its service. Permission: seeing the child, plus the sensitive-categories permission for a
sensitive tab; changing also needs can_change_child. Anything refused is a logged 404. Inside
a tab, the lists and forms follow the data map field by field: a column or form field holding
data the user may not see is left out (records.sections.base), and a left-out form field keeps
its value.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from records.access import child_for_request
from records.forms import RemovalForm, VersionForm
from records.models import Child
from records.permissions import can_change_child, can_see_area
from records.sections import Section, Tab, tab_by_slug, tabs_for
from records.selectors.children import child_name_for, fields_shown
from records.services.removal import entry_remove
from virtualschool.errors import DomainError
from virtualschool.forms import submit


def _child_and_tab(
    request: HttpRequest, pk: uuid.UUID, tab_slug: str, *, page: str, change: bool = False
) -> tuple[Child, Tab]:
    tab = tab_by_slug(tab_slug)

    def allowed(user, child: Child) -> bool:
        if tab is None or not can_see_area(user, tab.slug):
            return False
        return not change or can_change_child(user, child)

    child = child_for_request(request, pk, page=page, require=allowed)
    assert tab is not None  # allowed() refused otherwise  # noqa: S101
    return child, tab


def _section(tab: Tab, slug: str) -> Section:
    section = tab.section(slug)
    if section is None:
        raise Http404("No such section")
    return section


def record_context(request: HttpRequest, child: Child, tab: Tab | None) -> dict:
    """What every page of a child's record shows around its content: the child, its name and
    identity fields as far as the user may see them (the data map), and the tabs."""
    return {
        "child": child,
        "child_name": child_name_for(user=request.user, child=child),
        "child_shows": fields_shown(user=request.user, model=Child),
        "tabs": tabs_for(request.user),
        "current_tab": tab,
        "can_change": can_change_child(request.user, child),
    }


@require_http_methods(["GET"])
def tab_detail(request: HttpRequest, pk: uuid.UUID, tab: str) -> HttpResponse:
    child, current = _child_and_tab(request, pk, tab, page=f"tab-{tab}")
    if current.context is not None:
        return render(
            request,
            current.template,
            {
                **record_context(request, child, current),
                **current.context(child=child, user=request.user),
            },
        )
    sections = []
    for section in current.sections:
        rows = list(section.queryset(child, request.user))
        columns = section.columns_for(request.user)
        listed = [
            {"pk": row.pk, "cells": section.cells(row, request.user, columns)} for row in rows
        ]
        for row in listed:  # a single record reads as a summary list: heading, value
            row["pairs"] = list(
                zip((column.heading for column in columns), row["cells"], strict=True)
            )
        sections.append(
            {
                "section": section,
                "columns": columns,
                "rows": listed,
            }
        )
    return render(
        request,
        "records/tab.html",
        {**record_context(request, child, current), "sections": sections},
    )


def _form(spec: Section, user, child: Child, *args, instance=None, **kwargs) -> forms.Form:
    """The section's form for this user, less the fields they may not see (data map); given
    the child when it orders its choices by the child's own (Section.form_takes_child)."""
    if spec.form_takes_child:
        kwargs["child"] = child
    form = spec.form_class(*args, **spec.form_kwargs(user), **kwargs)
    for name in spec.hidden_form_fields(user, instance):
        del form.fields[name]
    return form


HIDDEN_FIELD_REFUSAL = (
    "This cannot be saved: part of the record you cannot see would need to change too. Ask "
    "someone who can see it to make the change"
)


def show_refusal(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form; a message about a field the form does not show
    (one the user may not see) goes at the top, without naming what it says."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, texts in error.message_dict.items():
        if name in form.fields or name == NON_FIELD_ERRORS:
            form.add_error(None if name == NON_FIELD_ERRORS else name, texts)
        else:
            form.add_error(None, HIDDEN_FIELD_REFUSAL)


def _warn(request: HttpRequest, spec: Section, row) -> None:
    """The section's warning about a row just saved, if it has one (Section.notice)."""
    if text := spec.notice_for(row):
        messages.warning(request, text)


def _initial(form_class, instance) -> dict:
    initial = {}
    for name in form_class.base_fields:
        value = getattr(instance, name, None)
        initial[name] = (
            {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
        )
    return initial


@require_http_methods(["GET", "POST"])
def section_add(request: HttpRequest, pk: uuid.UUID, tab: str, section: str) -> HttpResponse:
    child, current = _child_and_tab(request, pk, tab, page=f"add-{section}", change=True)
    spec = _section(current, section)
    if spec.single and spec.queryset(child, request.user).exists():
        existing = spec.queryset(child, request.user).get()
        return redirect(
            "records:section-edit", pk=child.pk, tab=tab, section=section, item=existing.pk
        )
    form = _form(spec, request.user, child, request.POST or None)
    if request.method == "POST" and (
        row := submit(
            form,
            spec.create,
            show=show_refusal,
            actor=request.user,
            child=child,
            **spec.kept_values(request.user),
        )
    ):
        messages.success(request, f"{spec.item_name[:1].upper()}{spec.item_name[1:]} saved")
        _warn(request, spec, row)
        return redirect("records:tab", pk=child.pk, tab=tab)
    return render(
        request,
        "records/section_form.html",
        {**record_context(request, child, current), "section": spec, "form": form, "adding": True},
    )


@require_http_methods(["GET", "POST"])
def section_edit(
    request: HttpRequest, pk: uuid.UUID, tab: str, section: str, item: str
) -> HttpResponse:
    child, current = _child_and_tab(request, pk, tab, page=f"edit-{section}", change=True)
    spec = _section(current, section)
    instance = spec.row(child, request.user, item)
    if instance is None:
        raise Http404("No such row")
    if request.method == "POST":
        form = _form(spec, request.user, child, request.POST, instance=instance)
        version = VersionForm(request.POST)
    else:
        form = _form(
            spec,
            request.user,
            child,
            initial=_initial(spec.form_class, instance),
            instance=instance,
        )
        version = VersionForm(initial={"expected_version": instance.version})
    if (
        request.method == "POST"
        and version.is_valid()
        and (
            row := submit(
                form,
                spec.update,
                show=show_refusal,
                actor=request.user,
                instance=instance,
                expected_version=version.cleaned_data["expected_version"],
                **spec.kept_values(request.user, instance),
            )
        )
    ):
        messages.success(request, f"{spec.item_name[:1].upper()}{spec.item_name[1:]} updated")
        _warn(request, spec, row)
        return redirect("records:tab", pk=child.pk, tab=tab)
    return render(
        request,
        "records/section_form.html",
        {
            **record_context(request, child, current),
            "section": spec,
            "form": form,
            "version_form": version,
            "adding": False,
            "item": instance.pk,
        },
    )


@require_http_methods(["GET", "POST"])
def section_remove(
    request: HttpRequest, pk: uuid.UUID, tab: str, section: str, item: str
) -> HttpResponse:
    """Remove a mistaken row, with a reason (records/services/removal.py entry_remove): the
    same access as changing it, and the page shows what is being removed."""
    child, current = _child_and_tab(request, pk, tab, page=f"remove-{section}", change=True)
    spec = _section(current, section)
    instance = spec.row(child, request.user, item)
    if instance is None:
        raise Http404("No such row")
    form = RemovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry_remove(actor=request.user, row=instance, reason=form.cleaned_data["reason"])
        except DomainError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{spec.item_name[:1].upper()}{spec.item_name[1:]} removed")
            return redirect("records:tab", pk=child.pk, tab=tab)
    columns = spec.columns_for(request.user)
    return render(
        request,
        "records/section_remove.html",
        {
            **record_context(request, child, current),
            "section": spec,
            "form": form,
            "item": instance.pk,
            "shown": list(
                zip(
                    [column.heading for column in columns],
                    spec.cells(instance, request.user, columns),
                    strict=True,
                )
            ),
        },
    )
