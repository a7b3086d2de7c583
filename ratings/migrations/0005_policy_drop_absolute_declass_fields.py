from django.db import migrations


class Migration(migrations.Migration):
    """After 0004 copied them into the relative fields (a separate migration: PostgreSQL refuses to alter a
    table with pending trigger events from the rows 0004 updated in the same transaction)."""

    dependencies = [
        ("ratings", "0004_policy_relative_levels_coverage_cadence"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="ratingpolicy",
            name="declass_max_level",
        ),
        migrations.RemoveField(
            model_name="ratingpolicy",
            name="declass_min_calls",
        ),
        migrations.RemoveField(
            model_name="ratingpolicy",
            name="declass_min_discount_pct",
        ),
    ]
