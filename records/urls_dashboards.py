from django.urls import path

from records.views import dashboards

app_name = "dashboards"

urlpatterns = [
    path("attendance/", dashboards.attendance_page, name="attendance"),
    path("attendance/children/", dashboards.attendance_children_page, name="attendance-children"),
]
