from django.urls import path

from retention.subject_access import views

app_name = "subject_access"

urlpatterns = [
    path("<uuid:pk>/", views.warning, name="warning"),
    path("<uuid:pk>/download/", views.download, name="download"),
]
