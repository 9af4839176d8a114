"""What evidence announces to the apps built on it, without knowing them.

The clues app reads new evidence images and crops for clues and recomputes the estimates
concerned: its receivers are connected in ``CluesConfig.ready()``, so wherever Django is set
up with the app installed (web processes, the task worker, the CLI after ``django.setup()``,
the tests). On an edge neither app is installed. The signals are sent as the rows are
recorded, inside their transaction where there is one; a receiver that queues work defers
it with ``transaction.on_commit``, so nothing is queued for rows that are rolled back.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Evidence images were recorded for a case (one batch of an ingest).
#: Arguments: ``case_id`` (int), ``image_ids`` (list[int], the images new to the store).
images_recorded = Signal()

#: An ingest of a case has finished (every batch recorded). Arguments: ``case_id`` (int).
case_ingested = Signal()

#: A crop was cut from an evidence image and stored. Arguments: ``crop_id`` (int).
crop_created = Signal()

#: A crop became a draft traced object (what the crop's image gave now counts for the
#: object). Arguments: ``crop_id`` (int), ``object_id`` (int).
crop_made_object = Signal()
