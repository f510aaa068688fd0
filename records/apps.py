from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Child records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from records import audit

        audit.register_models()
