"""The review checklist and missing translations (issue 25, item 6): a reviewer approves only
with every line ticked and, where part of the public text is not translated, with the explicit
choice to show English there; the public page then marks that text "Shown in English"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.catalog import services as catalog
from traceobject.catalog import staff_selectors
from traceobject.catalog.models import ObjectReview, ObjectStatus, TracedObject
from traceobject.core.errors import ServiceError

from .support import snapshot

pytestmark = pytest.mark.django_db

CHECKS = list(catalog.REVIEW_CHECK_NAMES)
NOTE = 'class="shown-in-english"'


def _every_language(title: str = "Blue bag") -> dict[str, dict[str, Any]]:
    return {code: {"title": f"{title} ({code})", "description": f"A bag ({code}).",
                   "questions": [f"Where is it sold? ({code})"]}
            for code, _name in settings.LANGUAGES}


def _in_review(make_object: Any, users: dict[str, Any], **kwargs: Any) -> TracedObject:
    obj = make_object(publish=False, **kwargs)
    catalog.object_submit(obj=obj, user=users["investigator"])
    obj.refresh_from_db()
    return obj


def _refused(code: str, obj: TracedObject, **kwargs: Any) -> ServiceError:
    before = snapshot(obj)
    with pytest.raises(ServiceError) as info:
        catalog.object_approve(obj=obj, **kwargs)
    assert info.value.code == code, info.value.message
    assert snapshot(obj) == before  # nothing changed, nothing audited
    return info.value


def test_approval_is_refused_without_the_checklist(make_object, users):
    obj = _in_review(make_object, users, texts=_every_language())
    error = _refused("checklist_incomplete", obj, user=users["reviewer"])
    for label, _text in catalog.REVIEW_CHECKS.values():
        assert str(label) in error.message
    # Three of four lines: the fourth is named.
    error = _refused("checklist_incomplete", obj, user=users["reviewer"],
                     checklist=["people", "metadata", "languages"])
    assert "Identifying text" in error.message and "People" not in error.message
    assert error.fields == {"checklist": "identifying_text"}


@pytest.mark.parametrize("checklist", [
    "people", b"people", None, 42, ["people", "bogus"], [["people"]], [None],
    CHECKS * 3, ["x" * 100_000], {"people": True},
])
def test_a_malformed_checklist_is_refused(make_object, users, checklist):
    obj = _in_review(make_object, users, texts=_every_language())
    _refused("invalid", obj, user=users["reviewer"], checklist=checklist)


@pytest.mark.parametrize("choice", ["yes", 1, None, [True]])
def test_the_choice_about_translations_is_yes_or_no(make_object, users, choice):
    obj = _in_review(make_object, users)
    _refused("invalid", obj, user=users["reviewer"], checklist=CHECKS, english_fallback=choice)


def test_missing_translations_need_the_explicit_choice(make_object, users):
    texts = {"en": {"title": "Blue bag", "description": "A bag.", "questions": ["Where?"]},
             "de": {"title": "Blaue Tüte", "description": "", "questions": ["Wo?"]}}
    obj = _in_review(make_object, users, texts=texts)
    missing = staff_selectors.untranslated(obj=obj)
    assert missing["de"] == ["description"]  # German lacks only the description
    assert missing["fr"] == ["title", "description", "questions"]
    assert len(missing) == len(settings.LANGUAGES) - 1
    error = _refused("not_translated", obj, user=users["reviewer"], checklist=CHECKS)
    assert "23" in error.message and "de" in error.message
    _refused("not_translated", obj, user=users["reviewer"], checklist=CHECKS,
             english_fallback=False)

    catalog.object_approve(obj=obj, user=users["reviewer"], checklist=CHECKS,
                           english_fallback=True, comment="German description missing.")
    assert obj.status == ObjectStatus.PUBLISHED
    review = ObjectReview.objects.get(object=obj, action="approved")
    assert review.checklist["checked"] == CHECKS
    assert "de" in review.checklist["english_fallback"] and "en" not in (
        review.checklist["english_fallback"])
    event = AuditEvent.objects.filter(action="object.approve", target=obj.ref).get()
    assert event.data["checklist"] == CHECKS
    assert event.data["english_fallback"] == review.checklist["english_fallback"]


def test_a_fully_translated_object_needs_no_choice(make_object, users, client):
    obj = _in_review(make_object, users, texts=_every_language())
    assert staff_selectors.untranslated(obj=obj) == {}
    catalog.object_approve(obj=obj, user=users["reviewer"], checklist=CHECKS)
    review = ObjectReview.objects.get(object=obj, action="approved")
    assert review.checklist == {"checked": CHECKS, "english_fallback": []}
    page = client.get(f"/de/objects/{obj.ref}/").content.decode()
    assert "Blue bag (de)" in page and "A bag (de)." in page
    assert NOTE not in page and 'lang="en"' not in page.split("<main", 1)[1]
    assert client.get(f"/api/v1/objects/{obj.ref}?language=de").json()["english_fields"] == []


def test_the_german_page_marks_english_text(make_object, users, client):
    """An English-only object on the German page: each English text carries lang="en" and
    the note "Shown in English" (in the visitor's language) beside it; the page's own
    headings stay German."""
    obj = make_object(title="Red carton")  # English only, approved with the choice
    page = client.get(f"/de/objects/{obj.ref}/").content.decode()
    main = page.split("<main", 1)[1]
    assert re.search(r'<h1 lang="en">Red carton</h1>', main)
    assert re.search(r'<p lang="en">Seen in several images.</p>', main)
    assert re.search(r'<ul class="questions" lang="en">', main)
    assert main.count(NOTE) == 3
    assert '<article class="object">' in main  # no lang="en" on the German headings
    # The English page shows no note.
    english = client.get(f"/en/objects/{obj.ref}/").content.decode()
    assert NOTE not in english
    # The API says which texts are in English.
    api = client.get(f"/api/v1/objects/{obj.ref}?language=de").json()
    assert api["english_fields"] == ["title", "description", "questions"]
    assert client.get(f"/api/v1/objects/{obj.ref}?language=en").json()["english_fields"] == []


def test_a_partly_translated_page_marks_only_the_missing_field(make_object, client):
    obj = make_object(texts={
        "en": {"title": "Green mug", "description": "A mug.", "questions": ["Where?"]},
        "de": {"title": "Grüne Tasse", "description": "", "questions": ["Wo?"]},
    })
    main = client.get(f"/de/objects/{obj.ref}/").content.decode().split("<main", 1)[1]
    assert "<h1>Grüne Tasse</h1>" in main and "<li>Wo?</li>" in main
    assert '<p lang="en">A mug.</p>' in main and main.count(NOTE) == 1
    api = client.get(f"/api/v1/objects/{obj.ref}?language=de").json()
    assert api["english_fields"] == ["description"] and api["description"] == "A mug."
    # The gallery card of a translated title is not marked.
    gallery = client.get("/de/").content.decode()
    assert '<span class="card-title">Grüne Tasse</span>' in gallery


# --------------------------------------------------------------------------- the pages


def test_the_review_pages_show_the_checklist(make_object, users, client):
    obj = _in_review(make_object, users)
    staff_login(client, users["reviewer"])
    for url in ("/internal/review/", f"/internal/objects/{obj.ref}/"):
        page = client.get(url).content.decode()
        assert "Review checklist" in page
        for name in CHECKS:
            assert f'name="checklist" value="{name}"' in page
        assert 'name="english_fallback"' in page and "German" in page


def test_approving_on_the_page(make_object, users, client):
    obj = _in_review(make_object, users)
    staff_login(client, users["reviewer"])
    url = f"/internal/objects/{obj.ref}/approve/"
    before = snapshot(obj)
    # Nothing ticked: refused, the lines named, nothing changed.
    refused = client.post(url, {"comment": "ok"})
    assert refused.status_code == 400
    assert "Tick every line of the review checklist" in refused.content.decode()
    # Every line, but no choice about the missing translations: refused, ticks kept.
    refused = client.post(url, {"checklist": CHECKS, "comment": "ok"})
    body = refused.content.decode()
    assert refused.status_code == 400 and "not translated" in body
    assert body.count('name="checklist" value="people" id=') == 1 and " checked>" in body
    assert snapshot(obj) == before
    done = client.post(url, {"checklist": CHECKS, "english_fallback": "on"})
    assert done.status_code == 302
    assert TracedObject.objects.get(pk=obj.pk).status == ObjectStatus.PUBLISHED
    history = client.get(f"/internal/objects/{obj.ref}/").content.decode()
    assert "Review checklist: every line ticked." in history and "German" in history


@pytest.mark.parametrize("data", [
    {"checklist": ["bogus"], "english_fallback": "on"},
    {"checklist": ["x" * 50_000], "english_fallback": "on"},
    {"checklist": CHECKS, "english_fallback": "on", "comment": "x" * 2001},
    {"checklist": CHECKS + ["people\x00"], "english_fallback": "on"},
])
def test_hostile_approval_forms_change_nothing(make_object, users, client, data):
    obj = _in_review(make_object, users)
    staff_login(client, users["reviewer"])
    before = snapshot(obj)
    response = client.post(f"/internal/objects/{obj.ref}/approve/", data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert snapshot(obj) == before


@pytest.mark.parametrize("body", [
    {"checklist": "people,identifying_text,metadata,languages", "english_fallback": True},
    {"checklist": CHECKS * 3, "english_fallback": True},
    {"checklist": [1, 2, 3, 4], "english_fallback": True},
    {"checklist": CHECKS, "english_fallback": "perhaps"},
    {"checklist": ["people", "identifying_text", "metadata", "bogus"], "english_fallback": True},
])
def test_hostile_approval_bodies_through_the_api(make_object, users, client, body):
    from traceobject.accounts.services import api_token_create

    obj = _in_review(make_object, users)
    _, token = api_token_create(user=users["reviewer"], name="t")
    before = snapshot(obj)
    response = client.post(f"/api/internal/v1/objects/{obj.ref}/approve", body,
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (400, 422), response.content
    assert "error" in response.json()
    after = snapshot(obj)
    after["audit"] = before["audit"]  # the token's creation is audited before
    assert after == before
