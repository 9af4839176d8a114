"""Four-eyes: whoever rewrites the texts of an object in review cannot approve it
(security review: an investigator who is also a reviewer could otherwise replace someone
else's submitted wording and publish it alone)."""

from __future__ import annotations

import pytest

from traceobject.catalog import services as catalog
from traceobject.catalog.models import ObjectStatus, TracedObject
from traceobject.core.errors import ServiceError

from .support import make_reviewer_too

pytestmark = pytest.mark.django_db


def test_rewriting_texts_in_review_blocks_the_editors_approval(in_review, users, client):
    editor = make_reviewer_too(users["investigator2"])  # neither author nor submitter
    catalog.object_texts_set(obj=in_review, user=editor, texts={
        "en": {"title": "Rewritten title", "description": "Nobody else read this."}})
    in_review.refresh_from_db()
    assert in_review.status == ObjectStatus.IN_REVIEW
    assert in_review.submitted_by == editor
    with pytest.raises(ServiceError) as info:
        catalog.object_approve(obj=in_review, user=editor)
    assert info.value.code == "four_eyes"
    assert TracedObject.objects.get(pk=in_review.pk).status == ObjectStatus.IN_REVIEW
    assert client.get(f"/en/objects/{in_review.ref}/").status_code == 404
    # A second person still can.
    catalog.object_approve(obj=in_review, user=users["reviewer"],
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    assert TracedObject.objects.get(pk=in_review.pk).status == ObjectStatus.PUBLISHED


def test_rewriting_texts_in_review_through_the_page_blocks_approval(in_review, users, login,
                                                                     client):
    editor = make_reviewer_too(users["investigator2"])
    login(editor)
    response = client.post(f"/internal/objects/{in_review.ref}/texts/", {
        "language": "en", "title": "Rewritten title", "description": "Mine now.",
        "questions": "", "thank_you": ""})
    assert response.status_code in (200, 302)
    in_review.refresh_from_db()
    assert in_review.texts.get(language="en").title == "Rewritten title"
    approve = client.post(f"/internal/objects/{in_review.ref}/approve/", {"comment": ""})
    assert TracedObject.objects.get(pk=in_review.pk).status == ObjectStatus.IN_REVIEW
    assert approve.status_code in (302, 403)
