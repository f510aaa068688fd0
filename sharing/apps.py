from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Data sharing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from records.child_blocks import child_block_register
        from records.datamap import Area, Destruction, Reach, register
        from records.permissions import designated_teacher_check_register
        from sharing.demo import seed_sharing
        from sharing.models import (
            DisclosureChild,
            ExtractChild,
            RemovedSharingRestriction,
            SharingRestriction,
        )
        from sharing.portal import designated_teacher_of
        from sharing.selectors import (
            child_restrictions_block,
            child_shared_with_block,
            home_part,
        )
        from sharing.services import membership_end
        from sharing.views_portal import portal_home_part
        from staff.access import on_leaving_role_register
        from virtualschool.demo import demo_part_register
        from virtualschool.home import home_part_register
        from virtualschool.roles import Role

        # A restriction is about one child: the data map knows it, and destroying the child
        # deletes it (records/datamap.py).
        register(
            SharingRestriction,
            reach=Reach.FOREIGN_KEY,
            child_lookup="child_id",
            area=Area.ACCESS,
            destruction=Destruction.DELETE,
            note="What may not be shared about the child, and with whom",
        )
        # A removed restriction, kept with who removed it and why; deleted with the child.
        register(
            RemovedSharingRestriction,
            reach=Reach.FOREIGN_KEY,
            child_lookup="child_id",
            area=Area.ACCESS,
            destruction=Destruction.DELETE,
            note="A restriction on sharing the child's data that was removed, and why",
        )
        # Which disclosures sent the child's data: the child's "Shared with" list, deleted
        # with the child; the log entry itself names no child and stays.
        register(
            DisclosureChild,
            reach=Reach.FOREIGN_KEY,
            child_lookup="child_id",
            area=Area.LOGS,
            destruction=Destruction.DELETE,
            note="A child whose data one disclosure of an agreement's dataset sent",
        )
        # Which children an extract file holds, so each download logs them: deleted with the
        # child (a file that has lost one is never sent again: sharing.extracts) and when the
        # file expires. The file itself is on disk, not in the database; it is deleted when
        # it expires (settings.EXTRACTS_DAYS), and the ExtractFile row names no child.
        register(
            ExtractChild,
            reach=Reach.FOREIGN_KEY,
            child_lookup="child_id",
            area=Area.LOGS,
            destruction=Destruction.DELETE,
            note="A child whose data an extract file of an agreement's dataset holds",
        )
        child_block_register(f"{self.label}.restrictions", child_restrictions_block)
        child_block_register(self.label, child_shared_with_block)
        # Its changes are in the child's audit history, the reason redacted as free text is
        # everywhere (records.audit); the entry carries the child's id (ChildOwnedMixin).
        auditlog.register(
            SharingRestriction,
            include_fields=["kind", "recipient_type", "requested_by", "reason"],
            mask_fields=["reason"],
            mask_callable="records.audit.redact",
        )
        # Leaving the Recipient role ends the person's membership of their organisation.
        on_leaving_role_register(Role.RECIPIENT, self.label, membership_end)
        # seed_demo's organisations, agreements and recipient users.
        demo_part_register(self.label, seed_sharing)
        # The PEP services accept a school's designated teacher as the owner of their sections
        # for the children of the portal's cohort (records never imports sharing).
        designated_teacher_check_register(designated_teacher_of)
        # A recipient's home page names their organisation.
        home_part_register(self.label, home_part)
        # A designated teacher's home page lists the plans waiting for them.
        home_part_register(f"{self.label}.portal", portal_home_part)
