from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.vision.labels import ean13_array, label_image
from traceobject import cli


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TRACEOBJECT_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "traceobject.cli", "clues", *args],
                          capture_output=True, text=True, timeout=300, env=env)


def _run_here(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The same command in this process (its OCR and detectors are loaded once per test
    process, not once per run); `_run` keeps one real process for the exit status."""
    umask = os.umask(0o077)
    os.umask(umask)
    try:
        code = cli.main(["clues", *args])
    finally:
        os.umask(umask)  # main() sets the private umask of the CLI
    return code, capsys.readouterr().out


def test_clues_command_reads_a_polish_label_and_barcode(tmp_path: Path, capsys):
    label = label_image(("Skład: bawełna 100%", "Wyprodukowano w Polsce",
                         "Infolinia: +48 22 123 45 67"))
    code = Image.fromarray(ean13_array("590123412345"))
    sheet = Image.new("RGB", (max(label.width, code.width) + 40, label.height + code.height + 60),
                      "white")
    sheet.paste(label, (20, 20))
    sheet.paste(code, (20, label.height + 40))
    image = tmp_path / "label.png"
    sheet.save(image)
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 300, 3), 230, np.uint8)).save(blank)
    bad = tmp_path / "bad.jpg"
    bad.write_text("not an image")

    code, out = _run_here("--json", str(image), str(blank), str(bad), capsys=capsys)
    assert code == 1, out  # one unreadable file
    first, second, third = (json.loads(line) for line in out.splitlines())
    assert first["file"] == str(image)
    assert first["status"] == "estimate" and first["best"] == "PL"
    assert first["ranked"][0]["country"] == "PL" and first["ranked"][0]["probability"] > 0.5
    kinds = {clue["kind"] for clue in first["clues"]}
    assert {"language", "barcode_gs1", "phone"} <= kinds
    probabilities = [c["probability"] for c in first["ranked"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(p >= 0.01 for p in probabilities)  # no tail of countries without evidence
    # no text, no barcode: no estimate (not a uniform list of countries), not an error
    assert second["clues"] == []
    assert second["status"] == "no_clues" and second["best"] is None
    assert second["ranked"] == [] and second["reasons"] == ["no clues yet"]
    assert third["error"] == "not_an_image" and third["ranked"] == []

    code, out = _run_here(str(image), capsys=capsys)  # the plain output
    assert code == 0
    assert "countries PL" in out and "reason" in out
    # A real process: its exit status and plain output, on the blank image (reading the
    # label again in a fresh process would load the OCR and language models: ~13 CPU-s).
    text = _run(str(blank), home=tmp_path / "home")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(str(blank)), text.stdout
    assert "no estimate yet" in text.stdout and "no clues yet" in text.stdout
    assert "countries" not in text.stdout  # no list of countries at all
    bad = subprocess.run([sys.executable, "-m", "traceobject.cli", "clues", "--top", "0",
                          str(blank)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "TRACEOBJECT_HOME": str(tmp_path / "home")})
    assert bad.returncode == 2 and "--top" in bad.stderr
