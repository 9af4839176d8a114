"""Barcodes in object crops, and what a GS1 prefix says about a country (Django-free).

:func:`read_barcodes` finds and decodes every barcode in an RGB crop with zxing-cpp
(EAN/UPC, Code 128, ITF, DataBar, QR, Data Matrix, PDF417, Aztec, ...).

:func:`gs1_country` interprets a GTIN (EAN-13, EAN-8, UPC-A, UPC-E expanded, GTIN-14)
with biip's bundled GS1 prefix table (no network): the first digits name the GS1
member organisation that *issued the number* to the brand owner, which is a weak
clue to a country, never proof of where the object was made or sold:

* a member organisation's prefix (``590`` GS1 Poland, ``400-440`` GS1 Germany, ...):
  ``kind="member"``, ``country`` as an ISO 3166-1 alpha-2 code, ``weak=True``;
* restricted circulation numbers (``020-029``, ``040-049``, ``200-299``, and GTIN-8
  ``000-099``/``200-299``): numbers a store or a company gives its own items (loose
  weight products, in-store labels): ``kind="store_internal"``,
  ``store_internal=True``, no country. A strong *local* clue once the store chain is
  known, since the layout is defined per country or per company;
* ``978``/``979`` Bookland: ``kind="book"``, ``book=True`` (an ISBN; its prefix says
  nothing about a country); ``977``: ``kind="issn"``, ``issn=True``;
* coupons (``99``, ``981-983``), refund receipts (``980``), GS1 Global Office numbers
  (``950``, ``951``, ``952`` demo, GTIN-8 ``960-969``): no country;
* a wrong check digit, a wrong length or non-digits: ``kind="invalid"``,
  ``valid=False``, no country (a misread must not become a clue).

Input to :func:`read_barcodes` is the same as for :func:`traceobject.vision.ocr.read_text`:
a uint8 RGB array (grayscale and RGBA are converted; anything else raises). Images
with a side over :data:`BARCODE_MAX_SIDE` are downscaled first; an image without a
barcode gives ``[]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from traceobject.vision.ocr import coerce_rgb

__all__ = [
    "BARCODE_MAX_SIDE",
    "GS1_COUNTRIES",
    "GTIN_FORMATS",
    "Barcode",
    "Gs1Info",
    "gs1_country",
    "read_barcodes",
]

#: Larger images are downscaled (area interpolation) to this longest side: an
#: 8000 x 8000 crop costs ~4x less, and a retail barcode that fills any useful part
#: of such a crop keeps bars of several pixels.
BARCODE_MAX_SIDE: Final = 4096

#: zxing-cpp formats whose text is a GTIN (UPC-E is expanded to UPC-A).
GTIN_FORMATS: Final = frozenset({"EAN13", "EAN8", "UPCA", "UPCE", "ITF14"})

Point = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Barcode:
    """One decoded barcode.

    ``format`` is zxing-cpp's format name (``"EAN13"``, ``"QRCode"``, ...); ``box``
    the four corners in the input image's pixel coordinates (top-left, top-right,
    bottom-right, bottom-left of the symbol as read).
    """

    format: str
    text: str
    box: tuple[Point, Point, Point, Point]

    @property
    def gtin(self) -> str | None:
        """The GTIN this barcode carries (UPC-E expanded to 12 digits), else ``None``."""
        if self.format not in GTIN_FORMATS or not self.text.isdigit():
            return None
        if self.format == "UPCE" and len(self.text) == 8:
            from biip.upc import Upc

            try:
                return Upc.parse(self.text).as_upc_a()
            except Exception:  # biip raises ParseError/EncodeError; either way no GTIN
                return None
        return self.text

    @property
    def rect(self) -> tuple[int, int, int, int]:
        """The axis-aligned bounding rectangle ``(x, y, w, h)`` of :attr:`box`."""
        xs = [p[0] for p in self.box]
        ys = [p[1] for p in self.box]
        return min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "text": self.text, "box": [list(p) for p in self.box]}


def read_barcodes(rgb: npt.NDArray[np.uint8]) -> list[Barcode]:
    """Every barcode zxing-cpp decodes in ``rgb`` (any orientation, inverted too)."""
    import cv2
    import zxingcpp

    image = coerce_rgb(rgb)
    h, w = image.shape[:2]
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    factor = 1.0
    if max(h, w) > BARCODE_MAX_SIDE:
        factor = BARCODE_MAX_SIDE / max(h, w)
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    found = zxingcpp.read_barcodes(np.ascontiguousarray(gray))
    barcodes = []
    for result in found:
        position = result.position
        corners = (position.top_left, position.top_right,
                   position.bottom_right, position.bottom_left)
        box = tuple(
            (min(w - 1, max(0, round(p.x / factor))), min(h - 1, max(0, round(p.y / factor))))
            for p in corners
        )
        name = getattr(result.format, "name", None) or str(result.format)
        barcodes.append(Barcode(name, result.text, box))  # type: ignore[arg-type]
    return barcodes


# --------------------------------------------------------------------------- GS1

#: GS1 member organisation (biip's name without "GS1 " and " - GTIN-8") -> the ISO
#: 3166-1 alpha-2 codes of the countries it serves, the main one first. Kosovo has no
#: ISO code; "XK" is the user-assigned code in common use (EU, IMF, CLDR).
GS1_COUNTRIES: Final[dict[str, tuple[str, ...]]] = {
    "Albania": ("AL",), "Algeria": ("DZ",), "Angola": ("AO",), "Argentina": ("AR",),
    "Armenia": ("AM",), "Association Greece": ("GR",), "Australia": ("AU",),
    "Austria": ("AT",), "Azerbaijan": ("AZ",), "BIH (Bosnia-Herzegovina)": ("BA",),
    "Bahrain": ("BH",), "Belarus": ("BY",), "Belgium & Luxembourg": ("BE", "LU"),
    "Bolivia": ("BO",), "Brasil": ("BR",), "Bulgaria": ("BG",), "Cambodia": ("KH",),
    "Cameroon": ("CM",), "Canada": ("CA",), "Chile": ("CL",), "China": ("CN",),
    "Chinese Taipei": ("TW",), "Colombia": ("CO",), "Costa Rica": ("CR",),
    "Croatia": ("HR",), "Cuba": ("CU",), "Cyprus": ("CY",), "Czech": ("CZ",),
    "Côte d'Ivoire": ("CI",), "Denmark": ("DK", "FO", "GL"), "Ecuador": ("EC",),
    "Egypt": ("EG",), "El Salvador": ("SV",), "Emirates": ("AE",), "Estonia": ("EE",),
    "Finland": ("FI",), "France": ("FR", "MC"), "Georgia": ("GE",), "Germany": ("DE",),
    "Ghana": ("GH",), "Guatemala": ("GT",), "Honduras": ("HN",),
    "Hong Kong, China": ("HK",), "Hungary": ("HU",), "Iceland": ("IS",), "India": ("IN",),
    "Indonesia": ("ID",), "Iran": ("IR",), "Ireland": ("IE",), "Israel": ("IL",),
    "Italy": ("IT", "SM", "VA"), "Japan": ("JP",), "Jordan": ("JO",), "Kazakstan": ("KZ",),
    "Kazakhstan": ("KZ",), "Kenya": ("KE",), "Kosovo": ("XK",), "Kuwait": ("KW",),
    "Kyrgyzstan": ("KG",), "Laos": ("LA",), "Latvia": ("LV",), "Lebanon": ("LB",),
    "Libya": ("LY",), "Lithuania": ("LT",), "Macau, China": ("MO",), "Macedonia": ("MK",),
    "North Macedonia": ("MK",), "Malaysia": ("MY",), "Malta": ("MT",),
    "Mauritius": ("MU",), "Mexico": ("MX",), "Moldova": ("MD",), "Mongolia": ("MN",),
    "Montenegro": ("ME",), "Morocco": ("MA",), "Myanmar": ("MM",), "Namibia": ("NA",),
    "Netherlands": ("NL",), "New Zealand": ("NZ",), "Nicaragua": ("NI",),
    "Nigeria": ("NG",), "North Korea": ("KP",), "Norway": ("NO",), "Oman": ("OM",),
    "Pakistan": ("PK",), "Panama": ("PA",), "Paraguay": ("PY",), "Peru": ("PE",),
    "Philippines": ("PH",), "Poland": ("PL",), "Portugal": ("PT",), "Qatar": ("QA",),
    "Republica Dominicana": ("DO",), "Romania": ("RO",), "Russia": ("RU",),
    "Rwanda": ("RW",), "Saudi Arabia": ("SA",), "Senegal": ("SN",), "Serbia": ("RS",),
    "Singapore": ("SG",), "Slovakia": ("SK",), "Slovenija": ("SI",), "Slovenia": ("SI",),
    "South Africa": ("ZA",), "South Korea": ("KR",), "Korea": ("KR",), "Spain": ("ES", "AD"),
    "Sri Lanka": ("LK",), "Sweden": ("SE",), "Switzerland": ("CH", "LI"), "Syria": ("SY",),
    "Tajikistan": ("TJ",), "Tanzania": ("TZ",), "Thailand": ("TH",), "Tunisia": ("TN",),
    "Turkmenistan": ("TM",), "Türkiye": ("TR",), "Turkey": ("TR",), "UK": ("GB",),
    "US": ("US",), "Uganda": ("UG",), "Ukraine": ("UA",), "Uruguay": ("UY",),
    "Uzbekistan": ("UZ",), "Venezuela": ("VE",), "Vietnam": ("VN",),
}


@dataclass(frozen=True, slots=True)
class Gs1Info:
    """What the GS1 prefix of a GTIN says (see the module docstring for ``kind``)."""

    code: str
    valid: bool
    kind: str
    prefix: str | None = None
    usage: str | None = None
    organisation: str | None = None
    country: str | None = None
    countries: tuple[str, ...] = ()
    weak: bool = False
    store_internal: bool = False
    book: bool = False
    issn: bool = False
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "valid": self.valid, "kind": self.kind, "prefix": self.prefix,
            "usage": self.usage, "organisation": self.organisation, "country": self.country,
            "countries": list(self.countries), "weak": self.weak,
            "store_internal": self.store_internal, "book": self.book, "issn": self.issn,
            "reason": self.reason,
        }


def gs1_country(code: str) -> Gs1Info:
    """Interpret ``code`` (8, 12, 13 or 14 digits; spaces and hyphens ignored). Never raises."""
    from biip import ParseError
    from biip.gtin import Gtin, GtinFormat

    digits = "".join(str(code).split()).replace("-", "")
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (8, 12, 13, 14):
        return Gs1Info(digits, False, "invalid",
                       reason="not a GTIN: expected 8, 12, 13 or 14 digits")
    try:
        gtin = Gtin.parse(digits)
    except ParseError as exc:
        return Gs1Info(digits, False, "invalid", reason=f"not a valid GTIN: {exc}")
    prefix = gtin.prefix
    if prefix is None:
        return Gs1Info(digits, True, "unassigned",
                       reason="the prefix is not assigned to any GS1 organisation")
    usage = prefix.usage
    value = prefix.value
    lower = usage.lower()

    def info(kind: str, reason: str, **flags: Any) -> Gs1Info:
        return Gs1Info(digits, True, kind, value, usage, reason=reason, **flags)

    if "restricted circulation" in lower:
        scope = ("a company's internal number" if "within a company" in lower
                 else "a number retailers give their own items (weighed goods, in-store "
                 "labels), laid out per country")
        return info("store_internal", f"restricted circulation number (prefix {value}): "
                    f"{scope}; no country from the prefix", store_internal=True)
    if "isbn" in lower or "bookland" in lower:
        return info("book", "an ISBN (Bookland 978/979): no country from the prefix", book=True)
    if "issn" in lower:
        return info("issn", "an ISSN (serial publication, 977): no country from the prefix",
                    issn=True)
    if "coupon" in lower:
        return info("coupon", f"{usage}: no country from the prefix")
    if "refund" in lower:
        return info("refund_receipt", "a refund receipt number: no country from the prefix")
    if "global office" in lower or "demonstration" in lower or "general manager" in lower:
        return info("global_office", f"{usage}: no country from the prefix")
    if "reserved" in lower or "unused" in lower or "future" in lower:
        return info("unassigned", f"{usage}: no country from the prefix")
    organisation = usage.removesuffix(" - GTIN-8").strip()
    countries = GS1_COUNTRIES.get(organisation.removeprefix("GS1 "), ())
    fmt = "GTIN-8" if gtin.format == GtinFormat.GTIN_8 else "GTIN"
    where = f" ({'/'.join(countries)})" if countries else " (country not mapped)"
    return info(
        "member",
        f"{fmt} prefix {value} was issued by {organisation}{where}: where the brand owner "
        f"registered the number, not where the product was made or sold",
        organisation=organisation, country=countries[0] if countries else None,
        countries=countries, weak=True,
    )
