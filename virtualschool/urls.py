from django.urls import include, path

from virtualschool import signin, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Public, no sign-in, like the privacy notice: linked from every page's footer.
    path("accessibility/", views.accessibility, name="accessibility"),
    path("help/", views.help_page, name="help"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sign-in/", signin.SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", signin.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up/", signin.sign_in_set_up, name="sign-in-set-up"),
    path("sign-in/backup-codes/", signin.sign_in_backup_codes, name="sign-in-backup-codes"),
    path("sign-out/", signin.sign_out, name="sign-out"),
    # Sharing's pages on a child's record, before records' own (whose tabs take any slug).
    path("children/<uuid:pk>/sharing-restrictions/", include("sharing.urls_restrictions")),
    path("children/", include("records.urls")),
    path("dashboards/", include("records.urls_dashboards")),
    path("pupil-premium-plus/", include("records.urls_ppplus")),
    path("what-we-hold/", include("records.urls_datamap")),
    path("api/sharing/", include("sharing.api_urls")),
    path("api/", include("records.api.urls")),
    path("staff/", include("staff.urls")),
    path("sharing/extracts/", include("sharing.urls_extracts")),
    path("sharing/", include("sharing.urls")),
    path("portal/", include("sharing.urls_portal")),
    path("retention/", include("retention.urls")),
    path("set-password/", include("staff.urls_password")),
    path("subject-access/", include("retention.urls_subject_access")),
    # The privacy notice: public, no sign-in (retention/privacy_notice.py).
    path("privacy/", include("retention.urls_privacy")),
    # Django's admin site is not mounted: staff accounts are managed in the staff pages, and
    # no role reaches the admin site (docs/adr/0007-staff-accounts-in-the-service.md).
]

handler400 = views.bad_request
handler404 = views.page_not_found
handler500 = views.server_error
