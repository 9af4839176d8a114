"""A small evidence store for same-object search tests: generated scenes (bench/object_scenes)
ingested into three cases, their local features read by the queued tasks, the object index
built; and the object's crop cut from its clearest scene.

    case CASE-A   source.jpg (object 0, large and straight: the crop is cut from it),
                  a second view of object 0, two distractors
    case CASE-B   two views of object 0 (smaller, turned, in perspective, partly hidden,
                  lit differently, re-compressed), object 1, a distractor
    case CASE-C   object 2, two distractors (object 0 is not in it)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.object_scenes import distractor, make_scene, object_texture
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceFile, EvidenceImage

#: (case, file name, object id or None, conditions)
LAYOUT: list[tuple[str, str, int | None, dict[str, Any]]] = [
    ("CASE-A", "source.jpg", 0, {"scale": 1.6, "seed": 11}),
    ("CASE-A", "kitchen.jpg", 0, {"scale": 0.9, "rotation": 20.0, "perspective": 0.05,
                                  "seed": 12}),
    ("CASE-A", "street.jpg", None, {"seed": 13}),
    ("CASE-A", "shelf.jpg", None, {"seed": 14}),
    ("CASE-B", "bedroom.jpg", 0, {"scale": 0.8, "rotation": -35.0, "perspective": 0.08,
                                  "occlusion": 0.15, "lighting": 0.8, "jpeg_quality": 70,
                                  "seed": 21}),
    ("CASE-B", "hall.jpg", 0, {"scale": 1.2, "rotation": 60.0, "perspective": 0.04,
                               "lighting": 1.2, "seed": 22}),
    ("CASE-B", "poster.jpg", 1, {"scale": 1.0, "seed": 23}),
    ("CASE-B", "yard.jpg", None, {"seed": 24}),
    ("CASE-C", "table.jpg", 2, {"scale": 1.0, "seed": 31}),
    ("CASE-C", "car.jpg", None, {"seed": 32}),
    ("CASE-C", "garage.jpg", None, {"seed": 33}),
]


def write_scene(path: Path, object_id: int | None, conditions: dict[str, Any]
                ) -> tuple[int, int, int, int] | None:
    """Write the scene as a JPEG; the object's box (x, y, w, h) in it, None for none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    args = dict(conditions)
    seed = args.pop("seed")
    if object_id is None:
        distractor(seed).save(path, "JPEG", quality=90)
        return None
    picture, box = make_scene(object_texture(object_id), seed=seed, **args)
    picture.save(path, "JPEG", quality=95)
    return tuple(box)  # type: ignore[return-value]


#: The evidence app's tasks of same-object search (the clues app's OCR tasks that ingest
#: queues too are left in the queue: they take seconds an image and are tested elsewhere).
OBJECT_TASKS = ("image_features_task", "crop_features_task", "object_index_sync_task")


def run_tasks(*names: str) -> int:
    """Run the queued tasks of these names (same-object search's if none) as the worker
    would, in the order queued, deferred ones too; returns how many ran."""
    ran = 0
    paths = [f"traceobject.evidence.tasks.{n}" for n in names or OBJECT_TASKS]
    while True:
        row = DBTaskResult.objects.filter(task_path__in=paths).order_by("enqueued_at",
                                                                         "id").first()
        if row is None:
            return ran
        row.delete()
        arguments = row.args_kwargs
        import_string(row.task_path).call(*arguments["args"], **arguments["kwargs"])
        ran += 1


@dataclass
class World:
    root: Path
    boxes: dict[str, tuple[int, int, int, int] | None]
    images: dict[str, EvidenceImage]  # by file name

    def with_object(self, object_id: int) -> set[int]:
        return {self.images[name].pk for case, name, oid, _c in LAYOUT if oid == object_id}

    def case_of(self, name: str) -> str:
        return next(case for case, n, _o, _c in LAYOUT if n == name)


def build_world(root: Path, layout: list[tuple[str, str, int | None, dict[str, Any]]] = LAYOUT,
                ) -> World:
    """Ingest the layout's scenes case by case and run the feature tasks (the index is
    then built by the catch-up task they queue)."""
    boxes = {}
    for case, name, object_id, conditions in layout:
        boxes[name] = write_scene(root / case / name, object_id, conditions)
    for case in dict.fromkeys(case for case, *_rest in layout):
        ingest([root / case], case_ref=case)
    run_tasks("image_features_task")
    images = {}
    for row in EvidenceFile.objects.select_related("image"):
        images[Path(row.path).name] = row.image
    return World(root, boxes, images)


def indexed_world(root: Path, settings: Any) -> World:
    """The world with its object index built: a first codebook from a handful of images
    (the default waits for 50), the scenes ingested, and every queued task run."""
    settings.OBJECT_INDEX_MIN_IMAGES = 6
    settings.OBJECT_INDEX_WORDS = 16
    built = build_world(root)
    run_tasks()
    return built
