"""WorkerLease moves from exports to core (like PeriodicSlot in 0001): Django's state moves,
the table (exports_workerlease) and its rows stay. Where exports is installed (core, all), its
migration 0004 made the table and runs before this one (its run_before); this creates the
table only where it is missing, and never on an edge (traceobject/sync/router.py): the edge
runs no worker."""

from typing import Any

from django.db import migrations, models, router


def _create_table_if_missing(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("core", "WorkerLease")
    connection = schema_editor.connection
    if not router.allow_migrate_model(connection.alias, model):
        return
    if model._meta.db_table in connection.introspection.table_names():
        return
    schema_editor.create_model(model)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_periodic_slot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WorkerLease",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("worker_id", models.CharField(max_length=64, unique=True)),
                        ("host", models.CharField(blank=True, max_length=255)),
                        ("pid", models.PositiveIntegerField(default=0)),
                        ("started_at", models.DateTimeField()),
                        ("renewed_at", models.DateTimeField()),
                        ("expires_at", models.DateTimeField(db_index=True)),
                    ],
                    options={"db_table": "exports_workerlease"},
                ),
            ],
            database_operations=[],
        ),
        # After the state has the model (a database operation inside the one above would
        # not see it yet).
        migrations.RunPython(_create_table_if_missing, migrations.RunPython.noop),
    ]
