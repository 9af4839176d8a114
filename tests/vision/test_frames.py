"""A video frame made into an evidence image (vision.frames.frame_analysis)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from traceobject.vision.analyse import FileAnalysis, analyse_file
from traceobject.vision.frames import frame_analysis
from traceobject.vision.hashing import file_hashes


def _frame(height: int, width: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 255 // width, yy * 255 // height, (xx ^ yy) % 256], -1)
    grain = rng.integers(-12, 13, (height, width, 1))
    return np.clip(base + grain, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("size", [(120, 160), (600, 800), (31, 700)])
def test_a_frame_is_the_image_ingest_would_make_of_its_png(tmp_path: Path,
                                                           size: tuple[int, int]) -> None:
    """The PNG holds the frame's pixels exactly; hashes, PDQ and thumbnail are what image
    ingest computes from that PNG (PDQ at most 512 a side, as for any image)."""
    rgb = _frame(*size)
    analysis, data = frame_analysis(rgb, name="video abc@frame 7")
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG" and picture.mode == "RGB"
        assert np.array_equal(np.asarray(picture), rgb)
    path = tmp_path / "frame.png"
    path.write_bytes(data)
    ingested = analyse_file(str(path))
    assert isinstance(ingested, FileAnalysis)
    assert (analysis.sha256, analysis.md5) == file_hashes(data) == (ingested.sha256,
                                                                    ingested.md5)
    assert (analysis.pdq, analysis.pdq_quality) == (ingested.pdq, ingested.pdq_quality)
    assert analysis.thumbnail == ingested.thumbnail
    assert (analysis.width, analysis.height, analysis.size) == (size[1], size[0], len(data))
    assert analysis.path == "video abc@frame 7" and analysis.format == "PNG"


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 4), np.uint8),
                                 np.zeros((4, 4, 3), np.float32)])
def test_anything_but_an_rgb_frame_is_refused(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8"):
        frame_analysis(bad, name="x")
