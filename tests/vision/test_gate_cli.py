"""`traceobject gate IMAGE... [--json]` as users run it: a fresh process, real models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bench.gate_samples import object_image
from bench.idtext_samples import render
from PIL import Image


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TRACEOBJECT_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "traceobject.cli", "gate", *args],
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from skimage import data

    root = tmp_path_factory.mktemp("gate-cli")
    person = root / "astronaut.png"
    Image.fromarray(np.ascontiguousarray(data.astronaut())).save(person)
    carton = root / "carton.jpg"
    Image.fromarray(object_image(3)).save(carton, quality=92)
    address = root / "label.png"
    Image.fromarray(render(("Rue des Lilas 12", "75011 Paris"), 7)).save(address)
    text = root / "notes.jpg"
    text.write_text("a text file named .jpg")
    return {"person": person, "carton": carton, "text": text, "address": address,
            "home": root / "home"}


# Each run loads the models in a fresh process (a few seconds): three runs serve the tests.
@pytest.fixture(scope="module")
def plain(files: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    return _run(str(files["carton"]), str(files["person"]), str(files["text"]),
                str(files["address"]), home=files["home"])


@pytest.fixture(scope="module")
def as_json(files: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    missing = files["home"].parent / "missing.png"
    return _run("--json", str(missing), str(files["carton"]), str(files["person"]),
                home=files["home"])


@pytest.fixture(scope="module")
def passing(files: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    """Only images without a person (one with an address to review): exit status 0."""
    return _run("--json", str(files["carton"]), str(files["address"]), home=files["home"])


def test_plain_output_and_exit_status(files: dict[str, Path], plain) -> None:
    assert plain.returncode == 1  # an image failed
    lines = plain.stdout.splitlines()
    assert lines[0] == f"{files['carton']}\tpass"
    assert lines[1] == f"{files['person']}\tfail"
    findings = []
    for line in lines[2:]:
        if not line.startswith("  "):
            break
        findings.append(line.split()[0])
    assert "face" in findings
    assert f"{files['text']}\tfail" in lines
    error = lines[lines.index(f"{files['text']}\tfail") + 1]
    assert error.startswith("  error 1.00: DecodeError: not_an_image")  # no region for it
    # MediaPipe's and TensorFlow Lite's routine start-up lines stay off the terminal.
    assert "XNNPACK" not in plain.stderr and "inference_feedback_manager" not in plain.stderr
    assert "absl::InitializeLog" not in plain.stderr


def test_json_lines_and_a_passing_run_exits_zero(files: dict[str, Path], as_json,
                                                  passing) -> None:
    assert as_json.returncode == 1
    _missing, carton, person = (json.loads(line) for line in as_json.stdout.splitlines())
    assert carton == {"file": str(files["carton"]), "verdict": "pass", "findings": []}
    assert person["file"] == str(files["person"]) and person["verdict"] == "fail"
    face = next(f for f in person["findings"] if f["kind"] == "face")
    assert set(face) == {"kind", "score", "box", "detail"} and len(face["box"]) == 4

    assert passing.returncode == 0, passing.stderr
    assert [json.loads(line)["verdict"] for line in passing.stdout.splitlines()] == [
        "pass", "pass"]


def test_identifying_text_is_listed_and_asks_for_review(files: dict[str, Path], passing,
                                                         plain) -> None:
    # The person verdict and the exit status stand (the passing run has the label in it).
    label = json.loads(passing.stdout.splitlines()[1])
    assert label["file"] == str(files["address"])
    assert label["verdict"] == "pass" and label["review"] is True
    texts = [f for f in label["findings"] if f["kind"] == "identifying_text"]
    assert {f["what"] for f in texts} == {"address"}
    street = next(f for f in texts if f["text"] == "Rue des Lilas 12")
    x, y, w, h = street["box"]
    assert w > 100 and h > 10 and x >= 0 and y >= 0

    lines = plain.stdout.splitlines()
    first = lines.index(f"{files['address']}\tpass\treview")
    assert any(line.startswith("  identifying_text ") and "address: 'Rue des Lilas 12'" in line
               for line in lines[first + 1:])


def test_a_missing_file_fails_and_the_others_are_still_judged(as_json) -> None:
    assert as_json.returncode == 1
    first, second, _person = (json.loads(line) for line in as_json.stdout.splitlines())
    assert first["verdict"] == "fail" and [f["kind"] for f in first["findings"]] == ["error"]
    assert second["verdict"] == "pass"


def test_native_lines_that_are_not_routine_still_reach_stderr() -> None:
    routine = (
        b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"
        b"WARNING: All log messages before absl::InitializeLog() is called are written to "
        b"STDERR\n"
        b"W0000 00:00:1796396860.359983   13878 inference_feedback_manager.cc:114] Feedback "
        b"manager requires a model with a single signature inference.\n"
    )
    code = (
        "import os, sys\n"
        "from traceobject.cli import native_stderr_filtered\n"
        "with native_stderr_filtered():\n"
        f"    os.write(2, {routine!r})\n"
        "    os.write(2, b'W0000 00:00:1.5   13878 graph.cc:7] another warning\\n')\n"
        "    os.write(2, b'E0000 00:00:1.5   13878 graph.cc:9] model broken\\n')\n"
        "    print('python says', file=sys.stderr)\n"
        "print('after', file=sys.stderr)\n"
        "with native_stderr_filtered():\n"
        "    os.write(2, b'F0000 00:00:1.5   13878 graph.cc:11] Check failed\\n')\n"
        "    import time; time.sleep(0.5)\n"
        "    os.abort()  # a native crash: the line before it is not lost\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0  # aborted
    lines = done.stderr.splitlines()
    assert "python says" in lines and "after" in lines
    for expected in ("W0000 00:00:1.5   13878 graph.cc:7] another warning",
                     "E0000 00:00:1.5   13878 graph.cc:9] model broken",
                     "F0000 00:00:1.5   13878 graph.cc:11] Check failed"):
        assert expected in lines, done.stderr
    assert "XNNPACK" not in done.stderr and "Feedback manager" not in done.stderr
    assert "absl::InitializeLog" not in done.stderr
