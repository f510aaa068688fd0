"""The recipients' API (/api/sharing/): their own agreements, and each one's dataset.

- People (recipient users) use their signed-in session, second factor verified as for every
  page. Machine clients send `Authorization: Bearer <secret>` with a per-agreement token
  (sharing.models.AgreementToken): only its SHA-256 is stored; an expired or revoked token
  is refused with 401 and nothing is read.
- An agreement that is not the caller's is 404, as for anything absent. One that is theirs
  but not active that day (a draft, suspended, not yet in force or expired) is 403 with the
  reason, and nothing is released (sharing.datasets.dataset_for_release).
- Each caller is throttled (a token by its id, a person by theirs) in the cache (Redis).
- A dataset streams (StreamingHttpResponse) and is logged when the stream ends
  (sharing.datasets.logged_stream).
- The OpenAPI schema (/api/schema/) describes these operations: the bearer token as an HTTP
  bearer security scheme beside the session cookie, and each dataset as one media type
  (text/csv or application/jsonl) streamed, with the JSON errors 401, 403 and 404.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from sharing import datasets
from sharing.models import AgreementToken, SharingAgreement
from sharing.services import today, token_hash
from virtualschool.api_permissions import VerifiedSessionAuthentication
from virtualschool.middleware import recipient_route

BEARER = "bearer"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


class AgreementTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <secret>`: the token whose stored SHA-256 it matches, if neither
    expired nor revoked. request.user stays anonymous; request.auth is the token."""

    def authenticate(self, request: Request) -> tuple[Any, AgreementToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        kind, _, secret = header.partition(" ")
        if kind.lower() != BEARER or not secret.strip():
            return None
        token = (
            AgreementToken.objects.select_related("agreement__organisation")
            .filter(secret_sha256=token_hash(secret.strip()))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not known.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("The token has been revoked.")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("The token has expired.")
        return AnonymousUser(), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="sharing"'


class AgreementTokenScheme(OpenApiAuthenticationExtension):
    """The schema describes an agreement's token as HTTP bearer authentication."""

    target_class = AgreementTokenAuthentication
    name = "agreementToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An agreement's API token, issued by an Admin on the agreement's page: "
                "`Authorization: Bearer <secret>`. It reaches that one agreement; an expired "
                "or revoked token is refused with 401."
            ),
        }


def _organisation_id(request: Request) -> int | None:
    membership = getattr(request.user, "recipient_membership", None)
    if request.user.is_authenticated and membership is not None:
        return membership.organisation_id
    return None


ERROR = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Refused, with the reason in `detail`: 401 for a token that is unknown, "
    "expired or revoked; 403 for a request that is neither a recipient's session nor a token",
)


class IsRecipientOrToken(BasePermission):
    """A signed-in recipient user, or a valid agreement token."""

    message = "Sign in as a recipient, or send an agreement's API token."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, AgreementToken) or _organisation_id(request) is not None


class RecipientThrottle(SimpleRateThrottle):
    """Requests per caller: a token by its id, a person by theirs."""

    scope = "sharing"
    rate = "60/min"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, AgreementToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


# Recipients reach these (virtualschool.middleware confines them to marked routes); the
# permission below keeps staff out.
@recipient_route
class _RecipientView(APIView):
    authentication_classes: ClassVar = [
        VerifiedSessionAuthentication,
        AgreementTokenAuthentication,
    ]
    permission_classes: ClassVar = [IsRecipientOrToken]
    throttle_classes: ClassVar = [RecipientThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """A method the view does not take is 405 to anyone, before who is asking is
        checked, as on the rest of the API."""
        if not hasattr(self, request.method.lower()) or request.method == "OPTIONS":
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def get_authenticate_header(self, request: Request) -> str | None:
        """401 with a Bearer challenge to a request that sent a token; otherwise 403, as the
        rest of the API answers a signed-out request."""
        if request.META.get("HTTP_AUTHORIZATION"):
            return AgreementTokenAuthentication().authenticate_header(request)
        return None

    def agreements(self, request: Request):
        agreements = SharingAgreement.objects.select_related("organisation")
        if isinstance(request.auth, AgreementToken):
            return agreements.filter(pk=request.auth.agreement_id)
        return agreements.filter(organisation_id=_organisation_id(request))


@method_decorator(login_not_required, name="dispatch")
class AgreementListView(_RecipientView):
    @extend_schema(
        operation_id="sharing_agreements_list",
        summary="The caller's agreements, each with its dataset's address",
        description=(
            "A recipient user's session lists their organisation's agreements; a token lists "
            "its own agreement. `active` says whether the dataset releases anything today "
            "(Europe/London)."
        ),
        responses={
            200: inline_serializer(
                "SharingAgreementList",
                {
                    "results": inline_serializer(
                        "SharingAgreementListItem",
                        {
                            "id": serializers.IntegerField(),
                            "name": serializers.CharField(),
                            "organisation": serializers.CharField(),
                            "mode": serializers.ChoiceField(
                                choices=["identifiable", "pseudonymised", "statistics"]
                            ),
                            "status": serializers.CharField(),
                            "active": serializers.BooleanField(),
                            "valid_from": serializers.DateField(),
                            "valid_to": serializers.DateField(),
                            "dataset": inline_serializer(
                                "SharingDatasetLinks",
                                {
                                    "csv": serializers.URLField(),
                                    "jsonl": serializers.URLField(),
                                },
                            ),
                        },
                        many=True,
                    )
                },
            ),
            401: ERROR,
            403: ERROR,
        },
    )
    def get(self, request: Request) -> Response:
        day = today()
        results = [
            {
                "id": agreement.pk,
                "name": agreement.name,
                "organisation": agreement.organisation.name,
                "mode": agreement.mode,
                "status": agreement.status_on(day),
                "active": agreement.is_active_on(day),
                "valid_from": agreement.valid_from,
                "valid_to": agreement.valid_to,
                "dataset": {
                    fmt: request.build_absolute_uri(
                        reverse(f"sharing-api:dataset-{fmt}", kwargs={"pk": agreement.pk})
                    )
                    for fmt in datasets.FORMATS
                },
            }
            for agreement in self.agreements(request).order_by("name", "pk")
        ]
        return Response({"results": results})


class _StreamRenderer(BaseRenderer):
    """Lets a client ask for the dataset's media type (Accept); the dataset itself is a
    StreamingHttpResponse that no renderer touches, so this renders only a refusal, as
    its plain message."""

    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context=None) -> bytes:
        if isinstance(data, dict) and "detail" in data:
            return f"{data['detail']}\n".encode()
        return b""


class CsvRenderer(_StreamRenderer):
    media_type = "text/csv"
    format = "csv"


class JsonLinesRenderer(_StreamRenderer):
    media_type = "application/jsonl"
    format = "jsonl"


def _dataset_schema(fmt: str, media_type: str, words: str):
    return extend_schema(
        operation_id=f"sharing_dataset_{fmt}",
        summary=f"Stream the agreement's dataset today as {words}",
        description=(
            "Streamed in constant memory: first the data dictionary (each released field's "
            "table, name and category), then one record per released row of the record. "
            "Only the children the agreement covers today, only the fields of its categories, "
            "restrictions applied; every release is logged with the SHA-256 of the bytes sent."
        ),
        responses={
            (200, media_type): OpenApiResponse(
                response=OpenApiTypes.STR, description=f"The dataset, as {words}"
            ),
            (401, "application/json"): ERROR,
            (403, "application/json"): OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="Not signed in as a recipient, or the agreement is not active "
                "today (a draft, suspended, not yet in force or expired): nothing is released",
            ),
            (404, "application/json"): OpenApiResponse(
                response=OpenApiTypes.OBJECT, description="Not one of the caller's agreements"
            ),
        },
    )


class _AcceptOnly(DefaultContentNegotiation):
    """The media type comes from Accept alone: no ?format= to fuzz or to get wrong."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)


class _DatasetSchema(AutoSchema):
    def _get_format_parameters(self) -> list:
        return []


class _DatasetView(_RecipientView):
    fmt: ClassVar[str]
    content_negotiation_class = _AcceptOnly
    schema = _DatasetSchema()

    def get(self, request: Request, pk: str) -> StreamingHttpResponse:
        # The address takes any text so that the schema's sample path resolves; only an
        # agreement's number finds one.
        agreement = self.agreements(request).filter(pk=int(pk)).first() if pk.isdigit() else None
        if agreement is None:
            raise exceptions.NotFound("No such agreement.")
        try:
            dataset = datasets.dataset_for_release(agreement=agreement)
        except datasets.NotReleasedError as refusal:
            raise exceptions.PermissionDenied(str(refusal)) from refusal
        token = request.auth if isinstance(request.auth, AgreementToken) else None
        recipient = None if token is not None else request.user
        fmt = self.fmt
        response = StreamingHttpResponse(
            datasets.logged_stream(dataset, fmt, recipient=recipient, token=token),
            content_type=CONTENT_TYPES[fmt],
        )
        name = f"agreement-{agreement.pk}-{dataset.on.isoformat()}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


@method_decorator(login_not_required, name="dispatch")
@method_decorator(_dataset_schema("csv", "text/csv", "CSV (RFC 4180)"), name="get")
class CsvDatasetView(_DatasetView):
    fmt = "csv"
    renderer_classes: ClassVar = [JSONRenderer, CsvRenderer]


@method_decorator(login_not_required, name="dispatch")
@method_decorator(_dataset_schema("jsonl", "application/jsonl", "JSON Lines"), name="get")
class JsonLinesDatasetView(_DatasetView):
    fmt = "jsonl"
    renderer_classes: ClassVar = [JSONRenderer, JsonLinesRenderer]
