from django.urls import path

from records.views import ppplus

app_name = "ppplus"

urlpatterns = [
    path("", ppplus.position_page, name="position"),
    path("requests/", ppplus.queue_page, name="queue"),
]
