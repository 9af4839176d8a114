"""Nothing twice on the public site: the tip form and the mailbox answer are posted once and
answered with a redirect; a reload, a resubmission or a double click stores nothing more and
shows the first answer again, to the same browser only."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.public.support import (
    form_token,
    mailbox_post,
    receipt_of,
    reply_post,
    tip_post,
    tokens,
)
from traceobject.core import crypto
from traceobject.public import views
from traceobject.tips import intake
from traceobject.tips.models import Direction, MailboxMessage, OnceKey, Receipt, SealedTip

pytestmark = pytest.mark.django_db

RECEIPT_PATH = re.compile(r"^/en/receipt/([A-Za-z0-9_-]{22})/$")


@pytest.fixture(autouse=True)
def lenient(settings) -> None:
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _token_drawn(*, hours_ago: float) -> str:
    """A form token as this site would have drawn it `hours_ago`."""
    import secrets
    import time

    from django.core import signing

    from traceobject.tips import once

    class Then(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time() - hours_ago * 3600))

    return Then(salt=once._FORM_TOKEN_SALT).sign(secrets.token_urlsafe(16))


def _later(monkeypatch, *, minutes: float) -> None:
    """From now on the clock reads `minutes` later."""
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real() + timedelta(minutes=minutes))


# The tip form


def test_tip_form_answers_with_a_redirect_and_a_reload_shows_the_same_receipt(
        client, published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    form = client.get(url)
    assert "no-store" in form["Cache-Control"]
    assert views.FORM_COOKIE in form.cookies  # the browser's secret comes with the form
    cookie = form.cookies[views.FORM_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["max-age"]
    posted = client.post(url, {"text": "Sold at the market in Łódź.",
                               "form_token": tokens(form)[0]})
    assert posted.status_code == 303
    assert "no-store" in posted["Cache-Control"]
    location = posted["Location"]
    assert RECEIPT_PATH.match(location), location
    first = client.get(location)
    assert first.status_code == 200
    assert "no-store" in first["Cache-Control"]
    receipt = receipt_of(first)
    assert receipt not in location
    again = client.get(location)  # a reload
    assert receipt_of(again) == receipt
    assert SealedTip.objects.count() == 1 and Receipt.objects.count() == 1
    assert OnceKey.objects.count() == 1


def test_a_resubmitted_or_double_clicked_form_stores_one_tip(client, published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    token = form_token(client, url)
    data = {"text": "Seen in Gdańsk.", "country": "PL", "form_token": token}
    first = client.post(url, data)
    second = client.post(url, data)  # the browser's "resubmit", or the second click
    edited = client.post(url, {**data, "text": "Seen in Gdynia, in fact."})  # back, edit, send
    assert first.status_code == second.status_code == edited.status_code == 303
    assert first["Location"] == second["Location"] == edited["Location"]
    assert SealedTip.objects.count() == 1
    assert receipt_of(client.get(first["Location"])) == receipt_of(client.get(
        second["Location"]))
    # A new form is a new tip.
    assert tip_post(client, published.ref, {"text": "Another tip."}).status_code == 200
    assert SealedTip.objects.count() == 2


def test_the_receipt_is_shown_to_the_sending_browser_only(client, published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    token = form_token(client, url)
    location = client.post(url, {"text": "Seen in Poznań.", "form_token": token})["Location"]
    receipt = receipt_of(client.get(location))
    stranger = Client()
    page = stranger.get(location)
    assert page.status_code == 404
    assert receipt not in page.content.decode()
    # The stranger's own browser secret makes the same token another key: their post is their
    # own tip, with their own receipt, and the first tipster's record is untouched.
    form_token(stranger, url)
    theirs = stranger.post(url, {"text": "Seen in Poznań.", "form_token": token}, follow=True)
    assert receipt_of(theirs) != receipt
    assert SealedTip.objects.count() == 2
    assert receipt_of(client.get(location)) == receipt
    # The database holds neither the token nor the receipt in a readable form.
    for row in OnceKey.objects.all():
        stored = f"{row.digest} {row.request} {bytes(row.sealed or b'')!r}"
        assert token.split(":")[0] not in stored and receipt not in stored


def test_a_form_without_a_good_token_keeps_what_was_typed_and_stores_nothing(
        client, published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    good = form_token(client, url)
    for token in ("", "forged", good[:-2] + "xx", "A" * 300):
        response = client.post(url, {"text": "Sold in Toruń.", "form_token": token})
        assert response.status_code == 400, token
        page = _text(response)
        assert "This form is out of date" in page
        assert "Sold in Toruń." in page
        fresh = tokens(response)[0]
        assert fresh != token and fresh != good
    assert SealedTip.objects.count() == 0
    # No browser secret (cookies blocked): the form cannot be sent twice safely, so not once.
    cookieless = Client()
    response = cookieless.post(url, {"text": "Sold in Toruń.", "form_token": good})
    assert response.status_code == 400 and "did not send back this site's cookies" in _text(
        response)
    assert "Sold in Toruń." in _text(response)
    assert SealedTip.objects.count() == 0
    # The page it gets back sets its secret: with the token drawn there, it goes through.
    assert views.FORM_COOKIE in response.cookies
    sent = cookieless.post(url, {"text": "Sold in Toruń.", "form_token": tokens(response)[0]})
    assert sent.status_code == 303
    assert SealedTip.objects.count() == 1


def test_an_out_of_date_token_is_refused(client, published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    form_token(client, url)  # the browser's secret
    token = _token_drawn(hours_ago=25)  # the default lifetime is 24 hours
    response = client.post(url, {"text": "Sold in Toruń.", "form_token": token})
    assert response.status_code == 400 and "This form is out of date" in _text(response)
    assert SealedTip.objects.count() == 0


def test_invalid_form_keeps_its_token(client, published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    token = form_token(client, url)
    response = client.post(url, {"text": "", "form_token": token})
    assert response.status_code == 400
    assert tokens(response) == [token]  # nothing was stored with it: it is still good
    assert client.post(url, {"text": "Now with text.", "form_token": token}).status_code == 303
    assert SealedTip.objects.count() == 1


# The receipt page


def test_the_receipt_noted_down_is_not_shown_again(client, published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    token = form_token(client, url)
    location = client.post(url, {"text": "Seen in Lublin.", "form_token": token})["Location"]
    page = client.get(location)
    receipt = receipt_of(page)
    text = _text(page)
    assert "What happens next" in text
    assert "I have written my receipt down" in text
    # Leaving without the check: refused, the receipt stays.
    unticked = client.post(location, {})
    assert unticked.status_code == 400
    assert receipt_of(unticked) == receipt
    assert "Tick the box once you have written your receipt down." in _text(unticked)
    ticked = client.post(location, {"written": "on"})
    assert ticked.status_code == 303 and ticked["Location"] == "/en/"
    gone = client.get(location)
    assert gone.status_code == 410
    assert receipt not in gone.content.decode()
    assert "This tip has been sent and stored" in _text(gone)
    # A resubmission still stores nothing, and shows no receipt.
    again = client.post(url, {"text": "Seen in Lublin.", "form_token": token}, follow=True)
    assert receipt not in again.content.decode()
    assert SealedTip.objects.count() == 1
    assert OnceKey.objects.get().sealed is None


def test_the_receipt_is_shown_again_for_a_limited_time(client, published, monkeypatch) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    location = tip_post(client, published.ref, {"text": "Seen in Opole."}, follow=False)[
        "Location"]
    assert client.get(location).status_code == 200
    _later(monkeypatch, minutes=61)  # the default is an hour
    later = client.get(location)
    assert later.status_code == 410
    assert not re.search(r'id="receipt"', later.content.decode())
    assert url  # the form itself is untouched


def test_the_receipt_page_opens_the_mailbox_without_the_receipt_in_an_address(
        client, published) -> None:
    page = tip_post(client, published.ref, {"text": "Seen in Kielce."})
    receipt = receipt_of(page)
    forms = re.findall(r'<form method="post" action="/en/mailbox/".*?</form>',
                       page.content.decode(), re.S)
    assert len(forms) == 1 and f'name="receipt" value="{receipt}"' in forms[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', forms[0]))
    opened = client.post("/en/mailbox/", {k: html.unescape(v) for k, v in fields.items()})
    assert opened.status_code == 303
    assert receipt not in opened["Location"]
    assert re.match(r"^/en/mailbox/[A-Za-z0-9_-]{22}/$", opened["Location"])
    mailbox = client.get(opened["Location"])
    assert mailbox.status_code == 200 and "no-store" in mailbox["Cache-Control"]
    assert published.ref in mailbox.content.decode()
    assert receipt not in mailbox.content.decode().replace(f'value="{receipt}"', "")


def test_a_form_keys_answer_is_dropped_after_two_hours_the_key_a_day_after(
        client, published) -> None:
    from traceobject.tips import once

    url = f"/en/objects/{published.ref}/tip/"
    token = form_token(client, url)
    location = client.post(url, {"text": "Seen in Opole.", "form_token": token})["Location"]
    api_key = client.post(f"/api/v1/objects/{published.ref}/tips", {"text": "Seen in Nysa."},
                          content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert api_key.status_code == 201
    OnceKey.objects.update(created_at=timezone.now() - timedelta(hours=2, minutes=1))
    assert once.once_purge() == 0
    form_row, api_row = OnceKey.objects.order_by("id")
    assert form_row.sealed is None and api_row.sealed is not None  # the API's answer stays
    gone = client.get(location)
    assert gone.status_code == 410 and "This tip has been sent and stored" in _text(gone)
    # The key itself stays its day: the form sent again still stores nothing.
    assert client.post(url, {"text": "Seen in Opole.", "form_token": token}).status_code == 303
    assert SealedTip.objects.count() == 2


def test_a_bot_gets_a_receipt_page_and_nothing_is_stored(client, published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    response = client.post(url, {"text": "Cheap watches", "website": "http://spam.example",
                                 "form_token": form_token(client, url)})
    assert response.status_code == 200
    assert re.search(r'id="receipt"', response.content.decode())
    assert SealedTip.objects.count() == 0 and OnceKey.objects.count() == 0


# The mailbox


def test_opening_the_mailbox_redirects_and_the_page_reloads_without_posting(
        client, published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    opened = mailbox_post(client, receipt, follow=False)
    assert opened.status_code == 303
    location = opened["Location"]
    assert receipt not in location
    first = client.get(location)
    assert first.status_code == 200 and published.ref in first.content.decode()
    reload = client.get(location)
    assert reload.status_code == 200 and published.ref in reload.content.decode()
    # Another browser gets the door, not the mailbox.
    other = Client().get(location)
    assert other.status_code == 200
    assert "Your mailbox was closed" in _text(other)
    assert published.ref not in other.content.decode()


def test_the_mailbox_page_closes_after_a_while(client, published, monkeypatch) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    location = mailbox_post(client, receipt, follow=False)["Location"]
    assert published.ref in client.get(location).content.decode()
    _later(monkeypatch, minutes=31)  # the default is 30 minutes
    closed = client.get(location)
    assert "Your mailbox was closed" in _text(closed)
    assert published.ref not in closed.content.decode()


def test_an_answer_is_stored_once_however_often_it_is_sent(client, published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    sealed_tip = SealedTip.objects.get()
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed_tip.id, text="Which street?")
    box = mailbox_post(client, receipt)
    first = reply_post(client, box, "Długa street.", follow=False)
    assert first.status_code == 303
    location = first["Location"]
    assert receipt not in location
    # The same form again (a reload of the POST, a double click): the same page, no new row.
    second = reply_post(client, box, "Długa street.", follow=False)
    assert second.status_code == 303 and second["Location"] == location
    answers = MailboxMessage.objects.filter(direction=Direction.FROM_TIPSTER)
    assert answers.count() == 1
    page = client.get(location)
    assert "Your message has been sent." in _text(page)
    assert client.get(location).status_code == 200  # a reload posts nothing
    assert answers.count() == 1
    # Another answer from a new form is another message.
    reply_post(client, page, "And it was in 2021.")
    assert answers.count() == 2


def test_an_addition_goes_with_the_chosen_tip(client, published, make_object) -> None:
    other = make_object(title="Red towel", image=False)
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "First."}))
    intake.tip_submit(ref=other.ref, tip=intake.tip_validate({"text": "Second."}),
                      receipt=receipt)
    first, second = SealedTip.objects.order_by("id")
    box = mailbox_post(client, receipt)
    page = box.content.decode()
    assert page.count('action="/en/mailbox/reply/"') == 2
    reply_post(client, box, "More about the second one.", tip=2)
    added = MailboxMessage.objects.get(direction=Direction.FROM_TIPSTER)
    assert added.sealed_tip_id == second.id
    # A tip number this mailbox does not have is refused, with nothing stored.
    token = tokens(box)[0]  # the first form's token is still unused
    refused = client.post("/en/mailbox/reply/", {"receipt": receipt, "tip": 3,
                                                 "text": "Which one?", "form_token": token})
    assert refused.status_code == 400
    assert "This tip is not in your mailbox." in _text(refused)
    assert MailboxMessage.objects.filter(direction=Direction.FROM_TIPSTER).count() == 1


def test_the_tipster_sees_their_own_tip_when_they_ask(client, published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({
        "text": "Sold at <b>Biedronka</b>.", "place": "Gdańsk", "country": "PL",
        "language": "en"}))
    location = mailbox_post(client, receipt, follow=False)["Location"]
    page = client.get(location).content.decode()
    assert "Biedronka" not in page  # someone else may see the screen
    assert "Show what I wrote" in page
    shown = client.get(location + "?show=own").content.decode()
    assert "Sold at &lt;b&gt;Biedronka&lt;/b&gt;." in shown
    assert "Gdańsk" in html.unescape(shown) and "Poland" in shown
    # Stored sealed to the receipt's mailbox key: the row holds nothing readable.
    copy = MailboxMessage.objects.get(direction=Direction.TIP_COPY)
    assert b"Biedronka" not in bytes(copy.sealed)
    other = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "Other."}))
    theirs = client.get(mailbox_post(Client(), other, follow=False)["Location"] + "?show=own")
    assert "Biedronka" not in theirs.content.decode()


def test_answers_follow_the_questions_they_answer(client, published) -> None:
    """Tipsters' times are kept to the hour; an answer must still come after its question
    (an answer at 19:45 to a question of 19:30 was stamped 19:00, above the question)."""
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    sealed_tip = SealedTip.objects.get()
    question = intake.mailbox_message_to_tipster(sealed_tip_id=sealed_tip.id,
                                                 text="Which street?")
    answer = intake.mailbox_reply(receipt=receipt, text="Długa street.")
    assert answer.created_at >= question.created_at
    assert answer.created_at.minute in (0, question.created_at.minute)  # no finer trace
    box = intake.mailbox_open(receipt=receipt)
    assert [m.direction for m in box.messages] == ["tip_copy", "to_tipster", "from_tipster"]
    page = client.get(mailbox_post(client, receipt, follow=False)["Location"]).content.decode()
    assert page.index("message-to_tipster") < page.index("message-from_tipster")


def test_times_are_shown_in_the_visitors_time_zone(client, published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    question = intake.mailbox_message_to_tipster(sealed_tip_id=SealedTip.objects.get().id,
                                                 text="Which street?")
    MailboxMessage.objects.filter(id=question.id).update(
        created_at=question.created_at.replace(year=2026, month=1, day=15, hour=18, minute=30))
    warsaw = _text(client.get(mailbox_post(client, receipt, tz="Europe/Warsaw",
                                           follow=False)["Location"]))
    assert "Times are shown in the time zone Europe/Warsaw." in warsaw
    assert "7:30 p.m." in warsaw  # 18:30 UTC in Warsaw in January
    utc = _text(mailbox_post(client, receipt, tz="Mars/Olympus_Mons"))
    assert "Times are shown in the time zone UTC." in utc
    assert "6:30 p.m." in utc


def test_a_question_in_another_language_says_which(client, published,
                                                   use_compiled_locales) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    sealed_tip = SealedTip.objects.get()
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed_tip.id, text="Which street?",
                                      language="en")
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed_tip.id, text="Która ulica?",
                                      language="pl")
    polish = client.get(mailbox_post(client, receipt, language="pl", follow=False)["Location"])
    page = _text(polish)
    assert "Język: angielski" in page or "Język: Angielski" in page
    assert page.count('class="message-language"') == 1  # none for the Polish question
    assert 'lang="en">Which street?' in page
    english = _text(client.get(mailbox_post(client, receipt, follow=False)["Location"]))
    assert "Language: Polish" in english
    assert english.count('class="message-language"') == 1


def test_receipts_are_never_in_an_address(client, published) -> None:
    page = tip_post(client, published.ref, {"text": "Seen in Radom."})
    receipt = receipt_of(page)
    for response in (page, *page.redirect_chain):
        url = response[0] if isinstance(response, tuple) else response.request["PATH_INFO"]
        assert receipt not in url
        assert crypto.receipt_normalize(receipt) not in url


# The lifetimes are settings: a changed setting changes what the pages do.


def test_the_form_tokens_lifetime_is_a_setting(client, published, settings) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    form_token(client, url)
    settings.FORM_TOKEN_HOURS = 1
    refused = client.post(url, {"text": "Sold in Toruń.", "form_token": _token_drawn(
        hours_ago=2)})
    assert refused.status_code == 400 and "This form is out of date" in _text(refused)
    settings.FORM_TOKEN_HOURS = 3
    taken = client.post(url, {"text": "Sold in Toruń.", "form_token": _token_drawn(hours_ago=2)})
    assert taken.status_code == 303 and SealedTip.objects.count() == 1


def test_how_long_a_receipt_is_shown_again_is_a_setting(client, published, settings,
                                                        monkeypatch) -> None:
    settings.RECEIPT_SHOWN_MINUTES = 90
    location = tip_post(client, published.ref, {"text": "Seen in Opole."}, follow=False)[
        "Location"]
    _later(monkeypatch, minutes=75)  # past the default hour, within the setting
    assert client.get(location).status_code == 200
    settings.RECEIPT_SHOWN_MINUTES = 70
    assert client.get(location).status_code == 410


def test_how_long_a_mailbox_stays_open_is_a_setting(client, published, settings,
                                                    monkeypatch) -> None:
    settings.MAILBOX_OPEN_MINUTES = 5
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    location = mailbox_post(client, receipt, follow=False)["Location"]
    _later(monkeypatch, minutes=6)
    assert "Your mailbox was closed" in _text(client.get(location))
    settings.MAILBOX_OPEN_MINUTES = 45
    assert published.ref in client.get(location).content.decode()


def test_the_one_time_keys_are_kept_as_long_as_the_longest_lifetime(settings) -> None:
    from traceobject.tips import once

    assert once.keep() == timedelta(hours=25) and once.form_answer_keep() == timedelta(hours=2)
    settings.FORM_TOKEN_HOURS = 72
    settings.MAILBOX_OPEN_MINUTES = 180
    assert once.keep() == timedelta(hours=73) and once.form_answer_keep() == timedelta(hours=4)


# A browser that blocks cookies (or cleared them since the form was drawn): CSRF protection
# refuses the post; the tip form comes back with what was typed and says what it needs.


def _cookieless_post(url: str, data: dict[str, str], **headers: str):
    drawn = Client(enforce_csrf_checks=True).get(url)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', drawn.content.decode())
    fields = {**data, "csrfmiddlewaretoken": csrf.group(1), "form_token": tokens(drawn)[0]}
    return Client(enforce_csrf_checks=True).post(url, fields, **headers)


def test_a_tip_form_without_cookies_comes_back_with_what_was_typed(published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    typed = {"text": "Sold in Toruń, <b>market</b> hall.", "place": "Rynek 5",
             "contact_email": "ola@example.org", "country": "PL", "website": ""}
    response = _cookieless_post(url, typed, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 403 and response["Cache-Control"] == "no-store"
    page = _text(response)
    assert "Cookies are needed to send this form" in page
    assert "Your tip has not been sent yet" in page
    assert "deleted when you close your browser" in page and "up to a year" in page
    # What was typed is in the form again (escaped: the markup is text), nothing is stored.
    assert "&lt;b&gt;market&lt;/b&gt;" in response.content.decode()
    assert 'value="Rynek 5"' in page and 'value="ola@example.org"' in page
    assert re.search(r'<option value="PL" selected>', page)
    assert SealedTip.objects.count() == 0 and OnceKey.objects.count() == 0
    # The page draws a new token and sets the cookies again: once allowed, the form goes.
    assert {"csrftoken", views.FORM_COOKIE} <= set(response.cookies)
    assert tokens(response)


def test_another_sites_post_gets_no_form_back(published) -> None:
    url = f"/en/objects/{published.ref}/tip/"
    for headers in ({}, {"HTTP_SEC_FETCH_SITE": "cross-site"}):
        response = _cookieless_post(url, {"text": "Planted by another site."}, **headers)
        assert response.status_code == 403
        page = _text(response)
        assert "Cookies are needed to send this form" in page
        assert "Planted by another site." not in page and "form_token" not in page
    # Another origin is refused before cookies are looked at.
    other = _cookieless_post(url, {"text": "Planted."}, HTTP_ORIGIN="https://evil.example")
    assert other.status_code == 403 and "Planted." not in _text(other)
    assert SealedTip.objects.count() == 0


def test_other_forms_without_cookies_say_what_they_need(published) -> None:
    response = _cookieless_post("/en/mailbox/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"},
                                HTTP_ORIGIN="http://testserver")
    assert response.status_code == 403
    page = _text(response)
    assert "Cookies are needed to send this form" in page
    assert "AAAA-BBBB-CCCC-DDDD-EEEE" not in page


def test_the_cookie_notice_states_the_cookies_lifetimes(published) -> None:
    # "kept for up to a year" (the CSRF cookie), "deleted when you close your browser" (ours).
    response = Client().get(f"/en/objects/{published.ref}/tip/")
    assert 0 < int(response.cookies["csrftoken"]["max-age"]) <= 366 * 86400
    assert not response.cookies[views.FORM_COOKIE]["max-age"]
    assert not response.cookies[views.FORM_COOKIE]["expires"]


def test_the_cookie_notice_is_in_every_language(published, settings) -> None:
    english = ("Cookies are needed to send this form", "Allow cookies for this site",
               "What you wrote is still below", "strictly necessary cookies")
    for code, _name in settings.LANGUAGES:
        url = f"/{code}/objects/{published.ref}/tip/"
        page = _text(_cookieless_post(url, {"text": "Sold in Toruń."},
                                      HTTP_ORIGIN="http://testserver"))
        assert "Sold in Toruń." in page, code
        shown = [phrase for phrase in english if phrase in page]
        assert shown == (list(english) if code == "en" else []), (code, shown)
