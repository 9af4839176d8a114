"""The evidence database at 10 M images: the (case, image, path) index the grid's rows and
count read; no second (kind, value) index on known hashes (the unique constraint's
first columns serve); the images' SHA-256 unique and MD5 indexed without the LIKE indexes
PostgreSQL got for unique=True/db_index (never used); no index on the PDQ (searched in the
PDQ index, never by the database).

On SQLite, changing the SHA-256 column's uniqueness makes Django copy the images table into a
new one, which loses the table's trigger (0009): it is created again at the end."""

from django.db import migrations, models


def sqlite_trigger_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL alters the table in place; its trigger stays
    schema_editor.execute("""
        CREATE TRIGGER IF NOT EXISTS evidence_evidenceimage_index_pending
        AFTER INSERT ON evidence_evidenceimage
        BEGIN
            INSERT INTO evidence_indexpending (kind, row_id) VALUES ('pdq', NEW.id);
        END""")


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0009_pdq_index_log'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='knownhash',
            name='evidence_kn_kind_d27935_idx',
        ),
        migrations.AddIndex(
            model_name='evidencefile',
            index=models.Index(fields=['case', 'image', 'path'],
                               name='evidence_file_case_image'),
        ),
        migrations.AlterField(
            model_name='evidenceimage',
            name='md5',
            field=models.CharField(max_length=32),
        ),
        migrations.AlterField(
            model_name='evidenceimage',
            name='pdq',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name='evidenceimage',
            name='sha256',
            field=models.CharField(max_length=64),
        ),
        migrations.AddIndex(
            model_name='evidenceimage',
            index=models.Index(fields=['md5'], name='evidence_image_md5'),
        ),
        migrations.AddConstraint(
            model_name='evidenceimage',
            constraint=models.UniqueConstraint(fields=('sha256',), name='one_image_per_sha256'),
        ),
        migrations.RunPython(sqlite_trigger_again, migrations.RunPython.noop),
    ]
