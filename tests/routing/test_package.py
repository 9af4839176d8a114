"""routing.package: the frozen package as JSON, HTML and PDF."""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

import pytest

from traceobject.routing import package as packages


def sample(**overrides: Any) -> dict[str, Any]:
    package: dict[str, Any] = {
        "schema": packages.SCHEMA, "version": packages.VERSION, "ref": "FWD-2027-0042",
        "created_at": "2027-03-01T10:15:00Z",
        "authority": {"country": "PL", "name": "Komenda Główna Policji"},
        "object": {"ref": "TAO-2027-0007", "title": "Blue shop bag", "description": "A bag.",
                   "category": "packaging", "category_label": "Packaging",
                   "page_url": "/en/objects/TAO-2027-0007/", "images": []},
        "summary": "Tips in Polish, Greek and Bulgarian name the same chain.",
        "tips": [
            {"id": 1, "text": "Zażółć gęślą jaźń: Biedronka w Łodzi.", "country": "PL",
             "place": "Łódź", "seen_when": "lato 2023", "language": "pl",
             "received_at": "2027-02-27T14:00:00Z"},
            {"id": 2, "text": "Το είδα στην Αθήνα.", "country": "GR", "place": "", "seen_when": "",
             "language": "el", "received_at": "2027-02-27T15:00:00Z"},
            {"id": 3, "text": "Видях го в София. 我在商店里见过 😀", "country": "BG", "place": "",
             "seen_when": "", "language": "bg", "received_at": "2027-02-28T09:00:00Z"},
        ],
    }
    package.update(overrides)
    return package


# A small PDF reader: enough to tell a well-formed file and to read core-font text.


def check_pdf(data: bytes) -> dict[str, Any]:
    assert data.startswith(b"%PDF-1."), data[:16]
    assert data.rstrip().endswith(b"%%EOF")
    start = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    assert data[start:start + 4] == b"xref", "startxref does not point at the xref table"
    header = re.match(rb"xref\s+0 (\d+)\s+", data[start:])
    assert header
    count = int(header.group(1))
    entries = re.findall(rb"(\d{10}) (\d{5}) ([nf])", data[start:start + 30 + count * 20])
    assert len(entries) == count
    for number, (offset, _gen, kind) in enumerate(entries):
        if kind == b"n":
            assert re.match(rb"%d 0 obj" % number, data[int(offset):]), number
    pages = len(re.findall(rb"/Type /Page\b(?!s)", data))
    tree = [body for body in re.findall(rb"\d+ 0 obj\s*<<(.*?)>>", data, re.S)
            if re.search(rb"/Type /Pages\b", body)]
    assert len(tree) == 1
    declared = int(re.search(rb"/Count (\d+)", tree[0]).group(1))
    assert pages == declared >= 1
    streams = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            streams.append(raw)
    return {"pages": pages, "streams": streams}


def core_font_text(streams: list[bytes]) -> str:
    """The literal strings shown with Tj in content streams (core fonts: latin-1)."""
    parts = []
    for stream in streams:
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) ?Tj", stream):
            parts.append(re.sub(rb"\\(.)", rb"\1", literal).decode("latin-1"))
    return " ".join(parts)


def test_pdf_with_the_bundled_unicode_font() -> None:
    assert packages.unicode_font_path() is not None, "opencv-contrib-python ships DejaVu Sans"
    data = packages.package_pdf(sample())
    pdf = check_pdf(data)
    assert b"/FontFile2" in data and b"DejaVu" in data  # the TrueType font is embedded
    assert b"/Title (Forwarding package FWD-2027-0042)" in data
    assert pdf["pages"] >= 1


def test_pdf_is_stable_for_the_same_package() -> None:
    assert packages.package_pdf(sample()) == packages.package_pdf(sample())


def test_pdf_falls_back_to_a_core_font_and_says_what_it_replaced(monkeypatch) -> None:
    monkeypatch.setattr(packages, "unicode_font_path", lambda: None)
    data = packages.package_pdf(sample())
    pdf = check_pdf(data)
    assert b"/FontFile2" not in data and b"/Helvetica" in data
    text = core_font_text(pdf["streams"])
    assert "FWD-2027-0042" in text and "TAO-2027-0007" in text
    assert "Zaz" in text and "lato 2023" in text  # accents dropped, letters kept
    assert "could not be drawn" in text and "replaced by '?'" in text


def test_long_and_hostile_text_wraps_onto_more_pages(monkeypatch) -> None:
    monkeypatch.setattr(packages, "unicode_font_path", lambda: None)
    tips = [{"id": n, "text": "x" * 5000 + " <script>alert(1)</script> \u202e\x00",
             "country": "", "place": "p" * 200, "seen_when": "", "language": "",
             "received_at": "2027-02-27T14:00:00Z"} for n in range(20)]
    pdf = check_pdf(packages.package_pdf(sample(tips=tips, summary="s" * 10_000)))
    assert pdf["pages"] > 5
    text = re.sub(r"\s+", " ", core_font_text(pdf["streams"]))
    assert "page 1 of" in text and f"page {pdf['pages']} of {pdf['pages']}" in text


def test_printable_keeps_what_the_font_draws() -> None:
    path = packages.unicode_font_path()
    assert path is not None
    printable = packages._Printable(packages._font_codepoints(path))
    kept = "Zażółć gęślą jaźń · Αθήνα · София · Ħamrun · Ğ"
    assert printable(kept) == kept and printable.replaced == 0
    assert not {ord(c) for c in "商店क"} & packages._font_codepoints(path)
    assert printable("商店 क") == "?? ?" and printable.replaced == 3
    latin1 = packages._Printable(None)
    assert latin1("Łódź ąę é") == "?ódz ae é" and latin1.replaced == 4


def test_json_is_stable_sorted_utf8() -> None:
    package = sample()
    data = packages.package_json(package)
    assert data == packages.package_json(json.loads(data))
    assert json.loads(data) == package
    assert "Zażółć".encode() in data  # not \u-escaped
    top = list(json.loads(data))
    assert top == sorted(top)


def test_html_is_standalone_escaped_and_its_style_is_allowed_by_hash() -> None:
    hostile = sample(summary="<script>alert('x')</script>", tips=[{
        "id": 9, "text": '<img src=x onerror=alert(1)> "quoted"', "country": "PL",
        "place": "<b>", "seen_when": "", "language": "pl",
        "received_at": "2027-02-27T14:00:00Z"}])
    html = packages.package_html(hostile)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert "FWD-2027-0042" in html and "TAO-2027-0007" in html
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert style == packages.PACKAGE_CSS
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert packages.package_css_source() == f"'sha256-{digest}'"


@pytest.mark.django_db
def test_html_and_pdf_embed_the_published_picture(published, settings) -> None:
    from traceobject.routing.models import Authority

    authority = Authority(country="PL", name="Policja")
    package = packages.package_build(ref="FWD-2027-0001", created_at=published.published_at,
                                     authority=authority, obj=published, summary="s", tips=[])
    image = package["object"]["images"][0]
    assert image["url"].startswith("/media/objects/") and image["url"].endswith(".jpg")
    html = packages.package_html(package)
    assert 'src="data:image/jpeg;base64,' in html
    data = packages.package_pdf(package)
    check_pdf(data)
    assert b"/Subtype /Image" in data
    # with the public site's address configured, the links are absolute
    settings.PUBLIC_BASE_URL = "https://trace.example/"
    package = packages.package_build(ref="FWD-2027-0001", created_at=published.published_at,
                                     authority=authority, obj=published, summary="s", tips=[])
    assert package["object"]["images"][0]["url"].startswith("https://trace.example/media/")
    assert package["object"]["page_url"] == f"https://trace.example/en/objects/{published.ref}/"


def test_a_missing_picture_is_named_not_fatal(monkeypatch) -> None:
    monkeypatch.setattr(packages, "unicode_font_path", lambda: None)
    package = sample()
    package["object"]["images"] = [{"url": "/media/objects/x/1600.jpg", "width": 10,
                                    "height": 5, "preview": "objects/../../etc/passwd.jpg"}]
    html = packages.package_html(package)
    assert "data:image" not in html and "Picture not available here" in html
    text = core_font_text(check_pdf(packages.package_pdf(package))["streams"])
    assert "Picture not available here" in text
