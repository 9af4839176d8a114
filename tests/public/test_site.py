"""Who runs the site, its privacy notice, the emergency number, share cards, the Atom feed, the
embedded gallery and what a CDN may keep: read from the settings in force, checked from the
outside (HTML and XML parsed, headers read)."""

from __future__ import annotations

import html
import http.server
import json
import re
import threading
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from traceobject.core.emergency import (
    COOKIE,
    LANGUAGE_COUNTRY,
    emergency_choices,
    emergency_table,
)
from traceobject.core.reference import EEA_EXTRA, EU_COUNTRIES, country_codes

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
LANGUAGES = [code for code, _name in django_settings.LANGUAGES]


class _Meta(HTMLParser):
    """The <meta> and <link> tags of a page's head, and every <a>."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.anchors: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in values or "name" in values):
            self.meta[values.get("property") or values["name"]] = values.get("content", "")
        elif tag == "link":
            self.links.append(values)
        elif tag == "a":
            self.anchors.append(values)


def _parse(response: Any) -> _Meta:
    parser = _Meta()
    parser.feed(response.content.decode())
    return parser


def _text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# --------------------------------------------------------------- operator, about, privacy

@pytest.mark.parametrize("language", LANGUAGES)
def test_about_page_and_footer_name_the_operator_in_every_language(
        client: Any, settings: Any, language: str) -> None:
    settings.OPERATOR = {**settings.OPERATOR, "name": "Bundeskriminalamt Test",
                         "email": "hinweise@bka.example", "imprint": "Thaerstraße 11"}
    settings.OPERATOR_IS_EXAMPLE = False
    response = client.get(f"/{language}/about/")
    assert response.status_code == 200
    text = _text(response)
    assert text.count("Bundeskriminalamt Test") >= 2  # the page and the footer
    assert "Thaerstraße 11" in text and "hinweise@bka.example" in text
    # the snippet to copy: an iframe of this language's embed page, absolute
    assert f'src="http://testserver/{language}/embed/"' in html.unescape(
        response.content.decode())
    footer = _text(client.get(f"/{language}/privacy/"))
    assert "Bundeskriminalamt Test" in footer


def test_example_operator_says_so(client: Any) -> None:
    assert django_settings.OPERATOR_IS_EXAMPLE  # the test environment sets no operator
    text = _text(client.get("/en/"))
    assert "Example Police Agency" in text
    assert "has not entered its own yet" in text


def test_privacy_notice_states_the_periods_in_force(client: Any, settings: Any) -> None:
    settings.TRACEOBJECT_RETENTION_DAYS = 77
    settings.TRACEOBJECT_SPAM_RETENTION_DAYS = 13
    settings.TRACEOBJECT_EXPORT_RETENTION_DAYS = 9
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "tip": (10, 1200), "receipt": (20, 600)}
    text = _text(client.get("/en/privacy/"))
    assert "deleted 77 days after investigators close your tip" in text
    assert "deleted completely 13 days after they are closed" in text
    assert "deleted 9 days after they are made" in text
    assert "for at most 20 minutes" in text
    assert "180 days" not in text
    for heading in ("Who is responsible", "Why, and on what legal basis", "Your rights",
                    "How to complain", "Example Data Protection Authority"):
        assert heading in text


def test_privacy_notice_legal_basis_follows_the_setting(client: Any, settings: Any) -> None:
    settings.OPERATOR = {**settings.OPERATOR, "legal_basis": "public-task",
                         "legal_basis_law": "Art. 2 Example Police Act"}
    text = _text(client.get("/en/privacy/"))
    assert "Article 6(1)(e)" in text and "Art. 2 Example Police Act" in text
    assert "2016/680" not in text


def test_the_retention_period_the_notice_states_is_the_one_the_purge_applies(
        client: Any, settings: Any, published: Any) -> None:
    from traceobject.tips import intake
    from traceobject.tips.models import Tip
    from traceobject.tips.retention import retention_purge
    from traceobject.tips.services import sealed_tips_open

    settings.TRACEOBJECT_RETENTION_DAYS = 40
    stated = re.search(r"deleted (\d+) days after investigators close your tip",
                       _text(client.get("/en/privacy/")))
    assert stated is not None
    days = int(stated.group(1))
    for _ in range(2):
        intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
            {"text": "Sold in Brno.", "contact_email": "tipster@example.org"}))
    sealed_tips_open()
    older, newer = Tip.objects.order_by("id")
    now = timezone.now()
    Tip.objects.filter(pk=older.pk).update(state="closed",
                                           closed_at=now - timedelta(days=days, hours=1))
    Tip.objects.filter(pk=newer.pk).update(state="closed",
                                           closed_at=now - timedelta(days=days - 1))
    retention_purge(now=now)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.contact_sealed is None and newer.contact_sealed is not None


# --------------------------------------------------------------------- emergency numbers

def test_the_emergency_table_covers_every_country() -> None:
    table = emergency_table()
    assert set(table) == set(country_codes())
    for code in (*EU_COUNTRIES, *EEA_EXTRA):
        assert "112" in table[code], code
    assert table["US"][0] == "911" and table["AU"][0] == "000" and table["JP"][0] == "110"
    assert table["GB"][:2] == ("999", "112")
    for numbers in table.values():
        assert all(re.fullmatch(r"\d{2,5}", n) for n in numbers), numbers
    uninhabited = {c for c, n in table.items() if not n}
    assert {"AQ", "BV", "HM"} <= uninhabited and len(uninhabited) < 20
    assert all(code not in uninhabited for code, _ in emergency_choices("en"))
    assert set(LANGUAGE_COUNTRY) == set(LANGUAGES)
    assert all(table[c] for c in LANGUAGE_COUNTRY.values())


def test_emergency_number_defaults_from_the_language_and_follows_the_cookie(
        client: Any, published: Any) -> None:
    page = client.get(f"/pl/objects/{published.ref}/")
    assert "Polska: " in _text(page) and 'href="tel:112"' in page.content.decode()
    assert "Cookie" in page["Vary"]
    client.cookies[COOKIE] = "US"
    chosen = client.get(f"/pl/objects/{published.ref}/")  # not the cached page of the first
    assert 'href="tel:911"' in chosen.content.decode()
    assert 'href="tel:911"' in client.get(f"/pl/objects/{published.ref}/tip/").content.decode()
    client.cookies[COOKIE] = "not a country"
    assert 'href="tel:112"' in client.get(f"/pl/objects/{published.ref}/").content.decode()


def test_choosing_a_country_keeps_only_its_code_and_goes_back(client: Any) -> None:
    response = client.get("/de/emergency/", {"country": "jp", "next": "/de/objects/X/"},
                          HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 303 and response["Location"] == "/de/objects/X/"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "JP" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 24 * 3600
    page = client.get("/de/emergency/")
    assert 'href="tel:110"' in page.content.decode() and "Japan" in _text(page)


@pytest.mark.parametrize("query, headers", [
    ({"country": "JP", "next": "/de/"}, {"HTTP_SEC_FETCH_SITE": "cross-site"}),
    ({"country": "ZZ", "next": "/de/"}, {}),
    ({"country": "AQ"}, {}),  # no number known
])
def test_another_site_or_a_bad_country_changes_nothing(client: Any, query: dict[str, str],
                                                       headers: dict[str, str]) -> None:
    response = client.get("/de/emergency/", query, **headers)
    assert COOKIE not in response.cookies
    assert response.status_code in (200, 400) and "Location" not in response


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/en/",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_the_way_back_stays_on_this_site_and_language(client: Any, target: str) -> None:
    response = client.get("/de/emergency/", {"country": "FR", "next": target})
    assert response.status_code == 200 and "Location" not in response
    assert response.cookies[COOKIE].value == "FR"


# ----------------------------------------------------------------------------- share cards

def test_object_page_has_share_cards_with_absolute_picture_in_its_language(
        client: Any, settings: Any, published: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://tips.example.org/"
    page = _parse(client.get(f"/de/objects/{published.ref}/"))
    meta = page.meta
    assert meta["og:title"] == meta["twitter:title"] == "Blaue Einkaufstüte"
    assert meta["og:description"] == "Eine Plastiktüte."
    assert meta["og:url"] == f"https://tips.example.org/de/objects/{published.ref}/"
    assert meta["og:locale"] == "de_DE"
    assert meta["twitter:card"] == "summary_large_image"
    image = urlsplit(meta["og:image"])
    assert (image.scheme, image.netloc) == ("https", "tips.example.org")
    assert meta["twitter:image"] == meta["og:image"] and image.path.endswith(".jpg")
    picture = client.get(image.path)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert int(meta["og:image:width"]) > 0 and meta["og:image:alt"].startswith("Blaue")
    shares = [a["href"] for a in page.anchors if "share" in a.get("href", "")
              or a.get("href", "").startswith(("https://wa.me", "mailto:?", "https://x.com"))]
    hosts = {urlsplit(h).netloc for h in shares}
    assert {"www.facebook.com", "x.com", "wa.me", "www.linkedin.com"} <= hosts
    wrong = [h for h in shares if "tips.example.org%2Fde%2Fobjects" not in h
             and "tips.example.org/de/objects" not in h]
    assert not wrong and len(shares) >= 6, (wrong, shares)
    # plain links: nothing on the page loads from the networks
    assert "facebook" not in "".join(link.get("href", "") for link in page.links)


def test_without_a_base_url_share_cards_use_the_address_asked_for(client: Any,
                                                                   published: Any) -> None:
    meta = _parse(client.get(f"/en/objects/{published.ref}/")).meta
    assert meta["og:image"].startswith("http://testserver/media/objects/")


# --------------------------------------------------------------------------------- the feed

def test_feed_is_atom_with_absolute_links_and_pictures(
        client: Any, settings: Any, published: Any, make_object: Any, users: Any) -> None:
    from traceobject.catalog import services as catalog

    settings.PUBLIC_BASE_URL = "https://tips.example.org"
    found = make_object(title="Toy robot", identified="PL")
    gone = make_object(title="Withdrawn thing")
    catalog.object_withdraw(obj=gone, user=users["reviewer"], reason="Not needed any more.")
    response = client.get("/de/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "public" in response["Cache-Control"] and "s-maxage" in response["Cache-Control"]
    root = ET.fromstring(response.content)  # noqa: S314 - the site's own feed
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), name
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Example Police Agency"
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == (
        "https://tips.example.org/de/feed.atom")
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert "Blaue Einkaufstüte" in titles
    assert any(t and t.startswith("Identifiziert") and "Toy robot" in t for t in titles), titles
    assert not any("Withdrawn" in (t or "") for t in titles)
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == len(entries)
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None
        assert link.get("href", "").startswith("https://tips.example.org/de/objects/")
        summary = entry.findtext(f"{ATOM}summary") or ""
        sources = re.findall(r'<img src="([^"]+)"', summary)
        assert sources, summary
        for src in sources:
            assert src.startswith("https://tips.example.org/media/objects/")
            assert client.get(urlsplit(src).path).status_code == 200
    assert found.ref in response.content.decode()


def test_feed_is_served_from_the_page_cache(client: Any, published: Any) -> None:
    first = client.get("/en/feed.atom")
    assert client.get("/en/feed.atom").content == first.content
    from traceobject.catalog.models import TracedObject
    from traceobject.core.pagecache import catalog_changed

    TracedObject.objects.filter(pk=published.pk).update(status="withdrawn")
    assert client.get("/en/feed.atom").content == first.content  # still cached
    catalog_changed()
    assert published.ref not in client.get("/en/feed.atom").content.decode()


# -------------------------------------------------------------------------- the embed page

def _frame_ancestors(response: Any) -> str:
    policy = response["Content-Security-Policy"]
    return next(p.strip() for p in policy.split(";") if p.strip().startswith("frame-ancestors"))


def test_embed_may_be_framed_only_by_the_listed_origins(client: Any, settings: Any,
                                                         published: Any) -> None:
    settings.EMBED_ORIGINS = ["https://news.example", "http://127.0.0.1:8080"]
    for _ in range(2):  # the second answer comes from the page cache, with the same headers
        response = client.get("/en/embed/")
        assert response.status_code == 200
        assert _frame_ancestors(response) == (
            "frame-ancestors https://news.example http://127.0.0.1:8080")
        assert "X-Frame-Options" not in response
        assert not response.cookies and "Set-Cookie" not in response
        assert "<script" not in response.content.decode()
    links = _parse(response).anchors
    assert links and all(a["target"] == "_blank" and "noopener" in a["rel"] for a in links)
    assert all(a["href"].startswith("http://testserver/en/") for a in links)
    for url in ("/en/", f"/en/objects/{published.ref}/", "/en/about/", "/en/privacy/"):
        other = client.get(url)
        assert _frame_ancestors(other) == "frame-ancestors 'none'", url
        assert other["X-Frame-Options"] == "DENY", url


def test_embed_without_listed_origins_is_framed_by_nobody(client: Any, settings: Any) -> None:
    settings.EMBED_ORIGINS = []
    assert _frame_ancestors(client.get("/en/embed/")) == "frame-ancestors 'none'"


# -------------------------------------------------------------- pictures, caches, purge hook

def test_pictures_are_kept_by_shared_caches_no_longer_than_the_setting(
        client: Any, settings: Any, published: Any) -> None:
    url = client.get(f"/api/v1/objects/{published.ref}").json()["images"][0]["full"]
    settings.MEDIA_SHARED_MAX_AGE = 120
    control = {p.strip() for p in client.get(url)["Cache-Control"].split(",")}
    assert {"public", "s-maxage=120", "max-age=3600"} <= control


class _PurgeReceiver:
    """A stand-in for the CDN adapter: records the purge requests it gets."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, Any], str]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((json.loads(body), self.headers["Authorization"]))
                self.send_response(204)
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/purge"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db(transaction=True)
def test_withdrawal_stops_the_pictures_at_once_and_calls_the_purge_hook(
        client: Any, settings: Any, make_object: Any, users: Any) -> None:
    from traceobject.catalog import services as catalog

    receiver = _PurgeReceiver()
    try:
        settings.CDN_PURGE_URL = receiver.url
        settings.CDN_PURGE_TOKEN = "purge-secret"
        settings.PUBLIC_BASE_URL = "https://tips.example.org"
        obj = make_object()
        url = client.get(f"/api/v1/objects/{obj.ref}").json()["images"][0]["full"]
        assert client.get(url).status_code == 200
        assert not receiver.requests  # publishing purges nothing
        catalog.object_withdraw(obj=obj, user=users["reviewer"], reason="Unsafe after all.")
        assert client.get(url).status_code == 404
        assert client.get(f"/en/objects/{obj.ref}/").status_code == 404
        assert receiver.arrived.wait(10), "the purge hook was not called"
        body, authorization = receiver.requests[0]
        assert authorization == "Bearer purge-secret"
        assert url in body["paths"] and f"/en/objects/{obj.ref}/" in body["paths"]
        assert f"https://tips.example.org{url}" in body["urls"]
        assert f"/sv/objects/{obj.ref}/" in body["paths"]
    finally:
        receiver.close()
