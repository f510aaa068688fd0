"""The child record's API: the children a user may see, and the schools reference table.

Each section of a child's record has its own endpoints, generated from records.sections.TABS
(records/api/section_views.py). Same selectors, services and permission rules as the pages
(records/views/), so the API can neither show nor change anything the pages would refuse;
records/api/base.py says what every endpoint shares.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from records import selectors, services
from records.api.access import access_log_record_list, page_name
from records.api.base import CHILD_PARAMETER, NOT_FOUND, ApiView
from records.api.pagination import ChildCursorPagination, SchoolCursorPagination
from records.api.section_views import section_route
from records.api.serializers import (
    ChildDetailSerializer,
    ChildSummarySerializer,
    SchoolSerializer,
)
from records.models import Child
from records.permissions import can_change_child
from records.sections import tabs_for
from records.selectors import schools as school_selectors


@extend_schema_view(
    get=extend_schema(
        operation_id="children_list",
        summary="List the children you may see",
        description=(
            "A caseworker's allocated children, or every child for a manager, in the order "
            "they were added, 50 to a page; follow `next` for the next page. Each child "
            "listed is recorded in the access log. There is no search by name or UPN here: "
            "names and UPNs never go in URLs."
        ),
        tags=["children"],
    )
)
class ChildListView(ApiView, generics.ListAPIView):
    serializer_class = ChildSummarySerializer
    pagination_class = ChildCursorPagination
    allowed_query_params = frozenset({"cursor"})

    def get_queryset(self) -> Any:
        return selectors.child_list_visible_to(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        children = self.paginate_queryset(self.get_queryset())
        access_log_record_list(user=request.user, children=children, page=page_name("child-list"))
        serializer = self.get_serializer(children, many=True)
        return self.get_paginated_response(serializer.data)


@extend_schema_view(
    get=extend_schema(
        operation_id="schools_list",
        summary="The schools reference table",
        description=(
            "Schools by DfE URN, 100 to a page; `urn` finds one. A school history row names "
            "its school by the `id` here. Not personal data."
        ),
        parameters=[
            OpenApiParameter("urn", OpenApiTypes.INT, description="A school's DfE URN"),
        ],
        tags=["schools"],
    )
)
class SchoolListView(ApiView, generics.ListAPIView):
    serializer_class = SchoolSerializer
    pagination_class = SchoolCursorPagination
    allowed_query_params = frozenset({"cursor", "urn"})

    def get_queryset(self) -> Any:
        schools = school_selectors.school_choices()
        urn = self.request.query_params.get("urn")
        if urn is not None:
            # isascii: "²" is a digit to str.isdigit but not to int().
            if not (urn.isascii() and urn.isdigit()):
                raise ParseError("urn must be a school's DfE URN: a whole number")
            schools = schools.filter(urn=int(urn))
        return schools


class ChildDetailView(ApiView):
    @extend_schema(
        operation_id="children_retrieve",
        summary="A child's record at a glance",
        description=(
            "Identity, statuses, schools and caseworkers, and links to the tabs of the record "
            "you may open (sensitive tabs only with the sensitive-categories permission). "
            "A tab with no sections here (attendance) has no API yet."
        ),
        tags=["children"],
        parameters=[CHILD_PARAMETER],
        responses={200: ChildDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        child = self.child_for(pk, page=page_name("child-detail"))
        serializer = ChildDetailSerializer(
            child,
            context={
                "request": request,
                "summary": selectors.child_summary(child=child, user=request.user),
                "tabs": tab_links(request, child),
                "can_change": can_change_child(request.user, child),
            },
        )
        return Response(serializer.data)


def tab_links(request: Request, child: Child) -> list[dict[str, Any]]:
    """The tabs of the child's record this user may open, with each section's API address."""
    return [
        {
            "slug": tab.slug,
            "title": tab.title,
            "category": tab.category,
            "sensitive": tab.sensitive,
            "sections": [
                {
                    "slug": section.slug,
                    "title": section.title,
                    "item_name": section.item_name,
                    "single": section.single,
                    "url": reverse(
                        section_route(tab, section, "list"),
                        kwargs={"pk": child.pk},
                        request=request,
                    ),
                }
                for section in tab.sections
            ],
        }
        for tab in tabs_for(request.user)
    ]


@extend_schema(exclude=True)
class NoSuchRouteView(ApiView):
    """Anything under a child that no endpoint serves (an unknown tab or section): the same
    logged 404 as a refusal, as the pages give."""

    def refuse(self, request: Request, pk: uuid.UUID, rest: str) -> Response:
        services.access_log_record(
            user=request.user, child_id=pk, page=page_name("no-such-route"), allowed=False
        )
        raise Http404

    get = post = put = patch = delete = refuse
