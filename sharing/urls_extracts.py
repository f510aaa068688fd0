"""/sharing/extracts/: a recipient user's own pages, their organisation's extract files
(recipient_route; to staff, a 404). Apart from sharing.urls, whose pages are the staff's."""

from django.urls import path

from sharing import views

app_name = "sharing-extracts"

urlpatterns = [
    path("", views.recipient_extracts, name="list"),
    path("<uuid:pk>/download/", views.extract_download, name="download"),
]
