from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from virtualschool import views
from virtualschool.forms import SignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="sign-in",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path("children/", include("records.urls")),
    path("dashboards/", include("records.urls_dashboards")),
    path("what-we-hold/", include("records.urls_datamap")),
    path("api/", include("records.api.urls")),
    path("admin/", admin.site.urls),
]
