"""Same-object search follows the evidence: the local features of new evidence images and
crops are read by tasks. Connected in ``EvidenceConfig.ready()`` (the same signals the clues
app hears; evidence sends them without knowing who listens). The feature code (OpenCV) is
imported when a signal comes, not when Django starts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from traceobject.evidence.signals import crop_created, images_recorded


@receiver(images_recorded, dispatch_uid="evidence.features_of_new_images")
def _features_of_new_images(sender: Any, *, image_ids: Iterable[int], **_kwargs: Any) -> None:
    from traceobject.evidence.object_features import features_schedule

    features_schedule(image_ids=image_ids)


@receiver(crop_created, dispatch_uid="evidence.features_of_new_crop")
def _features_of_new_crop(sender: Any, *, crop_id: int, **_kwargs: Any) -> None:
    from traceobject.evidence.object_features import crop_features_schedule

    crop_features_schedule(crop_id=crop_id)
