from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/add/", views.organisation_add, name="organisation-add"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<int:pk>/members/add/", views.member_add, name="member-add"),
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/add/", views.agreement_add, name="agreement-add"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/approve/", views.agreement_approve, name="agreement-approve"),
    path("agreements/<int:pk>/suspend/", views.agreement_suspend, name="agreement-suspend"),
    path("agreements/<int:pk>/tokens/add/", views.token_add, name="token-add"),
    path(
        "agreements/<int:pk>/tokens/<int:token>/revoke/",
        views.token_revoke,
        name="token-revoke",
    ),
    path("extract-files/", views.extract_agreements, name="extract-agreements"),
    path("agreements/<int:pk>/extracts/", views.agreement_extracts, name="agreement-extracts"),
    path("disclosures/", views.disclosures, name="disclosures"),
]
