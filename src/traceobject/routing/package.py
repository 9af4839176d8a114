"""The forwarding package: what an authority receives, frozen when the tips are forwarded.

`package_build` freezes it as a JSON-able dict; `package_html`, `package_pdf` and
`package_json` render that dict (never the live rows, so what was sent stays what is shown).

JSON schema "traceobject.forwarding-package", version 1 (keys sorted, UTF-8, times in UTC
ISO 8601 with "Z"; fields are added, never renamed, within a version):

    {
      "schema": "traceobject.forwarding-package", "version": 1,
      "ref": "FWD-2027-0042", "created_at": "2027-03-01T10:15:00Z",
      "authority": {"country": "PL", "name": "..."},
      "handling": "Law enforcement only — handle under your agency's rules",
      "contact_point": {"investigator": "the forwarding investigator's name",
                  "agency": "the agency's contact point (TRACEOBJECT_FORWARDING_CONTACT)"},
      "object": {"ref": "TAO-2027-0007", "title": "...", "description": "...",
                 "category": "packaging", "category_label": "Packaging",
                 "page_url": "https://.../en/objects/TAO-2027-0007/",
                 "images": [{"url": ".../1600.jpg", "width": 1600, "height": 1200,
                             "preview": "objects/TAO-2027-0007/ab12.../1024.jpg"}]},
      "summary": "the investigators' summary",
      "tips": [{"id": 12, "text": "...", "country": "PL", "place": "...",
                "seen_when": "...", "language": "pl",
                "received_at": "2027-02-27T14:00:00Z"}],
      "updates": [{"kind": "tipster_answer", "tip": 12, "text": "...",
                   "added_at": "2027-03-02T09:00:00Z"}]
    }

"handling" and "contact_point" are in every package sent since they were added; "updates" grows
when a tipster answers after the tips were forwarded (what was sent before stays as it was).
"page_url" and the images' "url" are absolute when TRACEOBJECT_PUBLIC_BASE_URL is set (or,
where this process serves the public site itself, the address the investigator used).

Only public object data, the summary and the tips' own fields go in: never case references,
evidence ids, file names, contact addresses or receipts.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import logging
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from traceobject.catalog.models import Category, TracedObject
from traceobject.catalog.selectors import image_view
from traceobject.core.reference import country_name

SCHEMA = "traceobject.forwarding-package"
VERSION = 1
PREVIEW_WIDTH = 1024  # the rendition embedded in the HTML and PDF versions
# fpdf2 subsets the font with fontTools, which logs a dozen INFO lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _utc(moment: datetime, *, hour: bool = False) -> str:
    moment = moment.astimezone(UTC).replace(microsecond=0)
    if hour:
        moment = moment.replace(minute=0, second=0)
    return moment.isoformat().replace("+00:00", "Z")


def public_base(fallback: str = "") -> str:
    """The public site's address without a trailing slash: TRACEOBJECT_PUBLIC_BASE_URL, else
    `fallback` (the caller's own address, where it serves the public site), else ""."""
    return str(getattr(settings, "PUBLIC_BASE_URL", "") or fallback or "").rstrip("/")


def agency_contact() -> str:
    """The agency's contact point on every package: TRACEOBJECT_FORWARDING_CONTACT, else the
    operator's name, e-mail address and phone number."""
    configured = str(getattr(settings, "FORWARDING_CONTACT", "") or "")
    if configured:
        return configured
    operator = getattr(settings, "OPERATOR", {}) or {}
    return ", ".join(str(operator[key]) for key in ("name", "email", "phone")
                     if operator.get(key))


def person_name(user: Any) -> str:
    """How a staff member is named on a package: full name, else the user name."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def _object_part(obj: TracedObject, base: str) -> dict[str, Any]:
    def _public_url(path: str) -> str:
        return f"{base}{path}"

    texts = {text.language: text for text in obj.texts.all()}
    text = texts.get("en") or next(iter(texts.values()), None)
    images = []
    for image in obj.images.all():
        view = image_view(image)
        preview = view.fallback(PREVIEW_WIDTH).jpeg
        images.append({"url": _public_url(view.full.jpeg), "width": image.width,
                       "height": image.height,
                       "preview": preview.removeprefix(settings.MEDIA_URL)})
    return {
        "ref": obj.ref, "title": text.title if text else "",
        "description": text.description if text else "",
        "category": obj.category, "category_label": str(Category(obj.category).label)
        if obj.category in Category.values else obj.category,
        "page_url": _public_url(f"/en/objects/{obj.ref}/"), "images": images,
    }


def package_build(*, ref: str, created_at: datetime, authority: Any, obj: TracedObject,
                  summary: str, tips: list[Any], investigator: Any = None,
                  base: str = "") -> dict[str, Any]:
    """The package as sent (see the module docstring for the schema). `investigator` is who
    forwards (named as the contact point); `base` the public site's address when
    TRACEOBJECT_PUBLIC_BASE_URL is not set (see :func:`public_base`)."""
    return {
        "schema": SCHEMA, "version": VERSION, "ref": ref, "created_at": _utc(created_at),
        "authority": {"country": authority.country, "name": authority.name},
        "handling": str(settings.HANDLING_MARKING),
        "contact_point": {"investigator": person_name(investigator),
                          "agency": agency_contact()},
        "object": _object_part(obj, public_base(base)),
        "summary": summary,
        "tips": [{
            "id": tip.pk, "text": tip.text, "country": tip.country, "place": tip.place,
            "seen_when": tip.seen_when, "language": tip.language,
            "received_at": _utc(tip.received_at, hour=True),
        } for tip in tips],
        "updates": [],
    }


def package_update(package: dict[str, Any], *, kind: str, text: str, added_at: datetime,
                   tip: int | None = None) -> dict[str, Any]:
    """The package with one more entry in "updates" (what was there stays as it was)."""
    update: dict[str, Any] = {"kind": kind, "text": text, "added_at": _utc(added_at)}
    if tip is not None:
        update["tip"] = tip
    return {**package, "updates": [*package.get("updates", []), update]}


def package_updates_emptied(package: dict[str, Any], *, kind: str,
                            tips: set[int]) -> dict[str, Any]:
    """The package with the text of its `kind` updates about `tips` emptied (retention)."""
    updates = [{**u, "text": ""} if isinstance(u, dict) and u.get("kind") == kind
               and u.get("tip") in tips else u for u in package.get("updates", [])]
    return {**package, "updates": updates}


# JSON


def package_json(package: dict[str, Any]) -> bytes:
    return (json.dumps(package, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


# HTML


PACKAGE_CSS = """
body { font: 11pt/1.45 "DejaVu Sans", system-ui, sans-serif; color: #111; margin: 2rem auto;
       max-width: 48rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .4rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.picture img { max-width: 100%; height: auto; border: 1px solid #999; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
ol.tips { padding-left: 1.2rem; } ol.tips li { margin: 0 0 1rem; page-break-inside: avoid; }
.tip-meta { color: #444; font-size: .95em; margin: 0 0 .2rem; }
.handling { border: 2px solid #111; padding: .3rem .6rem; margin: 0 0 1rem; text-align: center; }
.note { color: #444; font-size: .9em; border-top: 1px solid #999; margin-top: 2rem;
        padding-top: .5rem; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def package_css_source() -> str:
    """The CSP source that allows exactly the stylesheet inlined in the HTML document."""
    digest = base64.b64encode(hashlib.sha256(PACKAGE_CSS.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def _preview_data_uri(path: str) -> str:
    """The published rendition as a data: URI (the file then stands alone), or ""."""
    if not path or ".." in path or not path.endswith(".jpg"):
        return ""
    try:
        with default_storage.open(path) as fh:
            data = fh.read()
    except (OSError, ValueError):
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def package_context(package: dict[str, Any], *, embed_images: bool = True) -> dict[str, Any]:
    """Template context for a package: its parts plus country names and image sources."""
    obj = package.get("object", {})
    images = [{**image, "src": _preview_data_uri(image.get("preview", "")) if embed_images
               else ""} for image in obj.get("images", [])]
    tips = [{**tip, "country_name": country_name(tip["country"], "en") if tip.get("country")
             else "", "received": _readable(tip.get("received_at"))}
            for tip in package.get("tips", [])]
    authority = package.get("authority", {})
    updates = [{**update, "added": _readable(update.get("added_at"))}
               for update in package.get("updates", [])]
    return {"package": package, "object": obj, "images": images, "tips": tips,
            "authority": authority, "sent": _readable(package.get("created_at")),
            "authority_country_name": country_name(authority.get("country", ""), "en"),
            "authority_label": authority_label(authority),
            "handling": package.get("handling", ""), "contact": package.get("contact_point") or {},
            "updates": updates,
            "page_url_is_absolute": str(obj.get("page_url", "")).startswith(
                ("https://", "http://"))}


def authority_label(authority: dict[str, Any]) -> str:
    """The authority's name with its country, the country once: an authority named
    "National contact point (Poland)" is not followed by "(Poland)" again."""
    name = str(authority.get("name", ""))
    country = country_name(str(authority.get("country", "")), "en")
    if not country or country.casefold() in name.casefold():
        return name
    return f"{name} ({country})"


def package_html(package: dict[str, Any]) -> str:
    """A standalone, printable HTML document (pictures embedded, stylesheet inline)."""
    return render_to_string("internal/routing/package_document.html",
                            {**package_context(package), "css": PACKAGE_CSS})


# PDF


@lru_cache(maxsize=1)
def unicode_font_path() -> Path | None:
    """A Unicode TrueType font that ships with a runtime dependency: DejaVu Sans, which
    opencv-contrib-python (the safety gate's OpenCV) installs under cv2/qt/fonts. None if it
    is not there; the PDF then falls back to a core font (latin-1 only)."""
    spec = importlib.util.find_spec("cv2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "qt" / "fonts" / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=4)
def _font_codepoints(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


class _Printable:
    """Replaces what the chosen font cannot draw, and remembers that it did."""

    def __init__(self, codepoints: frozenset[int] | None) -> None:
        self.codepoints = codepoints
        self.replaced = 0

    def __call__(self, value: object) -> str:
        text = unicodedata.normalize("NFC", str(value))
        out = []
        for char in text:
            if char in "\n\t" or self._drawable(char):
                out.append(char)
                continue
            # latin-1 fallback: try the character without its accents first (ł stays "?")
            plain = "".join(c for c in unicodedata.normalize("NFKD", char)
                            if not unicodedata.combining(c))
            if plain and all(self._drawable(c) for c in plain):
                out.append(plain)
            else:
                out.append("?")
            self.replaced += 1
        return "".join(out)

    def _drawable(self, char: str) -> bool:
        if unicodedata.category(char)[0] == "C":  # control and format characters
            return False
        if self.codepoints is None:
            return ord(char) < 256
        return ord(char) in self.codepoints


def _pdf_class() -> type:
    from fpdf import FPDF

    class PackagePDF(FPDF):
        footer_text = ""
        footer_family = "Helvetica"
        handling_text = ""

        def header(self) -> None:
            """The handling marking at the top of every page."""
            if not self.handling_text:
                return
            self.set_font(self.footer_family, "B", 9)
            self.cell(0, 5, self.handling_text, align="C")
            self.ln(8)

        def footer(self) -> None:
            """The reference and the page number on every page."""
            self.set_y(-12)
            self.set_font(self.footer_family, "", 8)
            self.cell(0, 5, f"{self.footer_text} · page {self.page_no()} of {{nb}}", align="C")

    return PackagePDF


def package_pdf(package: dict[str, Any]) -> bytes:
    """The package as a PDF (A4). Text the font cannot draw is replaced by "?" (and accents
    dropped with the latin-1 fallback font); the PDF says so on its last page."""
    from fpdf.enums import XPos, YPos

    context = package_context(package, embed_images=False)
    font_path = unicode_font_path()
    pdf = _pdf_class()(format="A4")
    pdf.set_title(f"Forwarding package {package.get('ref', '')}")
    pdf.set_creator("traceobject")
    pdf.set_creation_date(_parse_time(package.get("created_at")))
    if font_path is not None:
        pdf.add_font("DejaVu", "", str(font_path))
        bold = font_path.with_name("DejaVuSans-Bold.ttf")
        pdf.add_font("DejaVu", "B", str(bold if bold.is_file() else font_path))
        family, text = "DejaVu", _Printable(_font_codepoints(font_path))
    else:
        family, text = "Helvetica", _Printable(None)
    ref = text(package.get("ref", ""))
    pdf.footer_text, pdf.footer_family = ref, family
    pdf.handling_text = text(context["handling"])
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    def heading(value: str, size: int = 13) -> None:
        pdf.set_font(family, "B", size)
        pdf.multi_cell(0, size * 0.5, text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)

    def para(value: str, size: int = 10, style: str = "") -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.5, text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                       align="L")

    heading(f"Forwarding package {ref}", 16)
    obj = context["object"]
    para(f"To: {context['authority_label']}")
    para(f"Sent: {_readable(package.get('created_at'))}")
    contact = context["contact"]
    if contact.get("investigator"):
        para(f"Forwarded by: {contact['investigator']}")
    if contact.get("agency"):
        para(f"Contact point: {contact['agency']}")
    para(f"Object: {obj.get('ref', '')} - {obj.get('title', '')} "
         f"({obj.get('category_label', '')})")
    if obj.get("page_url"):
        para(f"Public page: {obj['page_url']}")
    pdf.ln(2)
    for image in obj.get("images", []):
        _pdf_image(pdf, image, para)
    if obj.get("description"):
        heading("Public description", 12)
        para(obj["description"])
    heading("Summary by the investigators", 12)
    para(package.get("summary", ""))
    tips = context["tips"]
    heading(f"Tips ({len(tips)})", 12)
    for tip in tips:
        _pdf_tip(tip, para)
    if context["updates"]:
        heading(f"Updates after sending ({len(context['updates'])})", 12)
        for update in context["updates"]:
            label = ("Answer from the tipster" if update.get("kind") == "tipster_answer"
                     else "Update")
            tip_part = f", tip {update['tip']}" if update.get("tip") is not None else ""
            para(f"{label}{tip_part} · added {update['added']}", 9, "B")
            para(update.get("text", ""))
            para("")
    pdf.ln(4)
    notes = ["Times are UTC; tips are dated to the hour only. The JSON version of this "
             "package holds the same content in machine-readable form."]
    if text.replaced:
        notes.append(f"{text.replaced} character(s) could not be drawn with the font of this "
                     "PDF and were replaced by '?' or shown without accents; the HTML and JSON "
                     "versions hold the exact text.")
    for note in notes:
        para(note, 8)
    return bytes(pdf.output())


def _parse_time(value: object) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)


def _readable(value: object) -> str:
    return _parse_time(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _pdf_image(pdf: Any, image: dict[str, Any], para: Any) -> None:
    path = str(image.get("preview", ""))
    data = b""
    if path and ".." not in path and path.endswith(".jpg"):
        try:
            with default_storage.open(path) as fh:
                data = fh.read()
        except (OSError, ValueError):
            data = b""
    if not data:
        para(f"(Picture not available here: {image.get('url', '')})", 9)
        return
    width = min(120.0, pdf.epw)
    height = width * int(image.get("height") or 1) / max(1, int(image.get("width") or 1))
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.image(io.BytesIO(data), w=width, h=height)
    pdf.ln(2)


def _pdf_tip(tip: dict[str, Any], para: Any) -> None:
    meta = [f"Tip {tip.get('id', '')}", f"received {_readable(tip.get('received_at'))}"]
    if tip.get("language"):
        meta.append(f"language {tip['language']}")
    if tip.get("country"):
        meta.append(f"country {tip['country']} ({tip['country_name']})")
    para(" · ".join(meta), 9, "B")
    if tip.get("place"):
        para(f"Place: {tip['place']}", 9)
    if tip.get("seen_when"):
        para(f"When: {tip['seen_when']}", 9)
    para(tip.get("text", ""))
    para("")
