from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Child records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from records import audit, datamap_entries
        from records.views.home import home_part
        from virtualschool.home import home_part_register

        datamap_entries.register_records()
        audit.register_models()
        home_part_register(self.label, home_part)
