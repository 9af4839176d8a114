"""Tip clues: a tip's country field and what its place and text name, read once per tip and
stored at full trust. When the estimate is computed they are weighted by the tip's current
triage state (spam, duplicates and off-topic tips count not at all) and the tips of one
near-duplicate cluster count once (:func:`traceobject.clues.selectors.object_clues`), so a
change of state needs no reading again."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from traceobject import geo
from traceobject.clues.models import CLUE_READER, ClueRecord, ClueScan, Source
from traceobject.clues.selectors import brand_links_map
from traceobject.tips.models import Tip

TIP_BATCH = 500


def _tip_clues(tip: Tip, *, brands: Mapping[str, str] | None = None) -> list[geo.Clue]:
    """A tip's clues at full trust (state "useful"); weighted by its state when fused.
    ``brands``: the shop and brand names investigators linked to countries."""
    text = "\n".join(part for part in (tip.place, tip.text) if part)
    return geo.clues_from_tip(text, country_field=tip.country or None, state="useful",
                              language=tip.language or None, brands=brands, tip_id=tip.pk)


def tips_scan(*, tips: QuerySet[Tip]) -> int:
    """Read every tip of ``tips`` that was not read yet, or was read by an older reader
    (:data:`CLUE_READER`: what it gave then is forgotten first); returns how many were
    read."""
    _tips_forget_stale(tips)
    done = 0
    brands: dict[str, str] | None = None  # read once per call, when there is a tip to read
    while True:
        batch = list(tips.filter(clue_scan__isnull=True)
                     .only("id", "text", "place", "country", "language")
                     .order_by("id")[:TIP_BATCH])
        if not batch:
            return done
        if brands is None:
            brands = brand_links_map()
        read = {tip.pk: _tip_clues(tip, brands=brands) for tip in batch}
        try:
            _tips_store(read)
        except IntegrityError:  # another worker read some of them at the same moment
            for tip_id, clues in read.items():
                try:
                    _tips_store({tip_id: clues})
                except IntegrityError:
                    continue
        done += len(batch)


def _tips_forget_stale(tips: QuerySet[Tip]) -> None:
    """Forget the clues and scans of the tips an older reader read, so they are read again."""
    while True:
        stale = list(tips.filter(Q(clue_scan__reader__lt=CLUE_READER))
                     .order_by("id").values_list("id", flat=True)[:TIP_BATCH])
        if not stale:
            return
        with transaction.atomic():
            ClueRecord.objects.filter(source=Source.TIP, tip_id__in=stale).delete()
            ClueScan.objects.filter(tip_id__in=stale).delete()


def _tips_store(read: Mapping[int, list[geo.Clue]]) -> None:
    now = timezone.now()
    with transaction.atomic():
        ClueScan.objects.bulk_create([
            ClueScan(tip_id=tip_id, clue_count=len(clues), scanned_at=now, reader=CLUE_READER)
            for tip_id, clues in read.items()
        ])
        ClueRecord.objects.bulk_create([
            ClueRecord(source=Source.TIP, tip_id=tip_id, kind=c.kind, payload=c.to_dict(),
                 created_at=now)
            for tip_id, clues in read.items() for c in clues
        ])

