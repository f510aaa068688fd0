"""An authority's ONS code beside its LA code: the SSDA903 return's PL_LA may name a
placement's area by either (issue 13)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0006_cohort_ehc_plan_and_post_16_age"),
    ]

    operations = [
        migrations.AddField(
            model_name="recipientorganisation",
            name="ons_code",
            field=models.CharField(blank=True, max_length=9, verbose_name="ONS code"),
        ),
    ]
