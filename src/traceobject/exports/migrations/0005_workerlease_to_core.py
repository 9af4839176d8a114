"""WorkerLease now belongs to core (core/migrations/0002_worker_lease.py): only Django's state
forgets it here; the table exports_workerlease and its rows stay, core's model uses them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("exports", "0004_worker_lease"),
        ("core", "0002_worker_lease"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="WorkerLease")],
            database_operations=[],
        ),
    ]
