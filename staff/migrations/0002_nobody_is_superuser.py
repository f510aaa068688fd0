"""Nobody is a superuser, and the database keeps it so (issue 11, door 1).

A superuser passes every permission check, a child's included, so the service has none:
no code path sets is_superuser, and this constraint makes `createsuperuser`, a raw UPDATE or
a future code path fail rather than make one. virtualschool/0003 has already cleared the flag
on any existing account.
"""

from django.db import migrations

CONSTRAINT = "auth_user_nobody_is_superuser"


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_staff_change"),
        ("virtualschool", "0003_admin_without_auth_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE auth_user ADD CONSTRAINT {CONSTRAINT} CHECK (NOT is_superuser)",
            f"ALTER TABLE auth_user DROP CONSTRAINT {CONSTRAINT}",
        )
    ]
