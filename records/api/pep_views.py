"""A child's personal education plans in the API, read-only (issue 15): the child's plans,
and one plan with its sections, targets and history. The PEP tab has a page of its own and
no `Section`s (ADR 12), so these endpoints are written here rather than generated; they check
what the plan's page checks (records/views/pep.py): the child through
records.access.child_for_request (allocation for a caseworker, any child for a manager, a
logged 404 otherwise) and the PEP tab's categories. Reads go through records.selectors.pep.
Writes stay with the pages and the portal, whose forms carry the workflow."""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from records.api.access import page_name
from records.api.base import CHILD_PARAMETER, NOT_FOUND, ApiView
from records.api.pep_serializers import PepDetailSerializer, PepSummarySerializer
from records.api.permissions import CanSeeTab, IsStaffWithRole
from records.sections import tab_by_slug
from records.selectors.pep import pep_get, pep_list_for_child, pep_plan_page

TAB = tab_by_slug("pep")
TAGS = [TAB.title]
PLAN_PARAMETER = OpenApiParameter(
    "plan", OpenApiTypes.INT, OpenApiParameter.PATH, description="The plan's id"
)


class PepView(ApiView):
    permission_classes = [IsStaffWithRole, CanSeeTab]
    tab = TAB


class PepListView(PepView):
    @extend_schema(
        operation_id="pep_plans_list",
        summary="A child's personal education plans",
        description=(
            "Every plan of the child, newest first: kind, term, status, meeting date, who "
            "took part and QA rating, each with its address. Not paginated: one child's "
            "plans, about three a year."
        ),
        tags=TAGS,
        parameters=[CHILD_PARAMETER],
        responses={200: PepSummarySerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        child = self.child_for(pk, page=page_name("list", "pep-plans"))
        plans = pep_list_for_child(child=child)
        return Response(PepSummarySerializer(plans, many=True, context={"request": request}).data)


class PepDetailView(PepView):
    @extend_schema(
        operation_id="pep_plans_retrieve",
        summary="One personal education plan",
        description=(
            "The plan with its sections (each with its owner and fields), the figures from "
            "the record as at the meeting date, its SMART targets and its history."
        ),
        tags=TAGS,
        parameters=[CHILD_PARAMETER, PLAN_PARAMETER],
        responses={200: PepDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: uuid.UUID, plan: int) -> Response:
        child = self.child_for(pk, page=page_name("view", "pep-plan"))
        instance = pep_get(child=child, plan_id=plan)
        if instance is None:
            raise Http404
        context = {"request": request, "page": pep_plan_page(plan=instance)}
        return Response(PepDetailSerializer(instance, context=context).data)
