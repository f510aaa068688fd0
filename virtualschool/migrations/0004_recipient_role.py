"""The Recipient role (issue 13): a group with no permission at all. Recipient users belong
to one recipient organisation (sharing.models.RecipientMembership) and see data only through
an active sharing agreement, which asks for the role, never for a permission."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="Recipient")


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Recipient").delete()


class Migration(migrations.Migration):
    dependencies = [("virtualschool", "0003_admin_without_auth_permissions")]

    operations = [migrations.RunPython(create, remove)]
