from django.urls import path

from retention import views

app_name = "privacy"

urlpatterns = [
    path("", views.privacy, name="notice"),
]
