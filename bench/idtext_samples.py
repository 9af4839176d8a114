"""Generated crops with identifying text and clean product labels (for
``bench/bench_idtext.py`` and ``tests/vision/test_idtext.py``).

Each sample is drawn with PIL and the DejaVu fonts of the machine (Latin with
diacritics, Greek, Cyrillic) on a label, card, envelope or sign; nothing is a
photograph. ``IDENTIFYING`` lists crops whose text points at a person or a place (with
the kind expected), ``CLEAN`` product labels that must not be flagged.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")
FONTS: Final = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf",
                "DejaVuSansCondensed.ttf")

#: (expected kind, lines): crops whose text identifies someone or somewhere.
IDENTIFYING: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("address", ("Marie Dubois", "Rue des Lilas 12", "75011 Paris")),
    ("address", ("12 rue Victor Hugo", "69002 Lyon")),
    ("address", ("Familie Müller", "Hauptstraße 5", "10115 Berlin")),
    ("address", ("Lindenweg 23a", "D-80331 München")),
    ("address", ("ul. Marszałkowska 104/122", "00-017 Warszawa")),
    ("address", ("Via Giuseppe Garibaldi 7", "20121 Milano")),
    ("address", ("Calle de Alcalá 45", "28014 Madrid")),
    ("address", ("Rua Augusta 100", "1100-053 Lisboa")),
    ("address", ("Keizersgracht 123", "1015 CJ Amsterdam")),
    ("address", ("Storgatan 14", "114 55 Stockholm")),
    ("address", ("Váci utca 19", "1052 Budapest")),
    ("address", ("Brīvības iela 21", "LV-1010 Rīga")),
    ("address", ("Gedimino pr. 9", "LT-01103 Vilnius")),
    ("address", ("Náměstí Míru 15", "120 00 Praha 2")),
    ("address", ("Strada Lipscani 12", "030031 București")),
    ("address", ("Οδός Αθηνάς 12", "105 51 Αθήνα")),
    ("address", ("ул. Витоша 15", "1000 София")),
    ("address", ("Mannerheimintie 5", "00100 Helsinki")),
    ("phone", ("Tel. +33 6 12 34 56 78",)),
    ("phone", ("Telefon: 030 1234567",)),
    ("phone", ("+48 601 234 567",)),
    ("phone", ("Τηλ. +30 210 1234567",)),
    ("phone", ("тел. +359 2 987 6543",)),
    ("phone", ("Mob. 0612345678",)),
    ("email", ("kontakt: anna.kowalska@example.pl",)),
    ("email", ("jean.dupont@mail.fr",)),
    ("name", ("Mme Sophie Martin",)),
    ("name", ("Herr Jürgen Schäfer",)),
    ("name", ("Pani Zofia Wiśniewska",)),
    ("name", ("Łukasz Nowak",)),
    ("name", ("Γιώργος Παπαδόπουλος",)),
    ("plate", ("B-AB 1234",)),
    ("plate", ("AB-123-CD",)),
    ("plate", ("1234 BCD",)),
    ("plate", ("WA 12345",)),
    ("plate", ("CA 1234 AB",)),
    ("institution", ("Grundschule am Park",)),
    ("institution", ("École Jean Moulin",)),
    ("institution", ("Szkoła Podstawowa nr 5",)),
    ("id_number", ("IBAN DE89 3704 0044 0532 0130 00",)),
)

#: Product labels and packaging text: nothing here identifies anyone.
CLEAN: Final[tuple[tuple[str, ...], ...]] = (
    ("Made in Poland", "500 g"),
    ("Fabriqué en France", "Net 250 ml"),
    ("Hergestellt in Deutschland", "1,5 l"),
    ("Prodotto in Italia", "Pasta di semola", "500 g"),
    ("Ingredients: sugar, cocoa butter,", "whole milk powder, emulsifier"),
    ("Zutaten: Weizenmehl, Zucker,", "Butter, Salz"),
    ("Skład: bawełna 100%",),
    ("Composition: 100% coton",),
    ("5901234123457",),
    ("4006381333931",),
    ("96385074",),
    ("Best before 12.05.2025", "LOT 240512"),
    ("Ingredientes: agua, azúcar", "Hecho en España"),
    ("Valeur énergétique 2100 kJ", "500 kcal"),
    ("ACME", "Premium Coffee", "250 g"),
    ("Nordic Wool", "Size M", "Machine wash 30 °C"),
    ("Feito em Portugal", "100% algodão"),
    ("Vyrobeno v České republice", "Obsah 330 ml"),
    ("Készült Magyarországon", "Nettó tömeg 200 g"),
    ("Tillverkad i Sverige", "Innehåll 6 st"),
    ("Marie Biscuits", "200 g"),
    ("Mr Muscle", "Kitchen cleaner 750 ml"),
    ("Dr. Oetker", "Vanilla sugar 8 g"),
    ("Back to school", "Pencil case"),
    ("Alc. 12,5% vol", "Product of Spain"),
    ("Chocolat au lait", "Cacao 30 % minimum"),
    ("Keep away from children", "Do not swallow"),
    ("E 330, E 211", "Store in a cool place"),
    ("Art.-Nr. 123456789", "EAN 4012345678901"),
    ("Size 42 EU", "Cotton 95%, elastane 5%"),
    ("Сделано в България", "500 г"),
    ("Προϊόν Ελλάδας", "Καθαρό βάρος 500 γρ"),
    ("Organic Olive Oil", "Extra Virgin", "1 l"),
    ("Kids T-shirt", "Age 6-7 years", "116 cm"),
    ("Shampoo for dry hair", "400 ml"),
    ("Dark Roast", "Arabica 100 %"),
    ("Tea bags", "20 x 2 g"),
    ("Handmade Soap", "Lavender", "100 g"),
    ("Batteries AA", "1.5 V", "LR6"),
    ("Recycle", "PET 1"),
)


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def render(lines: tuple[str, ...], seed: int) -> npt.NDArray[np.uint8]:
    """The ``lines`` on a generated label (RGB uint8), deterministic in ``seed``."""
    rng = random.Random(seed)  # noqa: S311  (test pictures, not secrets)
    font = _font(rng.choice(FONTS), rng.randint(24, 34))
    widths = [int(font.getbbox(t)[2]) for t in lines]
    line_h = int(font.size) + rng.randint(8, 16)
    w = max(widths) + rng.randint(40, 90)
    h = line_h * len(lines) + rng.randint(40, 80)
    paper = (rng.randint(200, 255), rng.randint(195, 250), rng.randint(180, 240))
    ink = (rng.randint(0, 60), rng.randint(0, 60), rng.randint(0, 80))
    img = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(img)
    y = (h - line_h * len(lines)) // 2
    for text, tw in zip(lines, widths, strict=True):
        x = rng.randint(12, max(13, w - tw - 12))
        d.text((x, y), text, font=font, fill=ink)
        y += line_h
    arr = np.asarray(img, dtype=np.float32)
    nr = np.random.default_rng(seed)
    arr += nr.normal(0, rng.uniform(1.0, 4.0), arr.shape).astype(np.float32)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.3:
        out = out.filter(ImageFilter.GaussianBlur(0.6))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=rng.randint(80, 95))
    buf.seek(0)
    with Image.open(buf) as reopened:
        return np.ascontiguousarray(np.asarray(reopened.convert("RGB"), dtype=np.uint8))


def identifying_crops() -> list[tuple[str, tuple[str, ...], npt.NDArray[np.uint8]]]:
    return [(kind, lines, render(lines, 500 + i)) for i, (kind, lines) in enumerate(IDENTIFYING)]


def clean_crops() -> list[tuple[tuple[str, ...], npt.NDArray[np.uint8]]]:
    return [(lines, render(lines, 900 + i)) for i, lines in enumerate(CLEAN)]
