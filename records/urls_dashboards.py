from django.urls import path

from records.views import dashboards

app_name = "dashboards"

urlpatterns = [
    path("attendance/", dashboards.attendance_page, name="attendance"),
    path("attendance/children/", dashboards.attendance_children_page, name="attendance-children"),
    path("exclusions/", dashboards.exclusions_page, name="exclusions"),
    path("exclusions/children/", dashboards.exclusions_children_page, name="exclusions-children"),
    path("attainment/", dashboards.attainment_page, name="attainment"),
    path("attainment/children/", dashboards.attainment_children_page, name="attainment-children"),
    path("pep/", dashboards.pep_page, name="pep"),
    path("pep/children/", dashboards.pep_children_page, name="pep-children"),
]
