"""A harder evaluation set for the country estimate: photograph-like scenes (Django-free).

Test and benchmark tooling, never imported at run time: ``bench/bench_country_eval.py``
runs the whole image pipeline on it, the tests import it as ``bench.country_eval``.

Each image is an object an investigator would crop out of evidence: a clothing tag, a
till receipt, a shelf price label, a shop bag or a packaging label, with the text such
objects carry in one of 27 countries (:mod:`bench.country_texts`: words in the language,
prices in the local format, sometimes a phone number, a web address, a street address with
its postcode, a "Made in ..." line, a barcode with the country's GS1 prefix). The object is
drawn small on a cluttered, textured ground (drawn wood, cloth, tiles, noise, scikit-image's
bundled brick / grass / gravel textures, other objects), in perspective, rotated, lit
unevenly, blurred, noisy, JPEG re-compressed, and cropped with some background around it.
One image in five carries only weak evidence ("100% COTTON", "SIZE L") and one in ten no
text at all: the estimate should stay unsure on those.

Everything is deterministic from ``(split, script, index)``; two splits use different
seeds: ``fit`` (to fit calibration) and ``test`` (to measure it).

Text is drawn with Debian's Noto fonts (fonts-noto-core, fonts-noto-cjk), for test data
only. Arabic, Hebrew, Thai and Devanagari need Pillow's Raqm layout (HarfBuzz + FriBiDi):
:func:`check_fonts` says what is missing. The Noto fonts of those scripts have no Latin
letters (the Hebrew and Thai ones no digits either), so a line is cut into runs, each drawn
with a font that has its characters; right-to-left lines put their runs right to left.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

if TYPE_CHECKING:
    from traceobject.geo.clues import Clue

from bench.country_texts import COUNTRIES, SCRIPTS, WEAK_TEXTS, CountryText, countries_of

__all__ = [
    "COUNTRIES",
    "GENERATOR_VERSION",
    "KINDS",
    "SCRIPTS",
    "SPLIT_SEEDS",
    "EvalImage",
    "EvalSpec",
    "Reading",
    "check_fonts",
    "draw_line",
    "eval_images",
    "eval_specs",
    "make_spec",
    "read_image",
    "reading_clues",
    "render",
]

#: Bumped whenever a change alters the images (the benchmark's cache is keyed on it).
GENERATOR_VERSION: Final = 2
SPLIT_SEEDS: Final = {"fit": 7411, "test": 2903}
KINDS: Final = ("tag", "receipt", "price_label", "bag", "package")
#: Evidence strength by index within a script (10 repeating): 7 strong, 2 weak, 1 none.
_STRENGTHS: Final = ("strong", "strong", "strong", "weak", "strong", "strong", "none",
                     "strong", "weak", "strong")

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
_LATIN_FONTS = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSerif-Regular.ttf",
                "NotoSansDisplay-Regular.ttf", "NotoSerif-Bold.ttf")
#: script -> (font file, face index) choices; CJK collections hold JP, KR, SC, TC, HK faces.
_SCRIPT_FONTS: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "Latin": tuple((f, 0) for f in _LATIN_FONTS),
    "Cyrillic": tuple((f, 0) for f in _LATIN_FONTS),
    "Greek": tuple((f, 0) for f in _LATIN_FONTS),
    "Arabic": (("NotoNaskhArabic-Regular.ttf", 0), ("NotoSansArabic-Regular.ttf", 0),
               ("NotoKufiArabic-Bold.ttf", 0), ("NotoNaskhArabic-Bold.ttf", 0)),
    "Hebrew": (("NotoSansHebrew-Regular.ttf", 0), ("NotoSerifHebrew-Regular.ttf", 0),
               ("NotoSansHebrew-Bold.ttf", 0)),
    "Thai": (("NotoSansThai-Regular.ttf", 0), ("NotoSerifThai-Regular.ttf", 0),
             ("NotoLoopedThai-Regular.ttf", 0), ("NotoSansThai-Bold.ttf", 0)),
    "Devanagari": (("NotoSansDevanagari-Regular.ttf", 0),
                   ("NotoSerifDevanagari-Regular.ttf", 0), ("NotoSansDevanagari-Bold.ttf", 0)),
    "Hangul": (("NotoSansCJK-Regular.ttc", 1), ("NotoSansCJK-Bold.ttc", 1),
               ("NotoSerifCJK-Regular.ttc", 1)),
    "Japanese": (("NotoSansCJK-Regular.ttc", 0), ("NotoSansCJK-Bold.ttc", 0),
                 ("NotoSerifCJK-Regular.ttc", 0)),
    "Han-Simplified": (("NotoSansCJK-Regular.ttc", 2), ("NotoSansCJK-Bold.ttc", 2),
                       ("NotoSerifCJK-Regular.ttc", 2)),
    "Han-Traditional": (("NotoSansCJK-Regular.ttc", 3), ("NotoSansCJK-Bold.ttc", 3),
                        ("NotoSerifCJK-Regular.ttc", 3)),
}
_RTL_RANGES: Final = ((0x0590, 0x05FF), (0x0600, 0x065F), (0x066A, 0x06EF), (0x06FA, 0x08FF),
                      (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
_ARABIC_DIGITS: Final = ((0x0660, 0x0669), (0x06F0, 0x06F9))
_MIRROR: Final = str.maketrans("()[]{}<>«»", ")(][}{><»«")

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class EvalSpec:
    """What one image shows; :func:`render` draws it."""

    split: str
    index: int
    country: str
    script: str
    kind: str
    strength: str  # "strong", "weak", "none"
    seed: str
    hard: bool = True  # photograph-like damage; False: a clean, close shot
    extras: bool = True  # may carry phone, web, address, "Made in" (English), barcode

    @property
    def name(self) -> str:
        return f"{self.split}-{self.script}-{self.index:03d}-{self.country}-{self.kind}"


@dataclass(frozen=True)
class EvalImage:
    spec: EvalSpec
    lines: tuple[str, ...]  # the text drawn, top to bottom
    barcode: str  # the EAN-13 drawn, or ""
    pixels: npt.NDArray[np.uint8]  # RGB


def check_fonts() -> list[str]:
    """What is missing to draw every script: [] when all is there."""
    missing = []
    if not (features.check("raqm") and features.check("fribidi")):
        missing.append("Pillow without Raqm layout or FriBiDi (apt-get install libfribidi0)")
    for choices in _SCRIPT_FONTS.values():
        for file, _index in choices:
            if not _font_path(file).exists():
                missing.append(f"font {file} (apt-get install fonts-noto-core fonts-noto-cjk)")
    return sorted(set(missing))


def eval_specs(split: str, per_script: int, *, scripts: tuple[str, ...] = SCRIPTS
               ) -> list[EvalSpec]:
    """``per_script`` images for each script, its countries in turn."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f"unknown split {split!r}: {sorted(SPLIT_SEEDS)}")
    specs = []
    for script in scripts:
        countries = countries_of(script)
        if not countries:
            raise ValueError(f"unknown script {script!r}")
        for i in range(per_script):
            seed = f"{SPLIT_SEEDS[split]}:{script}:{i}"
            rng = random.Random(seed)
            specs.append(EvalSpec(split, i, countries[i % len(countries)].code, script,
                                  rng.choice(KINDS), _STRENGTHS[i % len(_STRENGTHS)], seed))
    return specs


def make_spec(country: str, kind: str, *, strength: str = "strong", hard: bool = False,
              extras: bool = True, seed: str = "0") -> EvalSpec:
    """One chosen image (the tests' clear cases). ``extras=False``: only the text in the
    country's language and script (no phone, web address, postal address, English "Made
    in" line or barcode), to test reading that script."""
    if kind not in KINDS or strength not in ("strong", "weak", "none"):
        raise ValueError(f"unknown kind {kind!r} or strength {strength!r}")
    text = _country(country)
    return EvalSpec("custom", 0, text.code, text.script, kind, strength,
                    f"custom:{country}:{kind}:{seed}", hard, extras)


def _country(code: str) -> CountryText:
    for text in COUNTRIES:
        if text.code == code:
            return text
    raise ValueError(f"no texts for country {code!r}")


# --------------------------------------------------------------------------- text


def _font_path(file: str) -> Path:
    return (NOTO_CJK if file.endswith(".ttc") else NOTO) / file


@lru_cache(maxsize=256)
def _font(file: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_font_path(file)), size, index=index)


@lru_cache(maxsize=64)
def _cmap(file: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(_font_path(file)), fontNumber=index, lazy=True)
    return frozenset(font.getBestCmap())


def _in(ch: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    o = ord(ch)
    return any(a <= o <= b for a, b in ranges)


def _runs(text: str, covered: frozenset[int], rtl: bool) -> list[tuple[str, bool, str]]:
    """(text, drawn with the script's font, direction) runs in logical order.

    Right-to-left lines: letters of the script form "rtl" runs; digits, Latin words and
    the punctuation between them "ltr" runs; punctuation and spaces next to a right-to-left
    run take the line's direction (drawn mirrored, on their own). Left-to-right lines: runs
    change where the script's font stops covering the characters (spaces stay with the run).
    """
    classes = []
    for ch in text:
        if rtl:
            if _in(ch, _RTL_RANGES):
                classes.append("R")
            elif _in(ch, _ARABIC_DIGITS) or ch.isalnum():
                classes.append("L")
            else:
                classes.append("N")
        else:
            classes.append("S" if ord(ch) in covered or (ch == " ") else "O")
    if rtl:  # neutrals between two runs of one direction join them; others are R
        resolved = list(classes)
        i = 0
        while i < len(classes):
            if classes[i] != "N":
                i += 1
                continue
            j = i
            while j < len(classes) and classes[j] == "N":
                j += 1
            before = classes[i - 1] if i > 0 else "R"
            after = classes[j] if j < len(classes) else "R"
            fill = before if before == after else "RN"
            for k in range(i, j):
                resolved[k] = fill
            i = j
        classes = resolved
    runs: list[tuple[str, bool, str]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or classes[i] != classes[start]:
            chunk, cls = text[start:i], classes[start]
            if cls == "R":
                runs.append((chunk, True, "rtl"))
            elif cls == "RN":
                runs.append((chunk[::-1].translate(_MIRROR), False, "ltr"))
            elif cls == "L":
                native = all(ord(c) in covered for c in chunk) and any(
                    _in(c, _ARABIC_DIGITS) for c in chunk)
                runs.append((chunk, native, "ltr"))
            else:
                runs.append((chunk, cls == "S", "ltr"))
            start = i
    return runs


def _covered_runs(runs: list[tuple[str, bool, str]], covered: frozenset[int]
                  ) -> list[tuple[str, bool, str]]:
    """Cut the script font's runs where the font lacks a character (some Kufi faces have no
    full stop): those characters are drawn with the Latin font, in the run's direction."""
    out: list[tuple[str, bool, str]] = []
    for chunk, use_native, direction in runs:
        if not use_native or all(ord(c) in covered for c in chunk):
            out.append((chunk, use_native, direction))
            continue
        start = 0
        for i in range(1, len(chunk) + 1):
            if i == len(chunk) or (ord(chunk[i]) in covered) != (ord(chunk[start]) in covered):
                part = chunk[start:i]
                if ord(part[0]) in covered:
                    out.append((part, True, direction))
                elif direction == "rtl":  # neutrals inside a right-to-left run
                    out.append((part[::-1].translate(_MIRROR), False, "ltr"))
                else:
                    out.append((part, False, direction))
                start = i
    return out


def draw_line(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, *, script: str,
              font_choice: int, size: int, fill: RGB | tuple[int, int, int, int],
              rtl: bool = False, align: str = "left", width: float = 0.0) -> float:
    """Draw one line with its baseline at ``xy[1]``; returns its width. ``align`` "right"
    puts the line's right end at ``xy[0] + width``, "center" centres it on that width."""
    choices = _SCRIPT_FONTS[script]
    file, index = choices[font_choice % len(choices)]
    native = _font(file, index, size)
    latin = _font(_LATIN_FONTS[font_choice % 2], 0, size)
    covered = _cmap(file, index)
    runs = _runs(text, covered, rtl)
    pieces = []
    for chunk, use_native, direction in _covered_runs(runs, covered):
        font = native if use_native else latin
        pieces.append((chunk, font, direction, font.getlength(chunk, direction=direction)))
    total = sum(p[3] for p in pieces)
    x0, y = xy
    if align == "right":
        x0 = x0 + width - total
    elif align == "center":
        x0 = x0 + (width - total) / 2
    if rtl:
        x = x0 + total
        for chunk, font, direction, w in pieces:
            x -= w
            draw.text((x, y), chunk, font=font, fill=fill, anchor="ls", direction=direction)
    else:
        x = x0
        for chunk, font, direction, w in pieces:
            draw.text((x, y), chunk, font=font, fill=fill, anchor="ls", direction=direction)
            x += w
    return total


def _digits(pattern: str, rng: random.Random) -> str:
    return "".join(str(rng.randint(0, 9)) if c == "#" else c for c in pattern)


def _price(text: CountryText, rng: random.Random) -> str:
    money = rng.choice(text.money)
    amount = rng.uniform(money.low, money.high)
    if money.decimals == 0 and amount > 1000:
        amount = round(amount, -2)
    return money.format(amount)


def _label_text(spec: EvalSpec, rng: random.Random) -> tuple[list[tuple[str, str]], str]:
    """The lines of the object ((text, role) with role "title", "big", "body", "pair:<price>"
    or "latin"), and the EAN-13 to draw ("" for none)."""
    if spec.strength == "none":
        return [], ""
    if spec.strength == "weak":
        return [(line, "latin") for line in rng.choice(WEAK_TEXTS)], ""
    t = _country(spec.country)
    lines: list[tuple[str, str]] = []
    shop = rng.choice(t.shops)
    extras = {
        "phone": rng.random() < 0.5,
        "web": rng.random() < 0.5,
        "address": rng.random() < 0.5,
        "made_en": rng.random() < 0.3,
    }
    if not spec.extras:
        extras = dict.fromkeys(extras, False)
    barcode = ""
    if spec.kind == "tag":
        lines += [(shop, "title"), (t.composition, "body")]
        if rng.random() < 0.5:
            lines.append((t.care, "body"))
        lines.append((t.made_local, "body"))
        lines.append((_price(t, rng), "big"))
    elif spec.kind == "receipt":
        lines += [(shop, "title")]
        if extras["address"]:
            lines += [(a, "body") for a in t.address if a]
        if extras["phone"]:
            lines.append((_digits(rng.choice(t.phones), rng), "body"))
        lines.append((t.receipt, "body"))
        for item in rng.sample(t.items, k=rng.randint(2, 4)):
            lines.append((item, "pair:" + _price(t, rng)))
        lines.append((t.total, "pair:" + _price(t, rng)))
        lines.append((t.thanks, "body"))
        if extras["web"]:
            lines.append((rng.choice(t.domains), "body"))
        extras = dict.fromkeys(extras, False)
    elif spec.kind == "price_label":
        lines += [(rng.choice(t.items), "title"), (_price(t, rng), "big")]
        if rng.random() < 0.5:
            lines.append((f"{t.price}: {_price(t, rng)}", "body"))
    elif spec.kind == "bag":
        lines += [(shop, "title")]
        if spec.extras and (extras["web"] or rng.random() < 0.5):
            lines.append((rng.choice(t.domains), "body"))
            extras["web"] = False
    else:  # package
        item = rng.choice(t.items)
        lines += [(item, "title"), (t.ingredients, "body"),
                  (t.net.format(rng.choice((100, 200, 250, 400, 500))), "body"),
                  (t.made_local, "body")]
        if rng.random() < 0.6 and spec.extras:
            twelve = t.gs1 + "".join(str(rng.randint(0, 9)) for _ in range(12 - len(t.gs1)))
            from traceobject.demo.barcode import ean13_check_digit

            barcode = twelve + str(ean13_check_digit(twelve))
    if extras["address"]:
        lines += [(a, "body") for a in t.address if a]
    if extras["phone"]:
        lines.append((_digits(rng.choice(t.phones), rng), "body"))
    if extras["web"]:
        lines.append((rng.choice(t.domains), "body"))
    if extras["made_en"]:
        lines.append((t.made_en, "latin"))
    return lines, barcode


# --------------------------------------------------------------------------- objects

_PAPER: Final[tuple[RGB, ...]] = ((250, 248, 240), (255, 255, 255), (246, 240, 220),
                                 (255, 236, 120), (235, 245, 255), (240, 230, 210))
_INK: Final[tuple[RGB, ...]] = ((20, 20, 20), (40, 40, 60), (120, 20, 20), (20, 50, 120),
                               (30, 80, 40))
_BAG: Final[tuple[RGB, ...]] = ((180, 40, 40), (30, 60, 140), (230, 200, 150),
                               (40, 110, 60), (250, 250, 250), (200, 120, 40))


def _object_image(spec: EvalSpec, rng: random.Random) -> tuple[Image.Image, tuple[str, ...],
                                                               str]:
    """The flat object (RGBA, transparent around its outline), its lines and barcode."""
    t = _country(spec.country)
    lines, barcode = _label_text(spec, rng)
    font_choice = rng.randrange(16)
    size = rng.randint(26, 34)
    kind = spec.kind
    width = {"tag": 420, "receipt": 520, "price_label": 560, "bag": 640, "package": 700}[kind]
    if lines:  # wide enough for the longest line
        probe = ImageDraw.Draw(Image.new("RGB", (8, 8)))
        longest = 0.0
        for text, role in lines:
            s = _role_size(role, size)
            script = "Latin" if role == "latin" else t.script
            w = draw_line(probe, (0, 0), text, script=script, font_choice=font_choice, size=s,
                          fill=(0, 0, 0), rtl=t.rtl and role != "latin")
            if role.startswith("pair:"):
                w += draw_line(probe, (0, 0), role[5:], script=t.script,
                               font_choice=font_choice, size=s, fill=(0, 0, 0), rtl=t.rtl) + 40
            longest = max(longest, w)
        width = max(width, int(longest) + 60)
    height = 60 + sum(int(_role_size(r, size) * 1.45) for _t, r in lines)
    if barcode:
        height += 220
    if kind == "bag":
        height = max(height + 200, int(width * 1.1))
    if kind == "tag":
        height += 60
    height = max(height, 200)
    paper = _BAG[rng.randrange(len(_BAG))] if kind == "bag" else rng.choice(_PAPER)
    ink = (255, 255, 255) if kind == "bag" and sum(paper) < 400 else rng.choice(_INK)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if kind == "tag":
        draw.rounded_rectangle([0, 0, width - 1, height - 1], radius=24, fill=(*paper, 255))
        draw.ellipse([width // 2 - 12, 18, width // 2 + 12, 42], fill=(0, 0, 0, 0))
    elif kind == "bag":
        draw.rectangle([0, 80, width - 1, height - 1], fill=(*paper, 255))
        handle = tuple(max(0, c - 40) for c in paper)
        draw.arc([width // 4, 0, 3 * width // 4, 170], 180, 360, fill=(*handle, 255), width=14)
    elif kind == "receipt":  # torn bottom edge
        draw.rectangle([0, 0, width - 1, height - 13], fill=(*paper, 255))
        teeth = [(x, height - 13 + (12 if (x // 10) % 2 else 0)) for x in range(0, width + 10, 10)]
        draw.polygon([(0, height - 13), *teeth, (width - 1, height - 13)], fill=(*paper, 255))
    else:
        draw.rectangle([0, 0, width - 1, height - 1], fill=(*paper, 255))
        if kind == "price_label":
            draw.rectangle([0, 0, width - 1, 14], fill=(*rng.choice(_BAG), 255))
    if not lines and kind != "bag":  # no text: a pattern, as on a plain product
        for _ in range(rng.randint(3, 8)):
            x, y = rng.randrange(width), rng.randrange(height)
            r = rng.randint(10, 60)
            draw.ellipse([x - r, y - r, x + r, y + r], outline=(*rng.choice(_INK), 255), width=3)
    y = 60 + (110 if kind == "bag" else 0) + (40 if kind == "tag" else 0)
    margin = 30
    for text, role in lines:
        s = _role_size(role, size)
        y += int(s * 1.2)
        rtl = t.rtl and role != "latin"
        script = "Latin" if role == "latin" else t.script
        align = "center" if role in ("title", "big") or kind in ("bag", "tag") else (
            "right" if rtl else "left")
        if role.startswith("pair:"):
            price = role[5:]
            label_align, price_align = ("right", "left") if rtl else ("left", "right")
            draw_line(draw, (margin, y), text, script=t.script, font_choice=font_choice, size=s,
                      fill=ink, rtl=rtl, align=label_align, width=width - 2 * margin)
            draw_line(draw, (margin, y), price, script=t.script, font_choice=font_choice,
                      size=s, fill=ink, rtl=rtl, align=price_align, width=width - 2 * margin)
        else:
            draw_line(draw, (margin, y), text, script=script, font_choice=font_choice, size=s,
                      fill=ink, rtl=rtl, align=align, width=width - 2 * margin)
        y += int(s * 0.25)
    if barcode:
        from traceobject.demo.barcode import ean13_image

        bars = ean13_image(barcode, module_px=2).convert("RGBA")
        image.alpha_composite(bars, ((width - bars.width) // 2, y + 20))
    return image, tuple(text for text, _role in lines), barcode


def _role_size(role: str, size: int) -> int:
    return {"title": int(size * 1.35), "big": int(size * 1.8)}.get(role, size)


# --------------------------------------------------------------------------- scene


def _texture(name: str) -> npt.NDArray[np.uint8]:
    import skimage.data

    gray = np.asarray(getattr(skimage.data, name)(), dtype=np.uint8)
    return gray if gray.ndim == 2 else gray[..., :3].mean(axis=2).astype(np.uint8)


def _background(w: int, h: int, rng: random.Random, nrng: np.random.Generator
                ) -> Image.Image:
    """A cluttered table, floor or cloth: drawn patterns or a bundled texture, other
    objects on it, uneven colour."""
    style = rng.choice(("wood", "cloth", "tiles", "noise", "brick", "grass", "gravel"))
    tint = np.array(rng.choice(((170, 120, 80), (120, 120, 130), (90, 110, 80), (200, 190, 170),
                                (60, 60, 70), (150, 90, 90))), dtype=float)
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    if style == "wood":
        wave = np.sin(yy * 0.01 * rng.uniform(0.5, 2)) * 3
        grain = np.sin((xx * 0.02 + wave) * rng.uniform(2, 6))
        base = 0.75 + 0.15 * grain[..., None] + nrng.normal(0, 0.04, (h, w, 1))
        arr = tint * base
    elif style == "cloth":
        period = rng.randint(18, 60)
        stripes = ((xx // period + yy // period) % 2)[..., None]
        other = np.array(rng.choice(((200, 60, 60), (60, 60, 180), (220, 220, 220))), float)
        arr = tint * (1 - stripes) + other * stripes
        arr *= 0.85 + 0.1 * np.sin(xx * 1.3)[..., None] * np.sin(yy * 1.3)[..., None]
    elif style == "tiles":
        period = rng.randint(60, 140)
        grout = ((xx % period < 4) | (yy % period < 4))[..., None]
        arr = np.where(grout, 60.0, 1.0) * np.ones(3) + tint * (~grout)
    elif style == "noise":
        small = nrng.normal(0, 1, (h // 16 + 2, w // 16 + 2, 1))
        big = np.asarray(Image.fromarray(((small[..., 0] + 3) * 40).clip(0, 255).astype(np.uint8))
                         .resize((w, h), Image.Resampling.BICUBIC), float)[..., None] / 128
        arr = tint * big + nrng.normal(0, 8, (h, w, 1))
    else:
        tex = _texture(style)
        reps = (h // tex.shape[0] + 1, w // tex.shape[1] + 1)
        tiled = np.tile(tex, reps)[:h, :w].astype(float)[..., None] / 160
        arr = tint * tiled
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 7)):  # other things on the table
        x, y = rng.randrange(w), rng.randrange(h)
        a, b = rng.randint(20, w // 3 + 21), rng.randint(20, h // 3 + 21)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice(("rect", "ellipse", "line", "coin"))
        if shape == "rect":
            draw.rectangle([x, y, x + a, y + b], fill=colour)
        elif shape == "ellipse":
            draw.ellipse([x, y, x + a, y + b], fill=colour)
        elif shape == "line":
            draw.line([x, y, x + a, y + b], fill=colour, width=rng.randint(4, 14))
        else:
            r = rng.randint(12, 30)
            draw.ellipse([x, y, x + 2 * r, y + 2 * r], fill=(180, 150, 80), outline=(120, 90, 40),
                         width=3)
    return image


def _perspective_coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]
                        ) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping ``dst`` points to ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return np.linalg.solve(a, b).tolist()


def render(spec: EvalSpec) -> EvalImage:
    """Draw the scene of ``spec`` and return the investigator's crop of it."""
    rng = random.Random(spec.seed + ":draw")
    nrng = np.random.default_rng(rng.randrange(2 ** 32))
    obj, lines, barcode = _object_image(spec, rng)
    hard = spec.hard
    # on-scene size: text 9-22 px high when hard (a label among other things), ~20 px if not
    scale = rng.uniform(0.33, 0.7) if hard else rng.uniform(0.62, 0.72)
    ow, oh = obj.width * scale, obj.height * scale
    angle = np.deg2rad(rng.uniform(-25, 25) if hard else rng.uniform(-4, 4))
    if hard and rng.random() < 0.1:
        angle += np.pi / 2 * rng.choice((-1, 1))
    jitter = 0.08 if hard else 0.02
    corners = np.array([(-ow / 2, -oh / 2), (ow / 2, -oh / 2), (ow / 2, oh / 2),
                        (-ow / 2, oh / 2)])
    corners += np.array([(rng.uniform(-jitter, jitter) * ow, rng.uniform(-jitter, jitter) * oh)
                         for _ in range(4)])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    quad = corners @ rot.T
    span = quad.max(axis=0) - quad.min(axis=0)
    pad = span * rng.uniform(0.4, 0.8)
    sw, sh = int(span[0] + 2 * pad[0]), int(span[1] + 2 * pad[1])
    quad += np.array([sw / 2, sh / 2])
    scene = _background(sw, sh, rng, nrng)
    coeffs = _perspective_coeffs([(0, 0), (obj.width, 0), (obj.width, obj.height),
                                  (0, obj.height)], [tuple(p) for p in quad])
    warped = obj.transform((sw, sh), Image.Transform.PERSPECTIVE, coeffs,
                           Image.Resampling.BICUBIC)
    shadow = Image.new("RGBA", (sw, sh), (0, 0, 0, 0))
    alpha = warped.getchannel("A").filter(ImageFilter.GaussianBlur(6))
    shadow.putalpha(alpha.point(lambda a: a * 0.5))
    scene = scene.convert("RGBA")
    offset = (rng.randint(3, 9), rng.randint(3, 9))
    scene.alpha_composite(shadow, offset)
    scene.alpha_composite(warped)
    arr = np.asarray(scene.convert("RGB"), dtype=float)
    # light falling unevenly, sensor noise
    yy, xx = np.mgrid[0:sh, 0:sw].astype(float)
    gx, gy = rng.uniform(-0.35, 0.35), rng.uniform(-0.35, 0.35)
    light = 1 + gx * (xx / sw - 0.5) + gy * (yy / sh - 0.5)
    if hard:
        light *= rng.uniform(0.75, 1.1)
    arr = arr * light[..., None] + nrng.normal(0, rng.uniform(2, 7) if hard else 2, arr.shape)
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    blur = rng.uniform(0.3, 1.4) if hard else 0.4
    image = image.filter(ImageFilter.GaussianBlur(blur))
    # the investigator's crop: the object and some background around it
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    mx, my = (x1 - x0) * rng.uniform(0.05, 0.3), (y1 - y0) * rng.uniform(0.05, 0.3)
    box = (int(max(0, x0 - mx)), int(max(0, y0 - my)), int(min(sw, x1 + mx)),
           int(min(sh, y1 + my)))
    image = image.crop(box)
    for _ in range(2 if hard and rng.random() < 0.5 else 1):  # shared and re-shared
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=rng.randint(35, 85) if hard else 88)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return EvalImage(spec, lines, barcode, np.asarray(image, dtype=np.uint8))


def eval_images(split: str, per_script: int, *, scripts: tuple[str, ...] = SCRIPTS
                ) -> Iterator[EvalImage]:
    for spec in eval_specs(split, per_script, scripts=scripts):
        yield render(spec)


# --------------------------------------------------------------------------- pipeline


@dataclass(frozen=True)
class Reading:
    """What the image pipeline read in one image: OCR lines (text, confidence) and
    barcodes (format, text), and how long reading took."""

    lines: tuple[tuple[str, float], ...]
    barcodes: tuple[tuple[str, str], ...]
    read_ms: float


def read_image(pixels: npt.NDArray[np.uint8]) -> Reading:
    """OCR and barcodes, as ``traceobject clues IMAGE`` reads an image (no database)."""
    import time

    from traceobject.vision.barcodes import read_barcodes
    from traceobject.vision.ocr import read_text

    t0 = time.perf_counter()
    lines = read_text(pixels)
    barcodes = read_barcodes(pixels)
    took = (time.perf_counter() - t0) * 1000
    return Reading(tuple((line.text, float(line.confidence)) for line in lines),
                   tuple((b.format, b.text) for b in barcodes), took)


@dataclass(frozen=True)
class _Line:  # what clues_from_ocr reads of vision.ocr.TextLine
    text: str
    confidence: float


def reading_clues(reading: Reading) -> list[Clue]:
    """The clues of a reading, made as ``traceobject clues`` makes them (cli.cmd_clues)."""
    from traceobject.geo.clues import clue_from_gs1_info, clues_from_ocr, clues_from_text
    from traceobject.vision.barcodes import Barcode, gs1_country

    clues = clues_from_ocr([_Line(t, c) for t, c in reading.lines])
    for fmt, text in reading.barcodes:
        barcode = Barcode(fmt, text, ((0, 0), (0, 0), (0, 0), (0, 0)))
        if barcode.gtin:
            clue = clue_from_gs1_info(gs1_country(barcode.gtin), code=barcode.gtin)
            if clue is not None:
                clues.append(clue)
        elif barcode.text:
            clues.extend(clues_from_text(barcode.text, source="barcode"))
    return clues
