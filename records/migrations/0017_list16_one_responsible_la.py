"""One responsible local authority (issue 13): Characteristics.responsible_la (free text) held
the same idea as Child.responsible_la_code (the DfE LA code sharing's cohort rule reads).
A free-text value that is an LA code (three digits, records/codes/local_authority.py) moves to
the child's code, unless the child already names one; this authority's own code stays blank
(blank is this authority). Other text (an authority's name) is not a code and is not carried
over: the change history still shows it. Then the free-text field goes."""

import re

from django.conf import settings
from django.db import migrations

LA_CODE = re.compile(r"[0-9]{3}")


def codes_to_child(apps, schema_editor):
    Characteristics = apps.get_model("records", "Characteristics")
    Child = apps.get_model("records", "Child")
    rows = Characteristics.objects.exclude(responsible_la="").values_list(
        "child_id", "responsible_la"
    )
    for child_id, text in rows.iterator():
        code = text.strip()
        if not LA_CODE.fullmatch(code) or code == settings.LOCAL_AUTHORITY_CODE:
            continue
        Child.objects.filter(pk=child_id, responsible_la_code="").update(responsible_la_code=code)


def codes_to_characteristics(apps, schema_editor):
    Characteristics = apps.get_model("records", "Characteristics")
    Child = apps.get_model("records", "Child")
    for child_id, code in (
        Child.objects.exclude(responsible_la_code="")
        .values_list("pk", "responsible_la_code")
        .iterator()
    ):
        Characteristics.objects.filter(child_id=child_id).update(responsible_la=code)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0016_ppplus_requests"),
    ]

    operations = [
        migrations.RunPython(codes_to_child, codes_to_characteristics),
        migrations.RemoveField(
            model_name="characteristics",
            name="responsible_la",
        ),
    ]
