from django.urls import path

from sharing import views_portal

app_name = "portal"

urlpatterns = [
    path("", views_portal.children, name="children"),
    path("children/<uuid:pk>/", views_portal.child, name="child"),
    path("children/<uuid:pk>/pep/", views_portal.pep, name="pep"),
]
