from django.urls import path

from retention import views

app_name = "retention"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("queue/", views.queue, name="queue"),
    path("holds/", views.holds, name="holds"),
    path("holds/lift/", views.hold_lift, name="hold-lift"),
    path("lists/", views.lists, name="lists"),
    path("certificates/", views.certificates, name="certificates"),
    path("certificates.csv", views.certificates_csv, name="certificates-csv"),
]
