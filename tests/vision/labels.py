"""Test label images: product labels in several languages, and EAN-13 barcodes.

Text is drawn with DejaVu Sans from matplotlib's bundled fonts (``mpl-data/fonts/ttf``):
a package, not the internet, and it has every Latin glyph used here (ł ą ż ä ö ü ß é
è ç ñ å č ř ě ...). Pillow's built-in default font covers ASCII only.

Used by the OCR and barcode tests and by ``bench/bench_clues.py``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class LabelSample:
    """Lines of a label in one language, and its diacritics-bearing key words."""

    language: str
    lines: tuple[str, ...]
    keywords: tuple[str, ...]


#: One label per language: a country-of-origin line, ingredients or care text.
SAMPLES: dict[str, LabelSample] = {
    s.language: s
    for s in (
        LabelSample(
            "de",
            ("Zutaten: Zucker, Weizenmehl, Butter", "Kann Spuren von Nüssen enthalten",
             "Hergestellt in Deutschland, Größe M"),
            ("Nüssen", "Größe"),
        ),
        LabelSample(
            "fr",
            ("Fabriqué en France", "Ingrédients : farine de blé, sucre",
             "Conçu à Lyon, ne pas sécher"),
            ("Fabriqué", "Ingrédients", "blé", "Conçu", "sécher"),
        ),
        LabelSample(
            "pl",
            ("Skład: bawełna 100%, prać w 40°C", "Wyprodukowano w Polsce",
             "Można prasować, nie wybielać"),
            ("Skład", "bawełna", "prać", "Można", "prasować", "wybielać"),
        ),
        LabelSample(
            "es",
            ("Hecho en España", "Ingredientes: azúcar, harina de trigo",
             "Consumir preferentemente antes del año"),
            ("España", "azúcar", "año"),
        ),
        LabelSample(
            "it",
            ("Prodotto in Italia", "Ingredienti: farina di grano tenero, zucchero",
             "Può contenere tracce di frutta a guscio"),
            ("Può",),
        ),
        LabelSample(
            "nl",
            ("Gemaakt in Nederland", "Ingrediënten: tarwebloem, suiker, boter",
             "Kan sporen van noten bevatten"),
            ("Ingrediënten",),
        ),
        LabelSample(
            "sv",
            ("Tillverkad i Sverige", "Innehåll: vetemjöl, socker, smör",
             "Tvättas i 40°C, får ej torktumlas"),
            ("Innehåll", "vetemjöl", "smör", "Tvättas", "får"),
        ),
        LabelSample(
            "cs",
            ("Vyrobeno v České republice", "Složení: pšeničná mouka, cukr, máslo",
             "Skladujte v suchu, chraňte před mrazem"),
            ("České", "Složení", "pšeničná", "máslo", "chraňte", "před"),
        ),
    )
}


def font_path() -> Path:
    """DejaVu Sans from matplotlib's package data."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if not path.is_file():  # pragma: no cover - matplotlib always ships it
        raise FileNotFoundError(path)
    return path


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def label_image(
    lines: tuple[str, ...] | list[str],
    *,
    size: int = 36,
    padding: int = 24,
    fg: RGB = (20, 20, 20),
    bg: RGB = (250, 248, 240),
) -> Image.Image:
    """A clean label: ``lines`` in DejaVu Sans ``size`` px, left-aligned, on a plain ground."""
    font = _font(size)
    widths = [int(font.getbbox(line)[2]) + 1 for line in lines]
    step = int(size * 1.6)
    width = max(widths, default=0) + 2 * padding
    height = step * len(lines) + 2 * padding
    image = Image.new("RGB", (max(width, 2 * padding + 1), height), bg)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((padding, padding + i * step), line, font=font, fill=fg)
    return image


def degrade(
    image: Image.Image,
    *,
    angle: float = 4.0,
    noise: float = 10.0,
    blur: float = 0.6,
    jpeg_quality: int = 70,
    seed: int = 0,
) -> Image.Image:
    """The photo-like variant: rotated ``angle`` degrees, blurred, noisy, JPEG-compressed."""
    bg = image.getpixel((0, 0))
    out = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=bg)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = np.random.default_rng(seed)
        pixels = np.asarray(out, dtype=np.float32)
        pixels += rng.normal(0.0, noise, pixels.shape).astype(np.float32)
        out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if jpeg_quality:
        buffer = io.BytesIO()
        out.save(buffer, "JPEG", quality=jpeg_quality)
        buffer.seek(0)
        out = Image.open(buffer).convert("RGB")
    return out


def sample_array(language: str, *, degraded: bool = False, seed: int = 0) -> npt.NDArray[np.uint8]:
    """The label of ``SAMPLES[language]`` as an RGB array, clean or degraded."""
    image = label_image(SAMPLES[language].lines)
    if degraded:
        image = degrade(image, angle=4.0 if seed % 2 == 0 else -3.0, seed=seed)
    return np.asarray(image, dtype=np.uint8)


def ean13_array(digits: str, *, module_px: int = 3, margin: int = 20) -> npt.NDArray[np.uint8]:
    """The project's EAN-13 drawing (``traceobject.demo.barcode``) on a margin, as RGB."""
    from traceobject.demo.barcode import ean13_image

    code = ean13_image(digits, module_px=module_px)
    canvas = Image.new("RGB", (code.width + 2 * margin, code.height + 2 * margin), "white")
    canvas.paste(code, (margin, margin))
    return np.asarray(canvas, dtype=np.uint8)


def photo_of(image: npt.NDArray[np.uint8], *, angle: float = 6.0, seed: int = 0,
             ground: RGB = (182, 160, 130), scale: float = 1.0) -> npt.NDArray[np.uint8]:
    """``image`` pasted onto a larger, textured ground, rotated and degraded: a product shot."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    ground_arr = np.empty((int(h * 1.8), int(w * 1.6), 3), np.float32)
    ground_arr[:] = ground
    ground_arr += rng.normal(0, 6, ground_arr.shape).astype(np.float32)
    canvas = Image.fromarray(np.clip(ground_arr, 0, 255).astype(np.uint8))
    canvas.paste(Image.fromarray(image), ((canvas.width - w) // 2, (canvas.height - h) // 2))
    if scale != 1.0:
        canvas = canvas.resize((round(canvas.width * scale), round(canvas.height * scale)),
                               Image.Resampling.LANCZOS)
    return np.asarray(degrade(canvas, angle=angle, noise=6.0, blur=0.5, jpeg_quality=80,
                              seed=seed), dtype=np.uint8)
