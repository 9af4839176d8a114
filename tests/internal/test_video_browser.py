"""The video page in chromium: step through frames, keep one, crop it with the crop tool,
and the crop page says which frame of which video it came from.

    SCREENSHOT_DIR=/tmp/shots pytest tests/internal/test_video_browser.py   # also writes PNGs
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser import conftest as browser_fixtures
from tests.clues.test_browser import _signed_in_context
from tests.videogen import Scene
from traceobject.evidence.models import Case, Crop, EvidenceVideo, VideoFrame

from ..evidence.conftest import video_file, video_make
from .test_crop_browser import _Picture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_playwright_loop = browser_fixtures._playwright_loop
_browser_test = browser_fixtures._browser_test
browser = browser_fixtures.browser
new_context = browser_fixtures.new_context

SCENES = (Scene(7, 1.0), Scene(8, 1.0))


@pytest.fixture(scope="module")
def _made() -> Path:
    return video_file("mp4-h264", SCENES, width=320, height=240)


@pytest.fixture
def video(_made: Path) -> EvidenceVideo:
    case = Case.objects.create(ref="CASE-VB")
    return video_make(case, "camera/clip.mp4", "mp4-h264", SCENES, width=320, height=240)


def _shot(page: Any, name: str) -> None:
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / name), full_page=True)


def test_step_capture_and_crop_a_frame(new_context: Callable[..., Any], live_server: Any,
                                       users: dict[str, Any], video: EvidenceVideo) -> None:
    from playwright.sync_api import expect

    page = _signed_in_context(new_context, live_server, users["investigator"]).new_page()
    problems: list[str] = []  # CSP violations and script errors are console errors
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"/internal/videos/{video.pk}/?frame=24")
    readout = page.locator("#frame-readout")
    expect(readout).to_contain_text("Frame 24 of 0–49")
    frame = page.locator("#video-frame")
    expect(frame).to_have_js_property("complete", True)
    assert frame.evaluate("img => img.naturalWidth") == 320  # the frame endpoint answered
    _shot(page, "video-page.png")
    steps = page.get_by_role("navigation", name="Step through the video")
    steps.get_by_role("link", name="Next frame").click()
    expect(readout).to_contain_text("Frame 25 of 0–49 · 0:01.000 of 0:01.960 · keyframe")
    steps.get_by_role("link", name="Next frame").click()
    expect(readout).to_contain_text("Frame 26 of 0–49")
    steps.get_by_role("link", name="Previous frame").click()
    expect(readout).to_contain_text("Frame 25 of 0–49")
    steps.get_by_role("link", name="Next frame").click()
    expect(readout).to_contain_text("Frame 26 of 0–49")
    assert page.url.endswith("?frame=26")

    page.get_by_role("button", name="Crop from this frame").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Evidence")
    kept = VideoFrame.objects.get(video=video, kind="captured")
    assert kept.frame_number == 26
    assert page.url.endswith(f"/internal/evidence/{kept.image_id}/")
    expect(page.get_by_text(f"Frame 26 at 0:01.040 of video {video.pk}")).to_be_visible()

    picture = _Picture(page, kept.image)
    picture.drag((40, 30), (280, 210))
    with page.expect_navigation(url="**/internal/crops/*/", timeout=120_000):
        page.get_by_role("button", name="Create crop and run the safety gate").click(
            timeout=120_000)
    crop = Crop.objects.get()
    assert crop.image_id == kept.image_id and crop.w > 200
    link = page.get_by_role("link", name=f"Frame 26 at 0:01.040 of video {video.pk}")
    expect(link).to_be_visible()
    _shot(page, "video-crop.png")
    link.click()
    expect(readout).to_contain_text("Frame 26 of 0–49")
    page.goto("/internal/cases/CASE-VB/")
    expect(page.get_by_role("heading", name="Videos")).to_be_visible()
    _shot(page, "video-case.png")
    assert problems == []
