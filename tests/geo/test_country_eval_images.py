"""The country estimate of ``traceobject clues IMAGE`` on generated photographs of labels
(bench/country_eval.py): one clear image per script, with only text in the country's
language and script on it (no phone, web address, postcode, English line or barcode),
must get its country among the best three; an object with no text must get no confident
estimate. ``bench/bench_country_eval.py`` measures the same on the full, harder set."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from bench.country_eval import (
    KINDS,
    check_fonts,
    draw_line,
    eval_specs,
    make_spec,
    read_image,
    reading_clues,
    render,
)
from PIL import Image

from traceobject import cli
from traceobject.geo.countries import country_codes
from traceobject.geo.fusion import estimate

pytestmark = pytest.mark.skipif(bool(check_fonts()), reason="; ".join(check_fonts()))

UNREAD = "the OCR does not read this script yet"

#: One clear image per script: (country, object kind).
CLEAR = {
    "Latin": ("PL", "package"),
    "Cyrillic": ("RU", "package"),
    "Greek": ("GR", "package"),
    "Arabic": ("SA", "package"),
    "Hebrew": ("IL", "package"),
    "Thai": ("TH", "package"),
    "Devanagari": ("IN", "package"),
    "Hangul": ("KR", "package"),
    "Japanese": ("JP", "package"),
    "Han-Simplified": ("CN", "package"),
    "Han-Traditional": ("TW", "package"),
}
#: Scripts whose clear image does not get its country yet (none: every script is read).
NOT_YET: set[str] = set()


@pytest.fixture(scope="module")
def estimates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    images = {script: render(make_spec(country, kind, extras=False)).pixels
              for script, (country, kind) in CLEAR.items()}
    images["none"] = render(make_spec("DE", "tag", strength="none")).pixels
    tmp = tmp_path_factory.mktemp("country-eval")
    paths = []
    for name, pixels in images.items():
        path = tmp / f"{name}.png"
        Image.fromarray(pixels).save(path)
        paths.append(str(path))
    out_file = tmp / "out.jsonl"  # a module fixture has no capsys: the lines go to a file
    umask = os.umask(0o077)
    os.umask(umask)
    with out_file.open("w") as fh, contextlib.redirect_stdout(fh):
        try:
            code = cli.main(["clues", "--json", "--top", "3", *paths])
        finally:
            os.umask(umask)
    assert code == 0
    rows = [json.loads(line) for line in out_file.read_text().splitlines() if line]
    return {Path(row["file"]).stem: row["ranked"] for row in rows}


@pytest.mark.parametrize("script", [
    pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=UNREAD)) if s in NOT_YET else s
    for s in CLEAR
])
def test_clear_label_gets_its_country_in_the_top_three(estimates, script):
    country = CLEAR[script][0]
    top = [row["country"] for row in estimates[script]]
    assert country in top, (script, estimates[script])


def test_object_without_text_gets_no_confident_estimate(estimates):
    rows = estimates["none"]  # the command may list no country at all
    assert not rows or rows[0]["probability"] < 3 / len(country_codes()), rows


def test_bench_pipeline_matches_the_command(estimates):
    """The benchmark's reading (bench.country_eval.read_image + reading_clues) gives the
    command's estimate."""
    country, kind = CLEAR["Han-Simplified"]
    pixels = render(make_spec(country, kind, extras=False)).pixels
    result = estimate(reading_clues(read_image(pixels)))
    got = [(c, round(p, 4)) for c, p in result.ranked(3)]
    assert got == [(row["country"], row["probability"]) for row in estimates["Han-Simplified"]]


def test_generation_is_deterministic_and_splits_differ():
    fit = eval_specs("fit", 2, scripts=("Latin", "Hebrew"))
    assert fit == eval_specs("fit", 2, scripts=("Latin", "Hebrew"))
    assert [s.seed for s in fit] != [s.seed for s in eval_specs("test", 2,
                                                                scripts=("Latin", "Hebrew"))]
    first, again = render(fit[1]), render(fit[1])
    assert np.array_equal(first.pixels, again.pixels)
    assert first.spec.country == "IL" or first.spec.script == "Latin"
    with pytest.raises(ValueError):
        eval_specs("train", 1)
    with pytest.raises(ValueError):
        eval_specs("fit", 1, scripts=("Klingon",))
    with pytest.raises(ValueError):
        make_spec("XX", "tag")
    with pytest.raises(ValueError):
        make_spec("PL", "poster")
    assert set(KINDS) == {"tag", "receipt", "price_label", "bag", "package"}


def test_right_to_left_lines_come_out_right_to_left():
    """A Hebrew word ends at the right with its first letter; in a line with a price, the
    word keeps the right end and the digits come left of it."""
    from PIL import ImageDraw

    def drawn(text: str) -> np.ndarray:  # right-aligned at x = 390
        image = Image.new("L", (400, 60), 255)
        draw_line(ImageDraw.Draw(image), (10, 45), text, script="Hebrew", font_choice=0,
                  size=32, fill=0, rtl=True, align="right", width=380)
        return np.asarray(image) < 128

    def overlap(a: np.ndarray, b: np.ndarray) -> float:
        return float((a & b).sum() / max(b.sum(), 1))

    word = drawn("שלום")  # shin, lamed, vav, final mem
    first, last = drawn("ש"), drawn("ם")
    assert overlap(word, first) > 0.95  # shin drawn where a lone shin ends: at the right
    assert overlap(word, last) < 0.7  # a final mem there would not match it
    mixed, alone = drawn("מחיר 25"), drawn("מחיר")
    left = np.flatnonzero(alone.any(axis=0))[0]
    assert np.array_equal(mixed[:, left:], alone[:, left:])
    assert mixed[:, :left].sum() > 50  # the digits' ink, all of it left of the word


def test_every_character_is_drawn_with_a_font_that_has_it():
    """No missing-glyph boxes: each run of every text goes to a font with its characters."""
    import dataclasses

    from bench.country_eval import _SCRIPT_FONTS, _cmap, _covered_runs, _runs
    from bench.country_texts import COUNTRIES

    latin = _cmap("NotoSans-Regular.ttf", 0) & _cmap("NotoSans-Bold.ttf", 0)
    for country in COUNTRIES:
        texts = []
        for f in dataclasses.fields(country):
            value = getattr(country, f.name)
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, tuple):
                texts += [v if isinstance(v, str) else v.template for v in value]
        for file, index in _SCRIPT_FONTS[country.script]:
            covered = _cmap(file, index)
            for text in texts:
                for chunk, native, _direction in _covered_runs(
                        _runs(text, covered, country.rtl), covered):
                    has = covered if native else latin
                    assert all(ord(c) in has or c.isspace() for c in chunk), (
                        country.code, file, text, chunk)
