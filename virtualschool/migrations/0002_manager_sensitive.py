"""Managers see sensitive categories (health, safeguarding, family, criminal) by role."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    config = apps.get_app_config("records")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="Manager").permissions.add(
        Permission.objects.get(content_type__app_label="records", codename="view_sensitive")
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="Manager").permissions.remove(
        Permission.objects.get(content_type__app_label="records", codename="view_sensitive")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("virtualschool", "0001_roles"),
        ("records", "0003_child_record"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
