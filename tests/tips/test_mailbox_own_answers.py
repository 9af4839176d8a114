"""The tipster reads their own answers back with the receipt, only when they ask for it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.public.support import mailbox_post, reply_post
from traceobject.tips import intake
from traceobject.tips.models import SealedTip

pytestmark = pytest.mark.django_db


def test_own_answer_is_hidden_until_asked_for(client, published, settings) -> None:
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    intake.mailbox_message_to_tipster(sealed_tip_id=SealedTip.objects.get().id,
                                      text="Which street?")
    sent = reply_post(client, mailbox_post(client, receipt), "Długa <b>street</b>.",
                      follow=False)
    assert sent.status_code == 303
    page = client.get(sent["Location"]).content.decode()
    assert "Długa" not in page and "?show=own" in page
    shown = client.get(sent["Location"] + "?show=own")
    assert shown.status_code == 200
    assert "Długa &lt;b&gt;street&lt;/b&gt;." in shown.content.decode()
    # another receipt shows nothing of it, even when asked
    other = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "Other."}))
    stranger = Client()
    theirs = mailbox_post(stranger, other, follow=False)["Location"]
    assert "Długa" not in stranger.get(theirs + "?show=own").content.decode()
    # and the address of my mailbox page shows another browser nothing
    assert "Długa" not in stranger.get(sent["Location"] + "?show=own").content.decode()


def test_api_does_not_send_own_answers_back(client, published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    intake.mailbox_reply(receipt=receipt, text="My answer.")
    messages = client.get("/api/v1/mailbox", HTTP_X_RECEIPT=receipt).json()["messages"]
    assert [(m["direction"], m["text"]) for m in messages] == [("from_tipster", "")]
    assert "My answer." not in str(messages) and "A tip." not in str(messages)
