from django.urls import path

from records.views import attendance, home, imports, pep, sections
from records.views import children as views
from records.views.child_edit import child_edit

app_name = "records"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("add/", views.child_add, name="child-add"),
    path("new-exclusions/", home.new_exclusions_page, name="new-exclusions"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/formats/<slug:kind>/", imports.import_format, name="import-format"),
    path("imports/templates/<slug:template>.csv", imports.import_template, name="import-template"),
    path("imports/<uuid:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<uuid:pk>/progress/", imports.import_progress, name="import-progress"),
    path(
        "imports/<uuid:pk>/rejections.csv",
        imports.import_rejections_csv,
        name="import-rejections-csv",
    ),
    path("imports/<uuid:pk>/import-valid-rows/", imports.import_again, name="import-again"),
    path("<uuid:pk>/", views.child_detail, name="child-detail"),
    path("<uuid:pk>/edit/", child_edit, name="child-edit"),
    path("<uuid:pk>/history/", views.child_history, name="child-history"),
    path("<uuid:pk>/status/add/", views.episode_add, name="episode-add"),
    path("<uuid:pk>/allocations/add/", views.allocation_add, name="allocation-add"),
    path(
        "<uuid:pk>/allocations/<int:allocation_id>/end/",
        views.allocation_end,
        name="allocation-end",
    ),
    path(
        "<uuid:pk>/attendance/record/",
        attendance.attendance_record_page,
        name="attendance-record",
    ),
    path("<uuid:pk>/pep/start/", pep.pep_start, name="pep-start"),
    path("<uuid:pk>/pep/plans/<int:plan>/", pep.pep_plan, name="pep-plan"),
    # Generic tabs of the record (records/sections/); fixed routes above take precedence.
    path("<uuid:pk>/<slug:tab>/", sections.tab_detail, name="tab"),
    path("<uuid:pk>/<slug:tab>/<slug:section>/add/", sections.section_add, name="section-add"),
    path(
        "<uuid:pk>/<slug:tab>/<slug:section>/<str:item>/",
        sections.section_edit,
        name="section-edit",
    ),
    path(
        "<uuid:pk>/<slug:tab>/<slug:section>/<str:item>/remove/",
        sections.section_remove,
        name="section-remove",
    ),
]
