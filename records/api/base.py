"""What every endpoint of the child record's API shares (records/api/views.py and
records/api/section_views.py use it).

- Every view declares its permission classes (records.api.permissions); the project default
  denies.
- A child is reached only through records.access.child_for_request: missing, not
  visible, a sensitive tab without the permission and a write without change rights are all
  the same logged 404, and every 404 reads the same.
- Names and UPNs never go in URLs or query strings: a view refuses any query parameter it does
  not name (the children list takes only its `cursor`).
- The API answers a signed-out request itself (403, as JSON): an API client cannot follow
  LoginRequiredMiddleware's redirect to the sign-in page.
- The schema says so for every operation (ApiSchema): 403 to a stranger, 400 to a query value
  of the wrong shape, 404 to a cursor the API did not write, each `{"detail": ...}`; and a
  row's optional coded or e-mail field, shown blank ("") when it is, takes "" in the schema
  (both found by `make test-api`'s schemathesis run, issue 16).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from records.access import child_for_request
from records.api.permissions import IsStaffWithRole
from records.models import Child
from virtualschool.parsers import LimitedJSONParser

NOT_FOUND = OpenApiResponse(
    response={"type": "object", "properties": {"detail": {"type": "string"}}},
    description="No such child, or not one you may see (or not this tab, or not this row).",
)
FIELD_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description=(
        "Nothing was saved. Messages by field name; a message about a code names the allowed "
        f"values. Messages about the whole row are under `{api_settings.NON_FIELD_ERRORS_KEY}`."
    ),
)
STALE = OpenApiResponse(
    response=FIELD_ERRORS.response,
    description=(
        "Nothing was saved: someone changed the row after the version you sent. The message "
        "says who and when; read the row again and make your change to the new version."
    ),
)
ALREADY_THERE = OpenApiResponse(
    response=FIELD_ERRORS.response,
    description="The child already has this row (one per child): change it with PUT instead.",
)

DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
# What any operation of this API may answer besides what it declares (ApiSchema).
REFUSED = OpenApiResponse(
    response=DETAIL,
    description=(
        "Not a member of staff with a role, signed in with both steps (an API token of a "
        "sharing agreement does not reach the child record): nothing is read or changed."
    ),
)
BAD_QUERY = OpenApiResponse(
    response=DETAIL,
    description="A query parameter the operation does not take, or a value of the wrong shape.",
)
BAD_CURSOR = OpenApiResponse(
    response=DETAIL, description="A cursor this API did not write (follow `next` as given)."
)

CHILD_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The child's id"
)


class ApiSchema(AutoSchema):
    """Each operation's declared responses, and the refusals every view of this API gives
    (ApiView): 403 to a stranger, 400 to a query it does not take, and on a paginated list
    404 to a cursor it did not write (records.api.pagination.StrictCursorPagination). An
    operation that declares one of these keeps its own."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        shared = {"403": REFUSED, "400": BAD_QUERY}
        if getattr(self.view, "pagination_class", None) is not None and self._is_list_view():
            shared["404"] = BAD_CURSOR
        for code, response in shared.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, None, direction)
        return responses

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False):
        """A read-only field loses DRF's allow_blank (ModelSerializer drops it with
        read_only), so a model field that may be blank is documented here as taking "": a
        code list gains "" (drf-spectacular's BlankEnum), a format (e-mail) an empty string."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not (field.read_only and _may_be_blank(field)):
            return schema
        if "enum" in schema:
            return schema if "" in schema["enum"] else {**schema, "enum": [*schema["enum"], ""]}
        if "format" in schema:
            return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
        return schema


def _may_be_blank(field: Any) -> bool:
    """Whether the model text field behind a ModelSerializer's field may hold ""."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not isinstance(field.source, str) or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, models.CharField) and model_field.blank


class ApiView(APIView):
    """What every endpoint of this API shares: who may call it, JSON in, uniform 404s, and no
    query parameters beyond those it names."""

    permission_classes = [IsStaffWithRole]
    schema = ApiSchema()
    parser_classes = [LimitedJSONParser]
    # No OPTIONS self-description: the OpenAPI schema describes every endpoint.
    metadata_class = None
    allowed_query_params: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return login_not_required(super().as_view(**initkwargs))

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        refused = sorted(set(request.query_params) - self.allowed_query_params)
        if refused:
            allowed = ", ".join(sorted(self.allowed_query_params)) or "none"
            raise ParseError(
                f"Query parameters not accepted here: {', '.join(refused)} (accepted: "
                f"{allowed}). Names and UPNs never go in URLs or query strings."
            )

    def handle_exception(self, exc: Exception) -> Response:
        # Every 404 reads the same, whether the child, the tab or the row was refused or absent.
        if isinstance(exc, Http404 | NotFound):
            exc = NotFound()
        return super().handle_exception(exc)

    def child_for(self, pk: uuid.UUID, *, page: str) -> Child:
        """The child, if the user may see it and every object permission of the view allows
        this request; otherwise a 404. Either way the access log records it."""

        def allowed(user: Any, child: Child) -> bool:
            return all(
                permission.has_object_permission(self.request, self, child)
                for permission in self.get_permissions()
            )

        return child_for_request(self.request, pk, page=page, require=allowed)
