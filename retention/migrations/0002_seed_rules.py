"""The default retention rules, from the authority's privacy notice (issue 14, DESIGN.md
"Retention"). Admins change them afterwards through retention.services.retention_rule_change.
"""

from django.db import migrations

from retention.defaults import RULES


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for values in RULES:
        RetentionRule.objects.update_or_create(cohort=values["cohort"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_rules_and_due_dates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
