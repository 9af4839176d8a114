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

    sha256 = models.CharField(max_length=64, unique=True)
    md5 = models.CharField(max_length=32, db_index=True)
    pdq = models.CharField(max_length=64, blank=True, db_index=True)  # 64 hex digits
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
        indexes = [models.Index(fields=["kind", "value"])]
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
