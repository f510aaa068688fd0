"""On the child's record (/children/<id>/sharing-restrictions/, mounted before records'
routes in virtualschool/urls.py): the child's sharing restrictions."""

from django.urls import path

from sharing import views_restrictions

app_name = "restrictions"

urlpatterns = [
    path("", views_restrictions.restrictions, name="list"),
    path("<int:restriction_id>/remove/", views_restrictions.restriction_remove, name="remove"),
]
