"""Test labels in the world's scripts, drawn with Debian's Noto fonts.

Fonts: ``fonts-noto-core`` (Latin, Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari)
and ``fonts-noto-cjk`` (Hangul, Japanese, Simplified and Traditional Chinese), found
under ``/usr/share/fonts``. Text is laid out with Pillow's Raqm engine (libraqm, with
HarfBuzz and FriBiDi inside Pillow's wheel), which shapes Arabic (joined letters, right
to left), Thai and Devanagari (vowel marks, conjuncts); without it those scripts would
be drawn as unreadable isolated glyphs (``test_fonts_are_shaped`` fails then).

Used by ``tests/vision/test_ocr_scripts.py`` and ``bench/bench_ocr_scripts.py``.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

RGB = tuple[int, int, int]

_CORE = Path("/usr/share/fonts/truetype/noto")
_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

#: (font file, face index in a collection) per script.
FONTS: dict[str, tuple[Path, int]] = {
    "Latin": (_CORE / "NotoSans-Regular.ttf", 0),
    "Cyrillic": (_CORE / "NotoSans-Regular.ttf", 0),
    "Greek": (_CORE / "NotoSans-Regular.ttf", 0),
    "Arabic": (_CORE / "NotoSansArabic-Regular.ttf", 0),
    "Hebrew": (_CORE / "NotoSansHebrew-Regular.ttf", 0),
    "Thai": (_CORE / "NotoSansThai-Regular.ttf", 0),
    "Devanagari": (_CORE / "NotoSansDevanagari-Regular.ttf", 0),
    "Hangul": (_CJK, 1),  # Noto Sans CJK KR
    "Japanese": (_CJK, 0),  # JP
    "Han-Hans": (_CJK, 2),  # SC
    "Han-Hant": (_CJK, 3),  # TC
}


@dataclass(frozen=True)
class ScriptSample:
    """Lines of a label in one language; ``script`` names the font (key of FONTS)."""

    language: str
    script: str
    lines: tuple[str, ...]
    keywords: tuple[str, ...]


SAMPLES: tuple[ScriptSample, ...] = (
    ScriptSample("vi", "Latin", ("Sản xuất tại Việt Nam", "Thành phần: đường, bột mì"),
                 ("Việt", "đường")),
    ScriptSample("tr", "Latin", ("Türkiye'de üretilmiştir", "İçindekiler: şeker, un"),
                 ("üretilmiştir", "şeker")),
    ScriptSample("ro", "Latin", ("Fabricat în România", "Ingrediente: făină, zahăr"),
                 ("România", "făină")),
    ScriptSample("ru", "Cyrillic", ("Сделано в России", "Вкусно и полезно"),
                 ("Сделано", "России", "Вкусно")),
    ScriptSample("bg", "Cyrillic", ("Произведено в България", "Съдържание: захар"),
                 ("България", "захар")),
    ScriptSample("uk", "Cyrillic", ("Зроблено в Україні", "Склад: цукор, борошно"),
                 ("Україні", "цукор")),
    ScriptSample("el", "Greek", ("ΕΛΛΗΝΙΚΟ ΠΡΟΪΟΝ", "Παράγεται στην Ελλάδα"),
                 ("ΕΛΛΗΝΙΚΟ", "Ελλάδα")),
    ScriptSample("ar", "Arabic", ("صنع في مصر", "السعر عشرة جنيه"),
                 ("صنع", "مصر", "السعر")),
    ScriptSample("he", "Hebrew", ("תוצרת ישראל", "מחיר מיוחד"),
                 ("תוצרת", "ישראל", "מחיר")),
    ScriptSample("th", "Thai", ("ราคา ๒๐ บาท", "ผลิตในประเทศไทย"),
                 ("ราคา", "ประเทศไทย")),
    ScriptSample("hi", "Devanagari", ("मूल्य ५० रुपये", "भारत में निर्मित"),
                 ("मूल्य", "भारत")),
    ScriptSample("ko", "Hangul", ("한국 제품", "가격 오천 원"), ("한국", "가격")),
    ScriptSample("ja", "Japanese", ("日本製 しょうゆ", "原材料 カタカナ"), ("日本製", "しょうゆ")),
    ScriptSample("zh-Hans", "Han-Hans", ("中国制造", "价格 优惠"), ("中国制造", "价格")),
    ScriptSample("zh-Hant", "Han-Hant", ("台灣製造", "價格 優惠"), ("台灣製造", "價格")),
)


def raqm_available() -> bool:
    return bool(features.check("raqm"))


@lru_cache(maxsize=64)
def _font(script: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = FONTS[script]
    if not path.is_file():  # pragma: no cover - fonts-noto-core / fonts-noto-cjk missing
        raise FileNotFoundError(path)
    layout = ImageFont.Layout.RAQM if raqm_available() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, index=index, layout_engine=layout)


def label_image(
    script: str,
    lines: tuple[str, ...] | list[str],
    *,
    size: int = 34,
    padding: int = 22,
    fg: RGB = (20, 20, 20),
    bg: RGB = (250, 248, 240),
) -> Image.Image:
    """A clean label: ``lines`` in the script's Noto font, right-aligned for RTL."""
    font = _font(script, size)
    rtl = script in ("Arabic", "Hebrew")
    boxes = [font.getbbox(line) for line in lines]
    widths = [int(b[2] - b[0]) + 1 for b in boxes]
    step = int(size * 1.8)
    width = max(widths, default=0) + 2 * padding
    height = step * len(lines) + 2 * padding
    image = Image.new("RGB", (max(width, 2 * padding + 1), height), bg)
    draw = ImageDraw.Draw(image)
    for i, (line, box, w) in enumerate(zip(lines, boxes, widths, strict=True)):
        x = width - padding - w if rtl else padding
        draw.text((x - box[0], padding + i * step), line, font=font, fill=fg)
    return image


def distort(
    image: Image.Image,
    *,
    seed: int,
    angle: float = 4.0,
    skew: float = 0.06,
    noise: float = 6.0,
    blur: float = 0.6,
    jpeg: int = 70,
    clutter: bool = False,
    scale: float = 1.0,
) -> npt.NDArray[np.uint8]:
    """``image`` photographed badly: perspective, rotation, optional clutter, blur,
    noise and JPEG compression. Deterministic for a given ``seed``."""
    import cv2

    rng = np.random.default_rng(seed)
    rgb = np.asarray(image.convert("RGB"))
    h, w = rgb.shape[:2]
    pad = int(0.12 * max(h, w)) + 8
    bgc = tuple(int(v) for v in rng.integers(90, 200, 3))
    canvas = np.empty((h + 2 * pad, w + 2 * pad, 3), np.uint8)
    canvas[:] = bgc
    if clutter:  # shapes and strokes around the label
        for _ in range(8):
            colour = tuple(int(v) for v in rng.integers(0, 255, 3))
            x, y = int(rng.integers(0, canvas.shape[1])), int(rng.integers(0, canvas.shape[0]))
            cv2.circle(canvas, (x, y), int(rng.integers(4, pad)), colour, -1)
    canvas[pad : pad + h, pad : pad + w] = rgb
    H, W = canvas.shape[:2]
    src = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    jitter = rng.uniform(-skew, skew, (4, 2)) * np.array([w, h])
    dst = (src + jitter).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(canvas, m, (W, H), borderMode=cv2.BORDER_REPLICATE)
    rot = cv2.getRotationMatrix2D((W / 2, H / 2), float(rng.uniform(-angle, angle)), 1.0)
    warped = cv2.warpAffine(warped, rot, (W, H), borderMode=cv2.BORDER_REPLICATE)
    if scale != 1.0:
        warped = cv2.resize(warped, (max(8, int(W * scale)), max(8, int(H * scale))),
                            interpolation=cv2.INTER_AREA)
    out = Image.fromarray(warped)
    if blur > 0:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(out).astype(np.float32)
    arr += rng.normal(0, noise, arr.shape)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=jpeg)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if not ch.isspace())


def char_accuracy(expected: str, got: str) -> float:
    """1 - character error rate (Levenshtein over non-space characters), floored at 0."""
    a, b = _norm(expected), _norm(got)
    if not a:
        return 1.0 if not b else 0.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return max(0.0, 1.0 - prev[-1] / len(a))
