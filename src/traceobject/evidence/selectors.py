"""Reads of the evidence store."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from traceobject.evidence.index import pdq_index
from traceobject.evidence.models import EvidenceFile, EvidenceImage
from traceobject.evidence.storage import EvidenceStoreError, evidence_read
from traceobject.vision.hashing import hex_to_array


@dataclass(frozen=True)
class SimilarImage:
    distance: int
    image: EvidenceImage
    cases: list[str]
    paths: list[str]


def similar_images(*, pdq: str, quality: int | None = None, threshold: int | None = None,
                   exclude_id: int | None = None, limit: int = 200) -> list[SimilarImage]:
    """Evidence images whose PDQ is within `threshold` of `pdq`, nearest first."""
    threshold = settings.PDQ_THRESHOLD if threshold is None else threshold
    hits = pdq_index().search(hex_to_array(pdq), threshold, quality=quality,
                              min_quality=settings.PDQ_MIN_QUALITY)
    hits = [(i, d) for i, d in hits if i != exclude_id][:limit]
    images = EvidenceImage.objects.in_bulk([i for i, _d in hits])
    files: dict[int, list[tuple[str, str]]] = {}
    for image_id, case_ref, path in (
        EvidenceFile.objects
        .filter(image_id__in=list(images)).order_by("id")
        .values_list("image_id", "case__ref", "path")
    ):
        files.setdefault(image_id, []).append((case_ref, path))
    return [
        SimilarImage(
            distance=d, image=images[i],
            cases=sorted({c for c, _p in files.get(i, [])}),
            paths=[p for _c, p in files.get(i, [])],
        )
        for i, d in hits if i in images
    ]


def evidence_display_jpeg(*, image: EvidenceImage) -> bytes | None:
    """The evidence image as displayed (orientation applied), re-encoded for the crop tool;
    None if the stored file is missing or cannot be decoded. A store that fails (S3 endpoint
    down, access refused) raises EvidenceStoreError: that is not a missing image."""
    import io

    from traceobject.vision.decode import DecodeError, decode_image

    try:
        decoded = decode_image(evidence_read(key=image.storage_key))
    except EvidenceStoreError:
        raise
    except (OSError, DecodeError):
        return None
    buffer = io.BytesIO()
    decoded.to_pil().save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
