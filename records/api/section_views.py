"""The endpoints of every section of a child's record, generated from records.sections.TABS.

For each `Section`, `section_views` makes a list view (GET the rows the user may see, POST a
new one) and an item view (GET one row, PUT its new values), with their OpenAPI operations, so
a new area of the record gets its endpoints from its `Section` alone. They check what the
pages check (records/views/sections.py): the child, the tab's sensitive category, change rights
for a write, and the section's own row visibility (`Section.rows`).

Writes go through the section's create and update services. A service's DomainError is a 400
keyed by field; an update refused by the optimistic lock (a stale `version`) is a 409, as is
adding a second row to a one-per-child section.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Model
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from records.api.access import page_name
from records.api.base import (
    ALREADY_THERE,
    CHILD_PARAMETER,
    FIELD_ERRORS,
    NOT_FOUND,
    STALE,
    ApiView,
)
from records.api.permissions import CanChangeChild, CanSeeTab, IsStaffWithRole
from records.api.section_serializers import (
    SectionInputSerializer,
    SectionOutputSerializer,
    SectionUpdateSerializer,
    section_serializers,
)
from records.models import Child
from records.sections import Section, Tab
from virtualschool.errors import DomainError


def section_route(tab: Tab, section: Section, kind: str) -> str:
    """The URL name of a section's `list` or `item` endpoint."""
    return f"api:{tab.slug}-{section.slug}-{kind}"


class SectionView(ApiView):
    """Shared by a section's endpoints: the tab's permission and the section's serializers.
    records.api.urls makes one subclass per section (see section_views)."""

    permission_classes = [IsStaffWithRole, CanSeeTab, CanChangeChild]
    tab: ClassVar[Tab]
    section: ClassVar[Section]
    output_serializer: ClassVar[type[SectionOutputSerializer]]
    create_serializer: ClassVar[type[SectionInputSerializer]]
    update_serializer: ClassVar[type[SectionUpdateSerializer]]

    def page(self, action: str) -> str:
        return page_name(action, self.section.slug)

    def output(self, rows: Any, **kwargs: Any) -> Any:
        return self.output_serializer(rows, context={"request": self.request}, **kwargs).data

    def item_url(self, child: Child, row: Model) -> str:
        return reverse(
            section_route(self.tab, self.section, "item"),
            kwargs={"pk": child.pk, "item": row.pk},
            request=self.request,
        )


class SectionListView(SectionView):
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        """The child's rows of this section, as the user may see them (not paginated: one
        child's rows of one kind)."""
        child = self.child_for(pk, page=self.page("list"))
        return Response(self.output(self.section.queryset(child, request.user), many=True))

    def post(self, request: Request, pk: uuid.UUID) -> Response:
        child = self.child_for(pk, page=self.page("add"))
        if self.section.single:
            existing = self.section.queryset(child, request.user).first()
            if existing is not None:
                return Response(
                    {
                        api_settings.NON_FIELD_ERRORS_KEY: [
                            f"This child already has a {self.section.item_name}: change it at "
                            f"{self.item_url(child, existing)}"
                        ]
                    },
                    status=status.HTTP_409_CONFLICT,
                )
        body = self.create_serializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        try:
            row = self.section.create(
                actor=request.user,
                child=child,
                **body.validated_data,
                **self.section.kept_values(request.user),
            )
        except DomainError as error:
            raise serializers.ValidationError(domain_errors(error)) from error
        return Response(
            self.output(row),
            status=status.HTTP_201_CREATED,
            headers={"Location": self.item_url(child, row)},
        )


class SectionItemView(SectionView):
    def row(self, child: Child, item: str) -> Model:
        """One of the child's rows that the user may see (Section.rows hides the rest)."""
        row = self.section.row(child, self.request.user, item)
        if row is None:
            raise Http404("No such row")
        return row

    def get(self, request: Request, pk: uuid.UUID, item: str) -> Response:
        child = self.child_for(pk, page=self.page("view"))
        return Response(self.output(self.row(child, item)))

    def put(self, request: Request, pk: uuid.UUID, item: str) -> Response:
        child = self.child_for(pk, page=self.page("edit"))
        row = self.row(child, item)
        body = self.update_serializer(data=request.data, context={"request": request, "row": row})
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        version = values.pop("version")
        try:
            row = self.section.update(
                actor=request.user,
                instance=row,
                expected_version=version,
                **values,
                **self.section.kept_values(request.user, row),
            )
        except DomainError as error:
            errors = domain_errors(error)
            if _stale(row, version, error):
                return Response(errors, status=status.HTTP_409_CONFLICT)
            raise serializers.ValidationError(errors) from error
        return Response(self.output(row))


def domain_errors(error: DomainError) -> dict[str, list[str]]:
    """A service's refusal as the API reports it: messages by field."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
            for name, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def _stale(row: Model, version: int, error: DomainError) -> bool:
    """Whether the update was refused by the optimistic lock (records/services/locking.py): a
    message about the whole row, and the row is no longer at the version the client sent."""
    if not hasattr(error, "error_dict") or set(error.error_dict) != {NON_FIELD_ERRORS}:
        return False
    current = type(row).objects.filter(pk=row.pk).values_list("version", flat=True).first()
    return current != version


def section_views(tab: Tab, section: Section) -> tuple[type[SectionView], type[SectionView]]:
    """The list and item views of one section, with their OpenAPI operations."""
    output, create, update = section_serializers(section)
    operation = f"{tab.slug}_{section.slug}".replace("-", "_")
    tags = [tab.title]
    sensitive = " Needs the sensitive-categories permission." if tab.sensitive else ""
    attrs = {
        "tab": tab,
        "section": section,
        "output_serializer": output,
        "create_serializer": create,
        "update_serializer": update,
    }
    name = section.model.__name__
    post_responses = {201: output, 400: FIELD_ERRORS, 404: NOT_FOUND}
    if section.single:
        post_responses[409] = ALREADY_THERE
    list_view = extend_schema_view(
        get=extend_schema(
            operation_id=f"{operation}_list",
            summary=f"{section.title} of a child",
            description=f"Every {section.item_name} of the child you may see.{sensitive}",
            tags=tags,
            parameters=[CHILD_PARAMETER],
            responses={200: output(many=True), 404: NOT_FOUND},
        ),
        post=extend_schema(
            operation_id=f"{operation}_create",
            summary=f"Add a {section.item_name}",
            description=(
                f"Needs change rights on the child.{sensitive} Dates are YYYY-MM-DD; codes "
                "are the values listed in the schema."
            ),
            tags=tags,
            parameters=[CHILD_PARAMETER],
            request=create,
            responses=post_responses,
        ),
    )(type(f"{name}ListView", (SectionListView,), dict(attrs)))
    item_view = extend_schema_view(
        get=extend_schema(
            operation_id=f"{operation}_retrieve",
            summary=f"One {section.item_name}",
            description=f"One {section.item_name} of the child, if you may see it.{sensitive}",
            tags=tags,
            parameters=[CHILD_PARAMETER, _item_parameter(section)],
            responses={200: output, 404: NOT_FOUND},
        ),
        put=extend_schema(
            operation_id=f"{operation}_update",
            summary=f"Change a {section.item_name}",
            description=(
                f"Send every field (an optional one left out is cleared) and the `version` "
                f"you read. Needs change rights on the child.{sensitive}"
            ),
            tags=tags,
            parameters=[CHILD_PARAMETER, _item_parameter(section)],
            request=update,
            responses={200: output, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: STALE},
        ),
    )(type(f"{name}ItemView", (SectionItemView,), dict(attrs)))
    return list_view, item_view


def _item_parameter(section: Section) -> OpenApiParameter:
    pk = section.model._meta.pk
    target = pk.target_field if pk.is_relation else pk
    kind = OpenApiTypes.UUID if target.get_internal_type() == "UUIDField" else OpenApiTypes.INT
    return OpenApiParameter(
        "item", kind, OpenApiParameter.PATH, description=f"The {section.item_name}'s id"
    )
