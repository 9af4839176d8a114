"""Public pages: every page in every UI language, filters, pagination, the tip flow, statistics."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from tests.public.support import mailbox_post, reply_post, tip_post
from traceobject.catalog import services as catalog
from traceobject.catalog.models import ObjectStatus, TracedObject
from traceobject.tips import intake
from traceobject.tips.models import Receipt, SealedTip

pytestmark = pytest.mark.django_db

LANGUAGE_CODES = [code for code, _name in django_settings.LANGUAGES]
RECEIPT_RE = re.compile(r'id="receipt"[^>]*>\s*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})\s*<')
CARD_RE = re.compile(r'<li class="card[" ]')


def _html_lang(response) -> str | None:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _tr(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


@pytest.fixture
def lenient(settings) -> None:
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}


@pytest.fixture
def identified(make_object) -> TracedObject:
    return make_object(image=False, identified="PL", texts={
        "en": {"title": "Green mug", "questions": ["Who makes this mug?"],
               "thank_you": "Thanks to 41 tips the mug was traced to a shop in Poland."},
    })


# Every page in every language


def _all_pages(client: Client, code: str, published: TracedObject, identified: TracedObject,
               receipt: str):
    ref = published.ref
    yield "gallery", client.get(f"/{code}/"), 200
    yield "gallery filtered", client.get(f"/{code}/?category=packaging&page=1"), 200
    yield "object", client.get(f"/{code}/objects/{ref}/"), 200
    yield "identified object", client.get(f"/{code}/objects/{identified.ref}/"), 200
    yield "tip form", client.get(f"/{code}/objects/{ref}/tip/"), 200
    yield "tip form errors", client.post(f"/{code}/objects/{ref}/tip/", {"text": ""}), 400
    received = tip_post(client, ref, {"text": "Seen it in a shop."}, language=code)
    yield "tip received", received, 200
    handle = received.redirect_chain[-1][0]
    yield "tip received, not noted down", client.post(handle, {}), 400
    yield "tip received, noted down", client.post(handle, {"written": "on"}), 303
    yield "receipt shown no more", client.get(handle), 410
    yield "receipt of another browser", Client().get(handle), 404
    yield "mailbox login", client.get(f"/{code}/mailbox/"), 200
    yield "mailbox", mailbox_post(client, receipt, language=code), 200
    yield "mailbox closed", Client().get(f"/{code}/mailbox/AAAAAAAAAAAAAAAAAAAAAA/"), 200
    yield "mailbox unknown", client.post(f"/{code}/mailbox/",
                                         {"receipt": "0000-0000-0000-0000-0000"}), 404
    yield "identified", client.get(f"/{code}/identified/"), 200
    yield "statistics", client.get(f"/{code}/statistics/"), 200
    yield "privacy", client.get(f"/{code}/privacy/"), 200
    yield "404 page", client.get(f"/{code}/no-such-page/"), 404
    yield "404 object", client.get(f"/{code}/objects/TAO-1999-0001/"), 404


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_page_in_every_language(client, code, published, identified, lenient,
                                      use_compiled_locales) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "Earlier"}))
    intake.mailbox_message_to_tipster(sealed_tip_id=SealedTip.objects.get().id,
                                      text="Which shop?")
    heading = _tr(code, "Do you recognise these objects?")
    skip_link = _tr(code, "Skip to content")
    if code != "en":
        assert heading != "Do you recognise these objects?", f"no {code} catalogue loaded"
    for name, response, status in _all_pages(client, code, published, identified, receipt):
        assert response.status_code == status, (name, response.status_code)
        if status == 303:  # a redirect: to the page in the same language
            assert response["Location"].startswith(f"/{code}/"), name
            continue
        assert _html_lang(response) == code, name
        assert response["Content-Language"] == code, name
        assert skip_link in _text(response), name
    gallery = client.get(f"/{code}/")
    assert heading in _text(gallery)
    not_found = client.get(f"/{code}/objects/TAO-1999-0001/")
    assert _tr(code, "Page not found") in _text(not_found)


def test_root_redirects_by_accept_language(client) -> None:
    for header, target in [("de", "/de/"), ("pl;q=0.9, en;q=0.5", "/pl/"),
                           ("fr-CA,fr;q=0.8", "/fr/"), ("ja", "/en/"), ("", "/en/")]:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 302, header
        assert response["Location"] == target, header


def test_language_switcher_links_to_the_same_page(client, published) -> None:
    page = client.get(f"/en/objects/{published.ref}/").content.decode()
    for code in LANGUAGE_CODES:
        assert f'href="/{code}/objects/{published.ref}/" hreflang="{code}"' in page, code
    assert 'hreflang="en" lang="en" aria-current="true"' in page
    german = client.get(f"/de/objects/{published.ref}/")
    assert "Blaue Einkaufstüte" in _text(german)
    assert "Wo wird diese Tüte verkauft?" in _text(german)
    # a language without texts of its own falls back to English
    assert "Blue shop bag" in _text(client.get(f"/fi/objects/{published.ref}/"))


def test_unknown_object_is_a_localized_404(client, use_compiled_locales) -> None:
    response = client.get("/de/objects/TAO-1999-0001/")
    assert response.status_code == 404
    assert _html_lang(response) == "de"
    title = _tr("de", "Page not found")
    assert title != "Page not found"
    assert title in _text(response)
    assert "Page not found" not in _text(response)


@pytest.mark.parametrize("status", [ObjectStatus.DRAFT, ObjectStatus.IN_REVIEW,
                                    ObjectStatus.WITHDRAWN])
def test_non_public_objects_are_404(client, make_object, status) -> None:
    obj = make_object(publish=False, image=False, title="Secret object")
    TracedObject.objects.filter(id=obj.id).update(status=status)
    for url in (f"/en/objects/{obj.ref}/", f"/en/objects/{obj.ref}/tip/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Secret object" not in _text(response)
    assert client.post(f"/en/objects/{obj.ref}/tip/", {"text": "hello there"}
                       ).status_code == 404
    assert "Secret object" not in _text(client.get("/en/"))
    assert SealedTip.objects.count() == 0


# Gallery


@pytest.fixture
def thirty(make_object) -> dict[str, Any]:
    second = catalog.campaign_create(slug="second", names={"en": "Second campaign"})
    objects = []
    for n in range(30):
        obj = make_object(title=f"Object number {n:02d}", image=False,
                          category="clothing" if n % 10 == 0 else "packaging")
        if n % 3 == 0:
            TracedObject.objects.filter(id=obj.id).update(campaign=second)
        objects.append(obj)
    return {"objects": objects, "second": second}


def _cards(response) -> int:
    assert response.status_code == 200
    return len(CARD_RE.findall(response.content.decode()))


def test_gallery_paginates(client, thirty) -> None:
    first = client.get("/en/")
    assert _cards(first) == 24
    assert "30 objects" in _text(first)
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert "Page 1 of 2" in _text(first)
    second = client.get("/en/?page=2")
    assert _cards(second) == 6
    assert 'rel="prev" href="?page=1"' in second.content.decode()
    titles = set(re.findall(r"Object number \d\d", _text(first) + _text(second)))
    assert len(titles) == 30
    # out of range and junk page numbers do not fail
    assert _cards(client.get("/en/?page=99")) == 6
    assert _cards(client.get("/en/?page=abc")) == 24


def test_gallery_filters(client, thirty) -> None:
    assert _cards(client.get("/en/?category=clothing")) == 3
    assert "3 objects" in _text(client.get("/en/?category=clothing"))
    packaging = client.get("/en/?category=packaging")
    assert _cards(packaging) == 24
    assert "27 objects" in _text(packaging)
    assert 'href="?category=packaging&amp;page=2"' in packaging.content.decode()
    assert _cards(client.get("/en/?category=packaging&page=2")) == 3
    assert _cards(client.get("/en/?campaign=second")) == 10
    assert _cards(client.get("/en/?campaign=second&category=clothing")) == 1
    assert _cards(client.get("/en/?campaign=test-campaign")) == 20
    # unknown filter values are ignored, not errors
    assert "30 objects" in _text(client.get("/en/?category=weapons&campaign=nope"))
    # the campaign filter is offered when there is more than one campaign
    page = client.get("/en/").content.decode()
    assert 'name="campaign"' in page and "Second campaign" in page


# Object page


def test_object_page(client, published) -> None:
    response = client.get(f"/en/objects/{published.ref}/")
    page = _text(response)
    assert published.ref in page
    assert "Blue shop bag" in page
    assert "Where is this bag sold?" in page
    assert "What investigators would like to know" in page
    assert f'href="/en/objects/{published.ref}/tip/"' in page
    assert "Identified: thank you" not in page


def test_identified_object_page_thanks(client, identified) -> None:
    page = _text(client.get(f"/en/objects/{identified.ref}/"))
    assert "Identified: thank you" in page
    assert "Thanks to 41 tips the mug was traced to a shop in Poland." in page
    assert "Country found: Poland" in page
    assert "Who makes this mug?" in page
    assert "I recognise this object" not in page
    listed = _text(client.get("/en/identified/"))
    assert "Green mug" in listed


def test_identified_object_without_note_gets_the_default_thanks(client, make_object) -> None:
    obj = make_object(image=False, identified="DE")
    page = _text(client.get(f"/de/objects/{obj.ref}/"))
    assert "Deutschland" in page  # the country in the page's language


# Statistics


def _numbers(client: Client) -> list[int]:
    page = client.get("/en/statistics/").content.decode()
    return [int(n) for n in re.findall(r"<dd>\s*(\d+)\s*</dd>", page)]


def test_statistics_follow_tips_and_identifications(client, published, make_object,
                                                    users) -> None:
    other = make_object(image=False, title="Yellow cap")
    assert _numbers(client)[:4] == [2, 0, 0, 0]
    assert tip_post(client, published.ref, {"text": "Seen in Gdynia."}).status_code == 200
    assert _numbers(client)[:4] == [2, 1, 0, 0]
    catalog.object_mark_identified(obj=other, user=users["investigator"], country="PL")
    assert _numbers(client)[:4] == [2, 1, 1, 1]
    catalog.object_mark_identified(obj=published, user=users["investigator"], country="PL")
    assert _numbers(client)[:4] == [2, 1, 2, 1]


# The tip form


def test_tip_flow_shows_the_receipt_once(client, published, lenient) -> None:
    form = client.get(f"/en/objects/{published.ref}/tip/")
    assert form.status_code == 200
    assert 'name="text"' in form.content.decode() and 'name="website"' in form.content.decode()
    assert "no-store" in form["Cache-Control"] or "no-cache" in form["Cache-Control"]
    response = tip_post(client, published.ref, {
        "text": "Sold at the market in Łódź.", "country": "PL", "place": "Łódź",
        "seen_when": "2021", "contact_email": "me@example.org"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    receipt = RECEIPT_RE.search(page).group(1)
    # shown once, and carried to the mailbox by a form (never in an address)
    assert page.count(receipt) == 2 and f'name="receipt" value="{receipt}"' in page
    assert SealedTip.objects.count() == 1 and Receipt.objects.count() == 1
    for url in ("/en/", f"/en/objects/{published.ref}/", f"/en/objects/{published.ref}/tip/",
                "/en/mailbox/", "/en/statistics/"):
        assert receipt not in client.get(url).content.decode(), url
    mailbox = mailbox_post(client, receipt.lower())
    assert mailbox.status_code == 200
    assert published.ref in mailbox.content.decode()
    assert "Blue shop bag" in _text(mailbox)
    assert "no-cache" in mailbox["Cache-Control"] or "no-store" in mailbox["Cache-Control"]


def test_second_tip_with_receipt_joins_the_mailbox(client, published, lenient) -> None:
    first = tip_post(client, published.ref, {"text": "First tip."})
    receipt = RECEIPT_RE.search(first.content.decode()).group(1)
    second = tip_post(client, published.ref,
                      {"text": "Second tip.", "receipt": receipt.replace("-", " ")})
    assert second.status_code == 200
    assert RECEIPT_RE.search(second.content.decode()).group(1) == receipt
    assert Receipt.objects.count() == 1 and SealedTip.objects.count() == 2


def test_invalid_tip_form(client, published, lenient) -> None:
    response = client.post(f"/en/objects/{published.ref}/tip/", {
        "text": "ok", "contact_email": "nope", "place": "p" * 300})
    assert response.status_code == 400
    page = _text(response)
    assert "Some fields need your attention." in page
    assert "Please tell us what you know about this object." in page
    assert "Enter a valid e-mail address, or leave this empty." in page
    assert "This is too long: at most 200 characters." in page
    assert 'value="nope"' in response.content.decode()  # what was typed is kept
    wrong_country = client.post(f"/en/objects/{published.ref}/tip/",
                                {"text": "A fine tip.", "country": "XX"})
    assert wrong_country.status_code == 400
    assert RECEIPT_RE.search(response.content.decode()) is None
    unknown = tip_post(client, published.ref,
                       {"text": "A fine tip.", "receipt": "0000-0000-0000-0000-0000"})
    assert unknown.status_code == 400
    assert "No mailbox matches this receipt." in _text(unknown)
    assert SealedTip.objects.count() == 0 and Receipt.objects.count() == 0


@pytest.mark.parametrize(("data", "reason"), [
    ({"text": "Sold as \u202egpj.exe here."},
     "This contains invisible characters that are not allowed."),
    ({"text": "A fine tip.", "place": "Köln\x07"}, "This contains control characters."),
    ({"text": "A fine tip.", "seen_when": "2023\x00"}, "This contains control characters."),
])
def test_tip_form_refuses_hostile_characters_with_a_clear_message(client, published, lenient,
                                                                   data, reason) -> None:
    response = tip_post(client, published.ref, data, follow=False)
    assert response.status_code == 400
    assert reason in _text(response)
    assert SealedTip.objects.count() == 0 and Receipt.objects.count() == 0


def test_tip_form_keeps_joiners_and_stores_nfc(client, published, lenient) -> None:
    text = "می\u200cخواهم: I saw it in a cafe\u0301."
    response = tip_post(client, published.ref, {"text": text})
    assert response.status_code == 200
    assert SealedTip.objects.count() == 1


def test_honeypot_stores_nothing(client, published) -> None:
    response = client.post(f"/en/objects/{published.ref}/tip/",
                           {"text": "Buy cheap watches", "website": "http://spam.example"})
    assert response.status_code == 200
    fake = RECEIPT_RE.search(response.content.decode()).group(1)
    assert SealedTip.objects.count() == 0 and Receipt.objects.count() == 0
    assert mailbox_post(client, fake).status_code == 404


# The mailbox pages


def test_mailbox_pages(client, published, lenient) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    sealed_tip = SealedTip.objects.get()
    page = _text(mailbox_post(client, receipt))
    assert "Your tip" in page and "Which street?" not in page
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed_tip.id, text="Which street?")
    box = mailbox_post(client, receipt)
    page = _text(box)
    assert "Which street?" in page and "Your answer, or more about your tip" in page
    sent = reply_post(client, box, "Długa street.")
    assert sent.status_code == 200
    assert "Your message has been sent." in _text(sent)
    assert "Długa street." not in _text(sent)  # own answers are not shown unless asked for
    empty = reply_post(client, sent, "")
    assert empty.status_code == 400 and "Your message has been sent." not in _text(empty)
    assert "This field is required." in _text(empty)


def test_mailbox_unknown_and_malformed_receipts(client) -> None:
    for typed in ("0000-0000-0000-0000-0000", "garbage"):
        response = mailbox_post(client, typed)
        assert response.status_code == 404, typed
        assert "No mailbox matches this receipt. Check what you typed." in _text(response)
    assert client.post("/en/mailbox/", {"receipt": ""}).status_code == 400


# Caching, escaping, what the pages load


def test_pages_show_catalogue_changes_at_once(client, published, users) -> None:
    url = f"/en/objects/{published.ref}/"
    assert "Identified: thank you" not in _text(client.get(url))
    assert "Blue shop bag" in _text(client.get("/en/"))
    catalog.object_texts_set(obj=published, user=users["investigator"],
                             texts={"en": {"title": "Navy shop bag"}})
    assert "Navy shop bag" in _text(client.get(url))
    assert "Navy shop bag" in _text(client.get("/en/"))
    catalog.object_mark_identified(obj=published, user=users["investigator"], country="PL")
    assert "Identified: thank you" in _text(client.get(url))
    assert "Navy shop bag" in _text(client.get("/en/identified/"))


def test_user_and_catalogue_text_is_escaped(client, make_object, lenient) -> None:
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    obj = make_object(image=False, title=f"Bag {attack}", texts={
        "en": {"title": f"Bag {attack}", "description": attack, "questions": [attack]}})
    pages = [client.get(f"/en/objects/{obj.ref}/"), client.get("/en/"),
             client.post(f"/en/objects/{obj.ref}/tip/", {"text": attack[:2], "place": attack})]
    receipt = intake.tip_submit(ref=obj.ref, tip=intake.tip_validate({
        "text": f"A tip. {attack}", "place": attack}))
    intake.mailbox_message_to_tipster(sealed_tip_id=SealedTip.objects.get().id, text=attack)
    box = mailbox_post(client, receipt)
    pages += [box, client.get(box.redirect_chain[-1][0] + "?show=own")]
    for response in pages:
        page = response.content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_pages_load_nothing_from_other_sites(client, published, identified) -> None:
    urls = ["/en/", f"/en/objects/{published.ref}/", f"/en/objects/{published.ref}/tip/",
            "/en/mailbox/", "/en/identified/", "/en/statistics/", "/en/privacy/"]
    external = re.compile(r'(?:src|action|srcset)="\s*(?:[a-z]+:)?//', re.IGNORECASE)
    # <link> elements load what they name, except the page's own address (canonical): share
    # cards need it absolute. Plain links (<a href>) to other sites load nothing.
    links = re.compile(r'<link\b[^>]*>', re.IGNORECASE)
    absolute = re.compile(r'href="\s*(?:[a-z]+:)?//', re.IGNORECASE)
    for url in urls:
        page = client.get(url).content.decode()
        assert not external.search(page), url
        for link in links.findall(page):
            assert not absolute.search(link) or 'rel="canonical" href="http://testserver/' in (
                link), (url, link)
        assert "@import" not in page and "url(http" not in page


@pytest.mark.parametrize("path", [
    "objects/../../keys/intake.key",
    "objects/%2e%2e/%2e%2e/keys/intake.key",
    "objects/../../traceobject.sqlite3",
    "objects/../../../etc/passwd.jpg",
    "objects/x/..%2f..%2f..%2fkeys%2fintake.jpg",
    "evidence/secret.jpg",
    "objects/TAO-2026-0001/original.png",
])
def test_media_serves_only_object_images(client, published, path) -> None:
    assert client.get(f"/media/{path}").status_code == 404
