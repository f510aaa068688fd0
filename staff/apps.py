from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Staff accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The system check that some app ends a caseworker's access when the role goes.
        from staff import checks  # noqa: F401
