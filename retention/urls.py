from django.urls import path

from retention import views

app_name = "retention"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("queue/", views.queue, name="queue"),
    path("holds/", views.holds, name="holds"),
    path("holds/lift/", views.hold_lift, name="hold-lift"),
    path("lists/", views.lists, name="lists"),
    path("certificates/", views.certificates, name="certificates"),
    path("certificates.csv", views.certificates_csv, name="certificates-csv"),
    path("certificates/<int:pk>.csv", views.certificate_csv, name="certificate-csv"),
    path("certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate-pdf"),
]
