from django.urls import path

from records.views.datamap import what_we_hold

app_name = "datamap"

urlpatterns = [
    path("", what_we_hold, name="what-we-hold"),
]
