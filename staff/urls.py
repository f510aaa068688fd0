from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("add/", views.staff_add, name="add"),
    path("<int:pk>/", views.staff_detail, name="detail"),
    path("<int:pk>/role/", views.staff_role, name="role"),
    path("<int:pk>/deactivate/", views.staff_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.staff_reactivate, name="reactivate"),
    path("<int:pk>/reset-password/", views.staff_password_reset, name="reset-password"),
    path("<int:pk>/reset-two-factor/", views.staff_two_factor_reset, name="reset-two-factor"),
    path("<int:pk>/unlock/", views.staff_unlock, name="unlock"),
]
