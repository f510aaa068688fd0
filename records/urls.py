from django.urls import path

from records.views import children as views
from records.views import sections

app_name = "records"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("add/", views.child_add, name="child-add"),
    path("<uuid:pk>/", views.child_detail, name="child-detail"),
    path("<uuid:pk>/history/", views.child_history, name="child-history"),
    path("<uuid:pk>/status/add/", views.episode_add, name="episode-add"),
    path("<uuid:pk>/allocations/add/", views.allocation_add, name="allocation-add"),
    path(
        "<uuid:pk>/allocations/<int:allocation_id>/end/",
        views.allocation_end,
        name="allocation-end",
    ),
    path("<uuid:pk>/<slug:tab>/", sections.tab_detail, name="tab"),
    path("<uuid:pk>/<slug:tab>/<slug:section>/add/", sections.section_add, name="section-add"),
    path(
        "<uuid:pk>/<slug:tab>/<slug:section>/<str:item>/",
        sections.section_edit,
        name="section-edit",
    ),
]
