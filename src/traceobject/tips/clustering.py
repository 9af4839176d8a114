"""Near-duplicate clusters of tips in the database (the core is tips.analysis).

A tip joins the cluster of an earlier tip about the same object that is similar enough
(analysis.THRESHOLD; analysis.best_match says which when several are). Candidates come from
the LSH buckets in TipBand, at most analysis.BUCKET_CAP tips per bucket, so opening a tip
costs the same with ten tips on an object or a hundred thousand. Tips without a
near-duplicate are in no cluster; a cluster has two members or more. `tips_recluster`
recomputes an object's clusters in one batch, with the same rules in the same order (so it
gives what opening the tips one by one gave).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from traceobject.catalog.models import TracedObject
from traceobject.tips import analysis
from traceobject.tips.models import Tip, TipBand, TipCluster


def tip_cluster_assign(*, tip: Tip) -> TipCluster | None:
    """Put a newly opened tip in the cluster of a near-duplicate (call it inside the
    transaction that stores the tip); index it for the tips that come after it."""
    keys = analysis.band_keys(tip.fingerprint)
    if not keys:
        return None
    rows = list(TipBand.objects.filter(object_id=tip.object_id, key__in=keys)
                .values_list("key", "tip_id"))
    shared = Counter(tip_id for _key, tip_id in rows)
    per_key = Counter(key for key, _tip_id in rows)
    ranked = analysis.rank_candidates(shared)
    candidates = {pk: (fingerprint, cluster_id) for pk, fingerprint, cluster_id in
                  Tip.objects.filter(pk__in=ranked).values_list("id", "fingerprint",
                                                                "cluster_id")}
    match = analysis.best_match(tip.fingerprint, (
        (pk, candidates[pk][0]) for pk in ranked if pk in candidates))
    cluster = None
    if match is not None:
        cluster = _join(tip, other_id=match[0], other_cluster_id=candidates[match[0]][1])
    TipBand.objects.bulk_create([TipBand(object_id=tip.object_id, key=key, tip_id=tip.pk)
                                 for key in keys if per_key[key] < analysis.BUCKET_CAP])
    return cluster


def _join(tip: Tip, *, other_id: int, other_cluster_id: int | None) -> TipCluster:
    if other_cluster_id is not None:
        TipCluster.objects.filter(pk=other_cluster_id).update(size=F("size") + 1)
        Tip.objects.filter(pk=tip.pk).update(cluster_id=other_cluster_id)
        tip.cluster_id = other_cluster_id
        return TipCluster.objects.get(pk=other_cluster_id)
    cluster = TipCluster.objects.create(object_id=tip.object_id, size=2,
                                        created_at=timezone.now())
    Tip.objects.filter(pk__in=[tip.pk, other_id]).update(cluster=cluster)
    tip.cluster = cluster
    return cluster


@dataclass(frozen=True)
class ReclusterResult:
    tips: int
    clusters: int
    clustered_tips: int


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def tips_recluster(*, obj: TracedObject) -> ReclusterResult:
    """Recompute the clusters of every tip about ``obj`` in one batch (after the analysis
    changed, or to repair what concurrent openings left); cluster ids change."""
    clusterer = analysis.Clusterer()
    rows = Tip.objects.filter(object=obj).order_by("id").values_list("id", "fingerprint")
    count = 0
    for tip_id, fingerprint in rows.iterator(chunk_size=2000):
        clusterer.add(tip_id, fingerprint or ())
        count += 1
    groups = clusterer.groups()
    with transaction.atomic():
        Tip.objects.filter(object=obj, cluster__isnull=False).update(cluster=None)
        TipCluster.objects.filter(object=obj).delete()
        TipBand.objects.filter(object=obj).delete()
        now = timezone.now()
        clusters = TipCluster.objects.bulk_create(
            [TipCluster(object=obj, size=len(group), created_at=now) for group in groups])
        _execute_many(
            f"UPDATE {_table(Tip)} SET {_column(Tip, 'cluster')} = %s "  # noqa: S608
            f"WHERE {_column(Tip, 'id')} = %s",
            [(cluster.pk, tip_id) for cluster, group in zip(clusters, groups, strict=True)
             for tip_id in group])
        _execute_many(
            f"INSERT INTO {_table(TipBand)} ({_column(TipBand, 'object')}, "  # noqa: S608
            f"{_column(TipBand, 'key')}, {_column(TipBand, 'tip')}) VALUES (%s, %s, %s)",
            [(obj.pk, key, tip_id) for key, tip_ids in clusterer.buckets.items()
             for tip_id in tip_ids])
    return ReclusterResult(tips=count, clusters=len(groups),
                           clustered_tips=sum(len(g) for g in groups))


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _column(model: Any, name: str) -> str:
    return str(connection.ops.quote_name(model._meta.get_field(name).column))


def _execute_many(sql: str, params: list[tuple[Any, ...]]) -> None:
    """Many rows in few round trips (table and column names come from the models)."""
    with connection.cursor() as cursor:
        for chunk in _chunks(params, 5000):
            cursor.executemany(sql, list(chunk))


def tip_clusters_refresh(*, obj: TracedObject | None = None) -> int:
    """Correct cluster sizes after tips were deleted; a cluster left with fewer than two
    members is dissolved. Return how many clusters changed."""
    clusters = TipCluster.objects.all() if obj is None else TipCluster.objects.filter(object=obj)
    changed = 0
    with transaction.atomic():
        for cluster_id, size, members in clusters.annotate(n=Count("members")).values_list(
                "id", "size", "n"):
            if members < 2:
                Tip.objects.filter(cluster_id=cluster_id).update(cluster=None)
                TipCluster.objects.filter(pk=cluster_id).delete()
                changed += 1
            elif members != size:
                TipCluster.objects.filter(pk=cluster_id).update(size=members)
                changed += 1
    return changed
