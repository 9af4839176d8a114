"""Evidence (internal role only): cases, images stored content-addressed, where they were found."""

from __future__ import annotations

from django.db import models


class Case(models.Model):
    ref = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.ref


class EvidenceImage(models.Model):
    """One distinct image (by SHA-256), however many times and places it was found."""

    # unique and indexed by the constraint and index below, not by unique=True/db_index:
    # on PostgreSQL those add a second (LIKE) index each, kept up on every insert and never
    # used; the PDQ is searched in the PDQ index, never by the database
    sha256 = models.CharField(max_length=64)
    md5 = models.CharField(max_length=32)
    pdq = models.CharField(max_length=64, blank=True)  # 64 hex digits
    pdq_quality = models.PositiveSmallIntegerField(null=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=16)
    mode = models.CharField(max_length=16, blank=True)
    frame_count = models.PositiveIntegerField(default=1)
    file_size = models.BigIntegerField()
    camera_make = models.CharField(max_length=256, blank=True)
    camera_model = models.CharField(max_length=256, blank=True)
    software = models.CharField(max_length=256, blank=True)
    captured_at = models.CharField(max_length=40, blank=True)  # ISO; camera local time if naive
    gps_lat = models.FloatField(null=True, blank=True)
    gps_lon = models.FloatField(null=True, blank=True)
    orientation = models.PositiveSmallIntegerField(null=True, blank=True)
    storage_key = models.CharField(max_length=200)
    thumb_key = models.CharField(max_length=200, blank=True)
    known_label = models.CharField(max_length=200, blank=True)  # matched a known-hash list
    warnings = models.JSONField(default=list, blank=True)
    ingested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["sha256"], name="one_image_per_sha256")]
        indexes = [models.Index(fields=["md5"], name="evidence_image_md5")]

    def __str__(self) -> str:
        return f"evidence {self.pk} {self.sha256[:12]}"


class EvidenceFile(models.Model):
    """Where an image was found: the case and the original path."""

    image = models.ForeignKey(EvidenceImage, on_delete=models.CASCADE, related_name="files")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=1024)
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "path"], name="one_file_per_case_path")
        ]
        # a case's images and each one's first path there without reading the files' rows
        # (the grid's rows, its count); the unique (case, path) index gives the order by name
        indexes = [models.Index(fields=["case", "image", "path"],
                                name="evidence_file_case_image")]

    def __str__(self) -> str:
        return self.path


class KnownHash(models.Model):
    """An entry of an imported known-hash list (SHA-256, MD5 or PDQ) with its label."""

    class Kind(models.TextChoices):
        SHA256 = "sha256", "SHA-256"
        MD5 = "md5", "MD5"
        PDQ = "pdq", "PDQ"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    list_name = models.CharField(max_length=100)

    class Meta:
        # look-ups by (kind, value) use the unique index's first two columns: no second
        # index to keep up while a list of 10 M hashes is imported
        constraints = [
            models.UniqueConstraint(fields=["kind", "value", "list_name"], name="known_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value[:12]} {self.label}"


class Crop(models.Model):
    """An object cut out of an evidence image, redacted, re-encoded, checked by the gate."""

    class Verdict(models.TextChoices):
        PASS = "pass", "pass"
        FAIL = "fail", "fail"

    image = models.ForeignKey(EvidenceImage, on_delete=models.PROTECT, related_name="crops")
    # Rectangle in the displayed (orientation-applied) full-resolution image.
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    w = models.PositiveIntegerField()
    h = models.PositiveIntegerField()
    redactions = models.JSONField(default=list, blank=True)  # [{"x","y","w","h","mode"}]
    storage_key = models.CharField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, related_name="crops_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    gate_verdict = models.CharField(max_length=8, choices=Verdict.choices)
    gate_findings = models.JSONField(default=list, blank=True)
    # Identifying text read in the crop (vision.idtext): addresses, names, phones, plates...
    # Each is a finding of kind "identifying_text"; "redacted" once blacked out.
    text_findings = models.JSONField(default=list, blank=True)
    override_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT,
        related_name="crop_overrides",
    )
    override_reason = models.TextField(blank=True)
    override_at = models.DateTimeField(null=True, blank=True)
    traced_object = models.OneToOneField(
        "catalog.TracedObject", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="crop",
    )

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"crop {self.pk} of evidence {self.image_id}"

    @property
    def text_open(self) -> list[dict]:
        """Identifying text that is neither redacted nor overridden yet."""
        return [f for f in self.text_findings or [] if not f.get("redacted")]

    @property
    def needs_override(self) -> bool:
        """The gate failed it or identifying text is left in it."""
        return self.gate_verdict != self.Verdict.PASS or bool(self.text_open)

    @property
    def may_be_published(self) -> bool:
        return self.override_at is not None or not self.needs_override


class EvidenceView(models.Model):
    """One person opened (or marked as seen) one evidence image: the grid's "not yet viewed"."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE,
                             related_name="evidence_views")
    image = models.ForeignKey(EvidenceImage, on_delete=models.CASCADE, related_name="views")
    first_viewed_at = models.DateTimeField(auto_now_add=True)
    last_viewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "image"], name="one_view_per_person_image")
        ]

    def __str__(self) -> str:
        return f"evidence {self.image_id} viewed by {self.user_id}"


class EvidenceVideo(models.Model):
    """One distinct video (by SHA-256): its metadata, its vPDQ and where its frames are."""

    sha256 = models.CharField(max_length=64, unique=True)
    md5 = models.CharField(max_length=32, db_index=True)
    file_size = models.BigIntegerField()
    container = models.CharField(max_length=32)  # e.g. "mp4", "matroska", "mpegts"
    video_codec = models.CharField(max_length=32)
    audio_codec = models.CharField(max_length=32, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fps = models.FloatField()
    duration = models.FloatField()  # seconds, as decoded
    frame_count = models.PositiveIntegerField()  # frames decoded
    created_meta = models.CharField(max_length=40, blank=True)  # container's creation time
    metadata = models.JSONField(default=dict, blank=True)  # other container tags, cleaned
    storage_key = models.CharField(max_length=200)
    vpdq_key = models.CharField(max_length=200)  # the vPDQ file, in the reference's format
    known_label = models.CharField(max_length=200, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    ingested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"video {self.pk} {self.sha256[:12]}"


class EvidenceVideoFile(models.Model):
    """Where a video was found: the case and the original path."""

    video = models.ForeignKey(EvidenceVideo, on_delete=models.CASCADE, related_name="files")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="video_files")
    path = models.CharField(max_length=1024)
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "path"], name="one_video_file_per_case_path")
        ]

    def __str__(self) -> str:
        return self.path


class VideoFrame(models.Model):
    """A frame of a video kept as an evidence image: a keyframe chosen at ingest (scene
    change) or a frame an investigator opened to crop from. The image is an ordinary
    EvidenceImage, so near-duplicate search, the crop tool and the gate treat it like any
    other; this row is its provenance (video, frame number, time)."""

    class Kind(models.TextChoices):
        KEYFRAME = "keyframe", "keyframe"
        CAPTURED = "captured", "captured"

    video = models.ForeignKey(EvidenceVideo, on_delete=models.CASCADE, related_name="frames")
    image = models.ForeignKey(EvidenceImage, on_delete=models.CASCADE,
                              related_name="video_frames")
    frame_number = models.PositiveIntegerField()  # 0-based, in decoding order
    time = models.FloatField()  # seconds from the start
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["video_id", "frame_number"]
        constraints = [
            models.UniqueConstraint(fields=["video", "frame_number"], name="one_frame_row")
        ]

    def __str__(self) -> str:
        return f"frame {self.frame_number} of video {self.video_id}"


class VideoHash(models.Model):
    """One vPDQ feature of a video (a PDQ hash of one sampled frame), searchable like an
    image's PDQ: a still's near-duplicate is found inside videos, with the time."""

    video = models.ForeignKey(EvidenceVideo, on_delete=models.CASCADE, related_name="hashes")
    # the reference vPDQ's (as in the .vpdq file): decoded frames counted, float32(n) / fps
    frame_number = models.PositiveIntegerField()
    time = models.FloatField()
    # where the frame is in the video, as the viewer numbers and times it (VideoFrame's)
    view_frame = models.PositiveIntegerField()
    view_time = models.FloatField()
    pdq = models.CharField(max_length=64)
    quality = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["video_id", "frame_number"]
        indexes = [models.Index(fields=["pdq"])]

    def __str__(self) -> str:
        return f"vpdq {self.frame_number} of video {self.video_id}"


class ImageFeatures(models.Model):
    """The local features (SIFT keypoints and descriptors, ``vision.features``) of one
    evidence image or one crop, in a file of the evidence store (``features_to_bytes``).

    ``source_key`` is the storage key of the picture they were read from: a crop whose
    picture was replaced (text blacked out) has features of an older picture, read again
    when next asked for. ``count`` 0 with ``error`` set: the picture could not be read."""

    image = models.OneToOneField(EvidenceImage, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="features")
    crop = models.OneToOneField(Crop, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="features")
    storage_key = models.CharField(max_length=200, blank=True)
    source_key = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)
    version = models.PositiveSmallIntegerField()
    error = models.CharField(max_length=200, blank=True)
    extracted_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(image__isnull=False, crop__isnull=True)
                           | models.Q(image__isnull=True, crop__isnull=False)),
                name="features_of_one_picture"),
        ]

    def __str__(self) -> str:
        what = f"evidence {self.image_id}" if self.image_id else f"crop {self.crop_id}"
        return f"features of {what} ({self.count})"


class ObjectSighting(models.Model):
    """An investigator found a traced object in another evidence image (same-object search,
    checked by geometric verification) and linked the two."""

    traced_object = models.ForeignKey("catalog.TracedObject", on_delete=models.CASCADE,
                                      related_name="sightings")
    image = models.ForeignKey(EvidenceImage, on_delete=models.CASCADE, related_name="sightings")
    inliers = models.PositiveIntegerField()
    linked_by = models.ForeignKey("auth.User", on_delete=models.PROTECT,
                                  related_name="object_sightings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-inliers", "id"]
        constraints = [
            models.UniqueConstraint(fields=["traced_object", "image"],
                                    name="one_sighting_per_object_image")
        ]

    def __str__(self) -> str:
        return f"object {self.traced_object_id} seen in evidence {self.image_id}"


class IngestRun(models.Model):
    """A queued ingest (`traceobject ingest PATH... --case REF --queue`): the paths walked on
    one machine and cut into batches (IngestBatch) that `traceobject worker` processes take,
    on any number of machines sharing the database and the evidence store. The counts here
    are the walk's; what the workers did is in IngestWorkerProgress."""

    class State(models.TextChoices):
        QUEUING = "queuing", "queuing"  # the walk is still cutting batches
        QUEUED = "queued", "queued"  # every batch is queued; workers are on it
        DONE = "done", "done"  # every batch ended

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ingest_runs")
    roots = models.JSONField(default=list)  # the paths given, as given
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUING)
    seen = models.BigIntegerField(default=0)  # files found by the walk
    skipped = models.BigIntegerField(default=0)  # recorded by an earlier run: not queued
    refused = models.BigIntegerField(default=0)  # refused by the walk (name, length, stat)
    queued = models.BigIntegerField(default=0)  # files put into batches
    batch_count = models.PositiveIntegerField(default=0)
    host = models.CharField(max_length=255, blank=True)  # where the walk ran
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"ingest run {self.pk} of case {self.case_id}"


class IngestBatch(models.Model):
    """A list of files (path, size, modification time) for one worker to ingest. `position`
    counts the files whose outcome is committed, in the same transaction as their rows: a
    worker that takes the batch over after a crash continues from there."""

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()  # 1, 2, ... in the walk's order
    files = models.JSONField(default=list)  # [[path, size, mtime_ns], ...]
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    position = models.PositiveIntegerField(default=0)
    worker_id = models.CharField(max_length=64, blank=True)  # the worker holding it (or last)
    attempts = models.PositiveIntegerField(default=0)  # claims, the first one included
    error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "number"]
        indexes = [models.Index(fields=["run", "state"])]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="one_batch_number_per_run")
        ]

    def __str__(self) -> str:
        return f"batch {self.number} of ingest run {self.run_id}"


class IngestWorkerProgress(models.Model):
    """What one worker did for one run, counted in the transactions that record the files."""

    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="workers")
    worker_id = models.CharField(max_length=64)
    done = models.BigIntegerField(default=0)  # files with an outcome (the ones below)
    ingested = models.BigIntegerField(default=0)  # images and videos new to the store
    duplicates = models.BigIntegerField(default=0)  # already in the store (same SHA-256)
    refused = models.BigIntegerField(default=0)
    skipped = models.BigIntegerField(default=0)  # recorded meanwhile (another run)
    batches = models.PositiveIntegerField(default=0)  # batches it finished
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["run_id", "worker_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "worker_id"], name="one_progress_per_worker")
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} in ingest run {self.run_id}"


class IngestRefusal(models.Model):
    """A file a queued ingest refused, with the reason (for `ingest --status` and the case
    page; the direct ingest prints them instead)."""

    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="refusals")
    path = models.TextField()  # as found, cut to 2,048 characters; undecodable bytes replaced
    reason = models.CharField(max_length=40)
    message = models.CharField(max_length=300, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)  # empty: refused by the walk

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reason}: {self.path[:80]}"


class IndexPending(models.Model):
    """A row no index has been told of yet: written by a database trigger (migration 0009)
    in the transaction that inserts the row, moved to the IndexLog by evidence.index."""

    kind = models.CharField(max_length=16)  # "pdq" (EvidenceImage), "vpdq" (VideoHash)
    row_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.kind} {self.row_id} (pending)"


class IndexLog(models.Model):
    """The rows of the indexes in the order they were published: one publisher at a time
    (IndexPublisher's row lock), so ``seq`` grows in commit order and an index catches up
    from the last ``seq`` it read (evidence.index)."""

    seq = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16)
    row_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["kind", "seq"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.row_id} at {self.seq}"


class IndexPublisher(models.Model):
    """One row: its lock serialises publishers; ``epoch`` names this database's log (an
    index copy made from another log, e.g. before a restore, is rebuilt)."""

    epoch = models.CharField(max_length=32)
    turns = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"index log {self.epoch}"
