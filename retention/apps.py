from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from records.child_blocks import child_block_register
        from records.datamap import Area, Destruction, Reach, register
        from records.lifecycle import on_dates_changed_register, on_many_dates_changed_register
        from retention.models import ChildRetention, DestructionListEntry, LegalHold
        from retention.selectors import child_retention_block
        from retention.services import child_retention_recompute, child_retention_recompute_many

        # A child's destruction date is about the child: destroying them deletes it.
        register(
            ChildRetention,
            reach=Reach.FOREIGN_KEY,
            child_lookup="child_id",
            area=Area.LEGAL_STATUS,
            destruction=Destruction.DELETE,
            note="When the child's record is to be destroyed, and under which rule",
        )
        register(
            LegalHold,
            reach=Reach.FOREIGN_KEY,
            child_lookup="child_id",
            area=Area.LEGAL_STATUS,
            destruction=Destruction.DELETE,
            note="Legal holds on the child's record (a held child is never destroyed)",
        )
        register(
            DestructionListEntry,
            reach=Reach.FOREIGN_KEY,
            child_lookup="child_id",
            area=Area.LEGAL_STATUS,
            destruction=Destruction.DELETE,
            note="The child's place on a destruction list",
        )
        # The destruction date is recomputed in the transaction that changes an episode, a
        # date of birth or a closure (records/lifecycle.py), and shown on the child's page
        # (records/child_blocks.py).
        on_dates_changed_register(self.label, child_retention_recompute)
        on_many_dates_changed_register(self.label, child_retention_recompute_many)
        child_block_register(self.label, child_retention_block)
