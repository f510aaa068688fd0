"""The Admin role carries no raw permission: staff are managed in the service's own pages,
which ask for the role (ADR 7). Until now the group held auth.add_user, change_user,
view_user and view_group for Django's admin site, through which an Admin could make anyone,
themselves included, a superuser or a Manager (issue 11, door 1). Nobody is staff or
superuser either: the admin site is no longer mounted, and staff/migrations make superuser
impossible in the database."""

from django.db import migrations

REMOVED = [
    ("auth", "view_user"),
    ("auth", "add_user"),
    ("auth", "change_user"),
    ("auth", "view_group"),
]


def remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("auth", "User")
    admin = Group.objects.filter(name="Admin").first()
    if admin is not None:
        admin.permissions.clear()
    for app_label, codename in REMOVED:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            # Nobody holds a raw auth permission individually either.
            permission.user_set.clear()
    User.objects.filter(is_staff=True).update(is_staff=False)
    User.objects.filter(is_superuser=True).update(is_superuser=False)


class Migration(migrations.Migration):
    dependencies = [("virtualschool", "0002_manager_sensitive")]

    # Not reversed: giving the Admin role its escalation back is not a migration to run.
    operations = [migrations.RunPython(remove, migrations.RunPython.noop)]
