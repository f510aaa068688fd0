"""Index audit entries by the child they concern, so a child's history is found (and, on
destruction, deleted) without scanning the whole audit log."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX auditlog_logentry_child_id_idx "
                "ON auditlog_logentry ((additional_data ->> 'child_id'))"
            ),
            reverse_sql="DROP INDEX auditlog_logentry_child_id_idx",
        ),
    ]
