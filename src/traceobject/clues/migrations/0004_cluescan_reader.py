from django.db import migrations, models


class Migration(migrations.Migration):
    """Scans record the version of the reader that made them (scans made before: 1)."""

    dependencies = [
        ("clues", "0003_clue_record_estimate_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="cluescan",
            name="reader",
            field=models.PositiveSmallIntegerField(default=1),
        ),
    ]
