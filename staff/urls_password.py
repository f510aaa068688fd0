"""The set-password link, outside /staff/: the person opening it is not signed in."""

from django.urls import path

from staff import views

urlpatterns = [
    path("<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set-password"),
    path("done/", views.SetPasswordDoneView.as_view(), name="set-password-done"),
]
