"""VideoHash.view_frame and view_time: where a vPDQ feature's frame is for the viewer (its
presentation order and time), apart from the reference's frame count and time. Rows written
before keep the reference's values (right for constant-frame-rate videos)."""

from django.db import migrations, models
from django.db.models import F


def copy_reference(apps, schema_editor):
    VideoHash = apps.get_model("evidence", "VideoHash")
    VideoHash.objects.update(view_frame=F("frame_number"), view_time=F("time"))


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0005_video"),
    ]

    operations = [
        migrations.AddField(
            model_name="videohash",
            name="view_frame",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="videohash",
            name="view_time",
            field=models.FloatField(default=0.0),
            preserve_default=False,
        ),
        migrations.RunPython(copy_reference, migrations.RunPython.noop),
    ]
