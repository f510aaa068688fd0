"""The project's URLs plus two views marked recipient_route, for
tests/sharing/test_confinement.py: a function view and a DRF view."""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from virtualschool.api_permissions import RecipientsOnly
from virtualschool.middleware import recipient_route


@recipient_route
def marked(request):
    return HttpResponse("marked")


def unmarked(request):
    return HttpResponse("unmarked")


@recipient_route
class MarkedApi(APIView):
    permission_classes = [RecipientsOnly]

    def get(self, request):
        return Response({"marked": True})


urlpatterns = [
    path("test-marked/", marked, name="test-marked"),
    path("test-unmarked/", unmarked, name="test-unmarked"),
    path("api/test-marked/", MarkedApi.as_view(), name="test-marked-api"),
    path("", include("virtualschool.urls")),
]
