from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Child records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from records import audit, datamap_entries
        from records.access import refusal_record
        from records.selectors import todo
        from records.services.children import caseload_end
        from records.todo import todo_register
        from records.views.home import home_part
        from staff.access import on_leaving_role_register
        from virtualschool.home import home_part_register
        from virtualschool.middleware import refusal_recorder_register
        from virtualschool.roles import Role

        datamap_entries.register_records()
        audit.register_models()
        home_part_register(self.label, home_part)
        # "What needs doing" on the home page.
        todo_register("new_exclusions", todo.new_exclusions_item)
        todo_register("persistent_absence", todo.persistent_absence_item)
        todo_register("no_school", todo.no_school_item)
        todo_register("upn_check", todo.upn_check_item)
        # PEPs due and plans waiting for QA: two items, one statement.
        todo_register("pep", todo.pep_items)
        # Leaving the Caseworker role ends the person's caseload (issue 11, door 4).
        on_leaving_role_register(Role.CASEWORKER, self.label, caseload_end)
        # A request refused before its view (a recipient's) is in the child's access log.
        refusal_recorder_register(self.label, refusal_record)
