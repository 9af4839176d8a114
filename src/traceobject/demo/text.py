"""Text for the demo images with Pillow's bundled font, Django-free.

`ImageFont.load_default(size=N)` (Pillow >= 10.1) is a scalable font that only covers ASCII and a
few symbols. Accented letters are drawn as their ASCII base letter plus a small drawn mark
(acute, caron, ogonek, ...); letters without a decomposition (ł, ø, ß, æ, ...) are drawn as a
base letter with a stroke or transliterated. Nothing is ever drawn as a "missing glyph" box.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

from PIL import ImageDraw, ImageFont

Color = tuple[int, int, int] | tuple[int, int, int, int]

# Characters the bundled font has beyond ASCII.
_EXTRA_GLYPHS = frozenset("©«°±´·»“”‘’")
# Letters without a Unicode decomposition: (ASCII base, extra mark drawn on it).
_SPECIAL: dict[str, tuple[str, str]] = {
    "ł": ("l", "stroke"), "Ł": ("L", "stroke"), "ø": ("o", "slash"), "Ø": ("O", "slash"),
    "đ": ("d", "bar"), "Đ": ("D", "bar"), "ħ": ("h", "bar"), "ı": ("i", ""),
    "ß": ("ss", ""), "æ": ("ae", ""), "Æ": ("AE", ""), "œ": ("oe", ""), "Œ": ("OE", ""),
    "þ": ("th", ""), "ð": ("d", "bar"), "€": ("EUR", ""), "£": ("GBP", ""),
    "–": ("-", ""), "—": ("-", ""), "„": ("“", ""), "‚": ("‘", ""), "¿": ("", ""),
    "¡": ("", ""), "×": ("x", ""), "•": ("·", ""), "…": ("...", ""), "\u00a0": (" ", ""),
}
# Combining marks we can draw.
_MARKS = {
    "\u0301": "acute", "\u0300": "grave", "\u0302": "circumflex", "\u0303": "tilde",
    "\u0308": "diaeresis", "\u030c": "caron", "\u030a": "ring", "\u0307": "dot",
    "\u0328": "ogonek", "\u0327": "cedilla", "\u030b": "double_acute", "\u0306": "breve",
}


_fonts = threading.local()  # a FreeType face must not be shared between threads


def font(size: int) -> ImageFont.FreeTypeFont:
    size = max(6, int(size))
    cache: dict[int, ImageFont.FreeTypeFont] | None = getattr(_fonts, "cache", None)
    if cache is None:
        cache = _fonts.cache = {}
    loaded = cache.get(size)
    if loaded is None:
        candidate = ImageFont.load_default(size=size)
        if not isinstance(candidate, ImageFont.FreeTypeFont):  # Pillow without FreeType
            raise RuntimeError("The demo images need Pillow built with FreeType.")
        if len(cache) > 64:
            cache.clear()
        loaded = cache[size] = candidate
    return loaded


def _glyphable(ch: str) -> bool:
    return (" " <= ch <= "~") or ch in _EXTRA_GLYPHS


@lru_cache(maxsize=4096)
def _layout(text: str) -> tuple[str, tuple[tuple[int, int, tuple[str, ...]], ...]]:
    """(ASCII string to draw, [(start, length, marks) for characters that carry marks])."""
    out: list[str] = []
    marks: list[tuple[int, int, tuple[str, ...]]] = []
    pos = 0
    for ch in text:
        extra: tuple[str, ...]
        if _glyphable(ch):
            base, extra = ch, ()
        elif ch in _SPECIAL:
            base, mark = _SPECIAL[ch]
            extra = (mark,) if mark else ()
        else:
            decomposed = unicodedata.normalize("NFD", ch)
            base = "".join(c for c in decomposed if _glyphable(c))
            extra = tuple(_MARKS[c] for c in decomposed if c in _MARKS)
            if not base:
                base, extra = "", ()
        if extra and base:
            marks.append((pos, len(base), extra))
        out.append(base)
        pos += len(base)
    return "".join(out), tuple(marks)


def ascii_text(text: str) -> str:
    """The plain ASCII transliteration (used where marks are too small to draw)."""
    return _layout(text)[0]


def text_width(text: str, size: int) -> float:
    return float(font(size).getlength(_layout(text)[0]))


def fit_size(text: str, max_width: float, size: int, minimum: int = 8) -> int:
    """The largest size <= `size` at which `text` is at most `max_width` wide."""
    while size > minimum and text_width(text, size) > max_width:
        size = max(minimum, int(size * 0.9))
    return size


def _draw_mark(draw: ImageDraw.ImageDraw, mark: str, box: tuple[float, float, float, float],
               size: int, fill: Color, upper: bool) -> None:
    x0, top, x1, baseline = box
    cx = (x0 + x1) / 2
    w = max(1, round(size * 0.07))
    h = size * 0.16
    gap = size * 0.06
    y1 = top - gap  # bottom of a mark above the letter
    y0 = y1 - h
    if mark == "acute":
        draw.line([(cx - h * 0.3, y1), (cx + h * 0.45, y0)], fill=fill, width=w)
    elif mark == "grave":
        draw.line([(cx + h * 0.3, y1), (cx - h * 0.45, y0)], fill=fill, width=w)
    elif mark == "double_acute":
        for dx in (-h * 0.35, h * 0.35):
            draw.line([(cx + dx - h * 0.25, y1), (cx + dx + h * 0.35, y0)], fill=fill, width=w)
    elif mark in ("circumflex", "caron"):
        mid_y, end_y = (y0, y1) if mark == "circumflex" else (y1, y0)
        draw.line([(cx - h * 0.55, end_y), (cx, mid_y), (cx + h * 0.55, end_y)],
                  fill=fill, width=w, joint="curve")
    elif mark == "breve":
        draw.arc([cx - h * 0.55, y0 - h * 0.6, cx + h * 0.55, y1], 20, 160, fill=fill, width=w)
    elif mark == "tilde":
        pts = [(cx - h * 0.7 + i * h * 0.35, y0 + h * (0.6, 0.25, 0.55, 0.8, 0.35)[i])
               for i in range(5)]
        draw.line(pts, fill=fill, width=w, joint="curve")
    elif mark in ("diaeresis", "dot"):
        r = max(1.0, size * 0.055)
        cy = y1 - r
        offsets = (-h * 0.7, h * 0.7) if mark == "diaeresis" else (0.0,)
        for dx in offsets:
            draw.ellipse([cx + dx - r, cy - r, cx + dx + r, cy + r], fill=fill)
    elif mark == "ring":
        r = h * 0.45
        cy = y1 - r
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=fill, width=max(1, w - 1))
    elif mark == "ogonek":
        ox = x1 - (x1 - x0) * 0.25
        draw.arc([ox - h * 0.6, baseline - h * 0.2, ox + h * 0.2, baseline + h * 0.9],
                 90, 270, fill=fill, width=w)
    elif mark == "cedilla":
        draw.line([(cx, baseline), (cx + h * 0.3, baseline + h * 0.5),
                   (cx - h * 0.3, baseline + h * 0.9)], fill=fill, width=w)
    elif mark == "stroke":
        my = (top + baseline) / 2 + size * 0.04
        draw.line([(cx - size * 0.16, my + size * 0.07), (cx + size * 0.16, my - size * 0.07)],
                  fill=fill, width=w)
    elif mark == "slash":
        inset = (x1 - x0) * 0.18
        draw.line([(x0 + inset, baseline), (x1 - inset, top)], fill=fill, width=w)
    elif mark == "bar":
        my = top + (baseline - top) * (0.45 if upper else 0.15)
        draw.line([(cx - size * 0.13, my), (cx + size * 0.2, my)], fill=fill, width=w)


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int,
              fill: Color, anchor: str = "la") -> tuple[float, float, float, float]:
    """Draw `text`; `anchor` is [l|m|r] + [a|m|s|d] as in Pillow. Returns the bounding box."""
    base, marks = _layout(text)
    f = font(size)
    ascent, descent = f.getmetrics()
    width = float(f.getlength(base))
    x, y = xy
    if anchor[0] == "m":
        x -= width / 2
    elif anchor[0] == "r":
        x -= width
    vertical = anchor[1] if len(anchor) > 1 else "a"
    if vertical == "a":
        y += ascent
    elif vertical == "m":
        y += (ascent - descent) / 2
    elif vertical == "d":
        y -= descent
    if base:
        draw.text((x, y), base, font=f, fill=fill, anchor="ls")
    for start, length, mark_names in marks:
        x0 = x + float(f.getlength(base[:start]))
        x1 = x0 + float(f.getlength(base[start:start + length]))
        bbox = f.getbbox(base[start:start + length], anchor="ls")
        top = y + bbox[1]
        upper = base[start].isupper() or base[start] in "bdfhklt"
        for mark in mark_names:
            _draw_mark(draw, mark, (x0, top, x1, y), size, fill, upper)
    return (x, y - ascent, x + width, y + descent)


def draw_lines(draw: ImageDraw.ImageDraw, xy: tuple[float, float], lines: list[str], size: int,
               fill: Color, anchor: str = "la", spacing: float = 1.3) -> float:
    """Several lines, one under the other; returns the y below the last line."""
    x, y = xy
    for line in lines:
        draw_text(draw, (x, y), line, size, fill, anchor=anchor[0] + "a")
        y += size * spacing
    return y


def wrap(text: str, size: int, max_width: float) -> list[str]:
    """Greedy word wrap to `max_width` pixels."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, size) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
