"""PeriodicSlot now belongs to core (core/migrations/0001_periodic_slot.py): only Django's
state forgets it here; the table exports_periodicslot and its rows stay, core's model uses
them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("exports", "0002_export_progress_at_and_expired"),
        ("core", "0001_periodic_slot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PeriodicSlot")],
            database_operations=[],
        ),
    ]
