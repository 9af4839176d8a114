"""The models and the migrations agree, and the rename of Clue and CountryEstimate to
ClueRecord and EstimateRecord (clues 0003) keeps their tables and rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from traceobject.clues.models import ClueRecord, EstimateRecord

BEFORE = ("clues", "0002_brand_links")
RENAME = ("clues", "0003_clue_record_estimate_record")


@pytest.mark.django_db
def test_the_models_need_no_new_migration() -> None:
    """`manage makemigrations --check`: every model change has its migration."""
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_rename_keeps_the_tables_and_their_rows(published) -> None:
    assert ClueRecord._meta.db_table == "clues_clue"
    assert EstimateRecord._meta.db_table == "clues_countryestimate"
    executor = _migrate([BEFORE])
    try:
        old = executor.loader.project_state(BEFORE).apps
        clue = old.get_model("clues", "Clue").objects.create(
            object_id=published.pk, source="note", kind="investigator_note",
            payload={"reason": "made before the rename"})
        estimate = old.get_model("clues", "CountryEstimate").objects.create(
            object_id=published.pk, best="PL", clue_count=1,
            probabilities=[{"code": "PL", "p": 0.9}])
    finally:
        executor = _migrate(executor.loader.graph.leaf_nodes())
    assert RENAME in executor.loader.applied_migrations
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    assert {"clues_clue", "clues_countryestimate"} <= tables
    assert not {"clues_cluerecord", "clues_estimaterecord"} & tables
    assert ClueRecord.objects.get(pk=clue.pk).payload == {"reason": "made before the rename"}
    assert EstimateRecord.objects.get(pk=estimate.pk).best == "PL"
    assert published.country_estimate.pk == estimate.pk
    assert list(published.clues.values_list("pk", flat=True)) == [clue.pk]
