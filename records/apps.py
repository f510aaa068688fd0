from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Child records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from records import audit, datamap_entries

        datamap_entries.register_records()
        audit.register_models()
