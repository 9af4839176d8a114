"""The publication workflow: every transition, every refusal, and what the public sees."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from traceobject.audit.models import AuditEvent
from traceobject.audit.services import audit_verify
from traceobject.catalog import selectors
from traceobject.catalog import services as catalog
from traceobject.catalog.models import (
    ObjectReview,
    ObjectStatus,
    ObjectText,
    ReviewAction,
    TracedObject,
)
from traceobject.core.errors import ServiceError

from .support import make_reviewer_too, snapshot

pytestmark = pytest.mark.django_db


def _refused(code: str, call, target: TracedObject, *, status: int | None = None, **kwargs):
    """`call(**kwargs)` is refused with `code` and changes nothing about `target`."""
    before = snapshot(target)
    with pytest.raises(ServiceError) as info:
        call(**kwargs)
    assert info.value.code == code, info.value.message
    if status is not None:
        assert info.value.status == status
    assert snapshot(target) == before, "a refused call changed something"
    return info.value


def _history(obj: TracedObject) -> list[str]:
    return list(ObjectReview.objects.filter(object=obj).values_list("action", flat=True))


# --------------------------------------------------------------------------- submit


def test_submit_sends_a_draft_to_review_and_records_it(draft, users):
    investigator = users["investigator"]
    assert draft.created_by == investigator
    catalog.object_submit(obj=draft, user=investigator)
    assert draft.status == ObjectStatus.IN_REVIEW
    assert draft.submitted_by == investigator and draft.submitted_at is not None
    assert _history(draft) == [ReviewAction.CREATED, ReviewAction.SUBMITTED]
    event = AuditEvent.objects.get(action="object.submit")
    assert event.actor == "ivy" and event.target == draft.ref
    assert audit_verify().ok


@pytest.mark.parametrize("role", ["reviewer", "liaison", "auditor", "administrator",
                                  "outsider"])
def test_only_investigators_submit(draft, users, role):
    _refused("forbidden", catalog.object_submit, draft, obj=draft, user=users[role],
             status=403)


def test_submit_needs_a_picture(make_object, users):
    bare = make_object(publish=False, image=False)
    error = _refused("not_ready", catalog.object_submit, bare, obj=bare,
                     user=users["investigator"])
    assert "picture" in error.message


def test_submit_needs_an_english_title(draft, users):
    ObjectText.objects.filter(object=draft, language="en").update(title="")
    error = _refused("not_ready", catalog.object_submit, draft, obj=draft,
                     user=users["investigator"])
    assert "English title" in error.message


def test_submit_only_from_draft(in_review, users):
    _refused("invalid_state", catalog.object_submit, in_review, obj=in_review,
             user=users["investigator"], status=409)


def test_anonymous_user_is_refused(draft):
    from django.contrib.auth.models import AnonymousUser

    _refused("forbidden", catalog.object_submit, draft, obj=draft, user=AnonymousUser())
    _refused("forbidden", catalog.object_submit, draft, obj=draft, user=None)


# --------------------------------------------------------------------------- crops and the gate


@pytest.fixture
def from_crop(users, evidence_store, tmp_path):
    """A draft made from an evidence crop that passed the gate."""
    from traceobject.evidence import crops
    from traceobject.evidence.ingest import ingest
    from traceobject.evidence.models import Crop, EvidenceImage

    from ..evidence.conftest import write_jpeg

    write_jpeg(tmp_path / "seized" / "IMG_0001.jpg", seed=11, size=(900, 600))
    ingest([tmp_path / "seized"], case_ref="CASE-7")
    crop = crops.crop_create(image=EvidenceImage.objects.get(),
                             rect={"x": 10, "y": 10, "w": 300, "h": 200},
                             user=users["investigator"])
    Crop.objects.filter(pk=crop.pk).update(gate_verdict=Crop.Verdict.PASS)
    crop.refresh_from_db()
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="packaging",
                               title="Carton from a crop")
    return obj, crop


def test_a_crop_that_failed_the_gate_blocks_submission_until_overridden(from_crop, users):
    from traceobject.evidence import crops
    from traceobject.evidence.models import Crop

    obj, crop = from_crop
    # E.g. the gate was run again with a newer model and now finds something.
    Crop.objects.filter(pk=crop.pk).update(gate_verdict=Crop.Verdict.FAIL)
    crop.refresh_from_db()
    error = _refused("not_ready", catalog.object_submit, obj, obj=obj,
                     user=users["investigator"])
    assert f"Crop {crop.pk} failed the safety gate" in error.message
    crops.crop_override(crop=crop, user=users["reviewer"],
                        reason="A printed drawing of a face on the carton, not a person.")
    catalog.object_submit(obj=obj, user=users["investigator"])
    assert obj.status == ObjectStatus.IN_REVIEW


def test_approval_checks_the_crop_again(from_crop, users):
    from traceobject.evidence.models import Crop

    obj, crop = from_crop
    catalog.object_submit(obj=obj, user=users["investigator"])
    Crop.objects.filter(pk=crop.pk).update(gate_verdict=Crop.Verdict.FAIL)
    _refused("not_ready", catalog.object_approve, obj, obj=obj, user=users["reviewer"])


def test_the_crop_author_cannot_approve_an_object_someone_else_submitted(from_crop, users):
    obj, crop = from_crop
    TracedObject.objects.filter(pk=obj.pk).update(created_by=users["investigator2"])
    obj.refresh_from_db()
    catalog.object_submit(obj=obj, user=users["investigator2"])
    ivy = make_reviewer_too(users["investigator"])  # made the crop (and its picture)
    _refused("four_eyes", catalog.object_approve, obj, obj=obj, user=ivy, status=403)


# --------------------------------------------------------------------------- approve


def test_a_second_person_approves_and_the_object_is_public(in_review, users, client):
    assert client.get(f"/en/objects/{in_review.ref}/").status_code == 404
    catalog.object_approve(obj=in_review, user=users["reviewer"], comment="Nothing personal.",
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    assert in_review.status == ObjectStatus.PUBLISHED
    assert in_review.approved_by == users["reviewer"] and in_review.published_at
    page = client.get(f"/en/objects/{in_review.ref}/")
    assert page.status_code == 200 and "Red carton" in page.content.decode()
    assert client.get(f"/api/v1/objects/{in_review.ref}").status_code == 200
    assert ObjectReview.objects.get(object=in_review, action="approved").comment == (
        "Nothing personal.")
    assert AuditEvent.objects.filter(action="object.approve", actor="rita").exists()


def test_the_author_cannot_approve_their_own_object(in_review, users):
    author = make_reviewer_too(users["investigator"])
    error = _refused("four_eyes", catalog.object_approve, in_review, obj=in_review,
                     user=author, status=403)
    assert "you created it" in error.message


def test_the_submitter_cannot_approve(draft, users):
    submitter = make_reviewer_too(users["investigator2"])
    catalog.object_submit(obj=draft, user=submitter)
    error = _refused("four_eyes", catalog.object_approve, draft, obj=draft, user=submitter)
    assert "you submitted it" in error.message


def test_four_eyes_holds_for_superusers(users, make_object):
    boss = User.objects.create_superuser("boss", password="x")  # noqa: S106
    obj = catalog.object_create(user=boss, category="toys",
                                texts={"en": {"title": "Teddy bear"}})
    from PIL import Image

    catalog.object_image_add(obj=obj, image=Image.new("RGB", (64, 64), (200, 30, 30)))
    catalog.object_submit(obj=obj, user=boss)
    _refused("four_eyes", catalog.object_approve, obj, obj=obj, user=boss)
    catalog.object_approve(obj=obj, user=users["reviewer"],
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    assert obj.status == ObjectStatus.PUBLISHED


@pytest.mark.parametrize("role", ["investigator2", "administrator", "liaison", "auditor",
                                  "outsider"])
def test_only_reviewers_approve(in_review, users, role):
    _refused("forbidden", catalog.object_approve, in_review, obj=in_review, user=users[role])


def test_approve_only_in_review(draft, published, users):
    for obj in (draft, published):
        _refused("invalid_state", catalog.object_approve, obj, obj=obj, user=users["reviewer"])


def test_approval_comment_is_bounded(in_review, users):
    _refused("invalid", catalog.object_approve, in_review, obj=in_review,
             user=users["reviewer"], comment="x" * 2001)


# --------------------------------------------------------------------------- reject


def test_reject_sends_it_back_with_the_comment(in_review, users):
    catalog.object_reject(obj=in_review, user=users["reviewer"],
                          comment="The description names the town: remove it.")
    assert in_review.status == ObjectStatus.DRAFT and in_review.submitted_by is None
    review = ObjectReview.objects.get(object=in_review, action="rejected")
    assert review.user == users["reviewer"] and "names the town" in review.comment
    catalog.object_submit(obj=in_review, user=users["investigator"])  # and again
    assert in_review.status == ObjectStatus.IN_REVIEW


@pytest.mark.parametrize("comment", ["", "   ", "no", "\x00" * 20, "y" * 2001])
def test_reject_needs_a_real_comment(in_review, users, comment):
    with pytest.raises(ServiceError):
        catalog.object_reject(obj=in_review, user=users["reviewer"], comment=comment)
    in_review.refresh_from_db()
    assert in_review.status == ObjectStatus.IN_REVIEW


def test_reject_refusals(in_review, draft, users, make_object):
    _refused("forbidden", catalog.object_reject, in_review, obj=in_review,
             user=users["investigator"], comment="Please look again at it.")
    other = make_object(publish=False)
    _refused("invalid_state", catalog.object_reject, other, obj=other,
             user=users["reviewer"], comment="Please look again at it.")


# --------------------------------------------------------------------------- withdraw


def test_withdrawn_objects_leave_the_public_site(published, users, client):
    image = published.images.get()
    image_url = f"/media/{image.folder}/{image.widths[0]}.jpg"
    assert client.get(image_url).status_code == 200
    catalog.object_withdraw(obj=published, user=users["reviewer"],
                            reason="A reflection in the carton shows a face.")
    assert published.status == ObjectStatus.WITHDRAWN and published.withdrawn_at
    assert client.get(f"/en/objects/{published.ref}/").status_code == 404
    assert client.get(f"/api/v1/objects/{published.ref}").status_code == 404
    assert client.get(image_url).status_code == 404
    assert published.ref not in client.get("/en/").content.decode()
    assert not selectors.visible_objects().filter(pk=published.pk).exists()
    assert AuditEvent.objects.get(action="object.withdraw").data["was"] == "published"


def test_identified_objects_can_be_withdrawn(make_object, users, client):
    obj = make_object(identified="PL")
    catalog.object_withdraw(obj=obj, user=users["investigator"],
                            reason="The family asked us to take it down.")
    assert client.get(f"/en/objects/{obj.ref}/").status_code == 404
    assert selectors.statistics().objects_identified == 0


def test_withdraw_refusals(published, draft, users):
    reason = "Shows a shop assistant's name tag."
    for role in ("administrator", "liaison", "auditor", "outsider"):
        _refused("forbidden", catalog.object_withdraw, published, obj=published,
                 user=users[role], reason=reason)
    _refused("comment_required", catalog.object_withdraw, published, obj=published,
             user=users["reviewer"], reason="short")
    _refused("invalid_state", catalog.object_withdraw, draft, obj=draft,
             user=users["reviewer"], reason=reason)
    catalog.object_withdraw(obj=published, user=users["reviewer"], reason=reason)
    for call, kwargs in (
        (catalog.object_withdraw, {"reason": reason}),
        (catalog.object_mark_identified, {"country": "PL"}),
        (catalog.object_texts_set, {"texts": {"en": {"title": "Back again"}}}),
    ):
        _refused("invalid_state", call, published, obj=published,
                 user=users["investigator"], **kwargs)


# --------------------------------------------------------------------------- identified


def _numbers(client) -> list[int]:
    page = client.get("/en/statistics/").content.decode()
    return [int(n) for n in re.findall(r"<dd>\s*(\d+)\s*</dd>", page)]


def test_identified_objects_show_the_thank_you_and_count(published, users, client):
    assert _numbers(client)[:4] == [1, 0, 0, 0]
    catalog.object_mark_identified(
        obj=published, user=users["investigator"], country="pl",
        thank_you={"en": "Thanks to 14 tips, the shop was found.",
                   "de": "Dank 14 Hinweisen wurde das Geschäft gefunden."})
    assert published.status == ObjectStatus.IDENTIFIED and published.identified_country == "PL"
    english = client.get(f"/en/objects/{published.ref}/").content.decode()
    assert "Identified: thank you" in english
    assert "Thanks to 14 tips, the shop was found." in english
    assert "Poland" in english
    german = client.get(f"/de/objects/{published.ref}/").content.decode()
    assert "Dank 14 Hinweisen wurde das Geschäft gefunden." in german
    assert published.ref in client.get("/en/identified/").content.decode()
    assert _numbers(client)[:4] == [1, 0, 1, 1]
    stats = selectors.statistics()
    assert stats.objects_identified == 1 and stats.countries_found == 1
    assert ObjectReview.objects.filter(object=published, action="identified").exists()


def test_identified_refusals(published, draft, users):
    investigator = users["investigator"]
    _refused("invalid", catalog.object_mark_identified, published, obj=published,
             user=investigator, country="XX")
    _refused("invalid", catalog.object_mark_identified, published, obj=published,
             user=investigator, thank_you={"fr": "Merci"})  # no French texts
    _refused("invalid", catalog.object_mark_identified, published, obj=published,
             user=investigator, thank_you={"xx": "?"})
    _refused("invalid", catalog.object_mark_identified, published, obj=published,
             user=investigator, thank_you={"en": "x" * 2001})
    _refused("invalid", catalog.object_mark_identified, published, obj=published,
             user=investigator, thank_you="Thanks")
    _refused("invalid_state", catalog.object_mark_identified, draft, obj=draft,
             user=investigator, country="PL")
    for role in ("administrator", "liaison", "auditor", "outsider"):
        _refused("forbidden", catalog.object_mark_identified, published, obj=published,
                 user=users[role], country="PL")


# --------------------------------------------------------------------------- editing


def test_editing_a_published_objects_texts_is_live_and_recorded(published, users, client):
    catalog.object_texts_set(obj=published, user=users["investigator"], texts={
        "en": {"title": "Navy shop bag", "description": "Plastic.", "questions": ["Who?"]}})
    published.refresh_from_db()
    assert published.status == ObjectStatus.PUBLISHED
    assert "Navy shop bag" in client.get(f"/en/objects/{published.ref}/").content.decode()
    assert ObjectReview.objects.get(object=published, action="texts").comment == "en"
    assert AuditEvent.objects.get(action="object.texts_set").data["status"] == "published"


def test_texts_per_language_and_removal(draft, users):
    catalog.object_texts_set(obj=draft, user=users["investigator"], texts={
        "pl": {"title": "Czerwony karton", "questions": ["Gdzie?", "  ", "Kto?"],
               "thank_you": ""},
        "de": {"title": "", "description": "", "questions": [], "thank_you": ""}})
    texts = {t.language: t for t in draft.texts.all()}
    assert set(texts) == {"en", "pl"}
    assert texts["pl"].questions == ["Gdzie?", "Kto?"]
    assert _history(draft) == [ReviewAction.CREATED]  # drafts: no review history noise


@pytest.mark.parametrize("texts", [
    {},
    "en",
    {"xx": {"title": "Unknown language"}},
    {"EN": {"title": "Upper-case code"}},
    {"en": {"title": ""}},
    {"en": {"title": "", "description": "Only a description"}},
    {"de": {"description": "No title"}},
    {"en": {"title": "t" * 201}},
    {"en": {"title": "Bag", "description": "d" * 5001}},
    {"en": {"title": "Bag", "questions": [f"Question {i}?" for i in range(11)]}},
    {"en": {"title": "Bag", "questions": ["q" * 501]}},
    {"en": {"title": "Bag", "questions": "Where is it sold?"}},
    {"en": {"title": "Bag", "questions": [{"nested": 1}]}},
    {"en": {"title": "Bag", "thank_you": "t" * 2001}},
    {"en": {"title": "Bag\x00"}},
    {"en": {"title": 42}},
    {"en": ["title"]},
])
def test_bad_texts_are_refused_and_change_nothing(draft, users, texts):
    before = snapshot(draft)
    with pytest.raises(ServiceError):
        catalog.object_texts_set(obj=draft, user=users["investigator"], texts=texts)
    assert snapshot(draft) == before


def test_only_investigators_edit(draft, users):
    for role in ("reviewer", "administrator", "liaison", "auditor", "outsider"):
        _refused("forbidden", catalog.object_texts_set, draft, obj=draft, user=users[role],
                 texts={"en": {"title": "Changed"}})
        _refused("forbidden", catalog.object_update, draft, obj=draft, user=users[role],
                 category="toys", campaign=None, position=1)


def test_object_update(draft, users, campaign):
    catalog.object_update(obj=draft, user=users["investigator"], category="toys",
                          campaign=None, position=7)
    assert (draft.category, draft.campaign_id, draft.position) == ("toys", None, 7)
    event = AuditEvent.objects.get(action="object.update")
    assert event.data["before"]["category"] == "packaging"
    for kwargs in ({"category": "weapons", "campaign": None, "position": 1},
                   {"category": "toys", "campaign": None, "position": -1},
                   {"category": "toys", "campaign": None, "position": True},
                   {"category": "toys", "campaign": None, "position": 10**9}):
        _refused("invalid", catalog.object_update, draft, obj=draft,
                 user=users["investigator"], **kwargs)


def test_object_create_validates_and_audits(users, campaign):
    investigator = users["investigator"]
    with pytest.raises(ServiceError):
        catalog.object_create(user=investigator, category="toys", texts={"de": {"title": "x"}})
    with pytest.raises(ServiceError):
        catalog.object_create(user=investigator, category="nope", texts={"en": {"title": "x"}})
    with pytest.raises(ServiceError):
        catalog.object_create(user=users["reviewer"], category="toys",
                              texts={"en": {"title": "x"}})
    assert not TracedObject.objects.exists() and not AuditEvent.objects.filter(
        action="object.create").exists()
    obj = catalog.object_create(user=investigator, category="toys",
                                texts={"en": {"title": "Toy car"}}, campaign=campaign)
    assert obj.status == ObjectStatus.DRAFT and obj.created_by == investigator
    assert AuditEvent.objects.get(action="object.create").target == obj.ref


def test_reordering_pictures_keeps_a_published_object_public(published, users, object_png):
    # A second picture needs a new review; after approval, reordering needs none.
    catalog.object_image_upload(obj=published, user=users["investigator2"], data=object_png)
    catalog.object_approve(obj=published, user=users["reviewer"],
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    first, second = published.images.order_by("position", "id")
    catalog.object_image_move(obj=published, user=users["investigator"], image=second,
                              offset=-1)
    published.refresh_from_db()
    assert published.status == ObjectStatus.PUBLISHED
    assert list(published.images.order_by("position").values_list("id", flat=True)) == [
        second.pk, first.pk]
    for order in ([first.pk], [first.pk, first.pk], [first.pk, second.pk, 999_999]):
        _refused("invalid", catalog.object_images_reorder, published, obj=published,
                 user=users["investigator"], order=order)
    with pytest.raises(ServiceError):
        catalog.object_image_move(obj=published, user=users["investigator"], image=first,
                                  offset=5)


def test_image_add_primitive_refuses_public_objects(published):
    from PIL import Image

    before = snapshot(published)
    with pytest.raises(ServiceError):
        catalog.object_image_add(obj=published, image=Image.new("RGB", (64, 64)))
    assert snapshot(published) == before


def test_the_demo_publishes_through_the_workflow(settings, tmp_path):
    """The demo loader uses the four-eyes workflow: author and approver differ."""
    from traceobject.demo.data import demo_load

    assert demo_load(image_size=(160, 120))
    public = TracedObject.objects.filter(status__in=["published", "identified"])
    assert public.exists()
    for obj in public:
        assert obj.created_by.username == "investigator"
        assert obj.approved_by.username == "reviewer"


def test_review_history_lists_every_step(published, users):
    catalog.object_mark_identified(obj=published, user=users["reviewer"], country="DE")
    catalog.object_withdraw(obj=published, user=users["reviewer"],
                            reason="Identified and closed; no longer needed.")
    assert _history(published) == ["created", "submitted", "approved", "identified",
                                   "withdrawn"]

