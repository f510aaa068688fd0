"""Create the three staff roles as groups with the global permissions each carries.

The lists below are a snapshot of virtualschool.roles.ROLE_PERMISSIONS and
ADMIN_PERMISSIONS at the time of this migration; tests/virtualschool/test_roles.py checks
that the migrated groups still match them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Caseworker": [],
    "Manager": [
        ("records", "add_child"),
        ("records", "view_all_children"),
        ("records", "change_all_children"),
        ("records", "allocate_children"),
    ],
    "Admin": [
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
        ("auth", "view_group"),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so the groups
    # can hold them on a fresh database.
    for label in ("auth", "records"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in perms
            ]
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("records", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
