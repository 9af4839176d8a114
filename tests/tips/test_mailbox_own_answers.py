"""The tipster reads their own answers back with the receipt, only when they ask for it."""

from __future__ import annotations

import pytest

from traceobject.tips import intake
from traceobject.tips.models import SealedTip

pytestmark = pytest.mark.django_db


def test_own_answer_is_hidden_until_asked_for(client, published, settings) -> None:
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    intake.mailbox_message_to_tipster(sealed_tip_id=SealedTip.objects.get().id,
                                      text="Which street?")
    sent = client.post("/en/mailbox/reply/", {"receipt": receipt,
                                              "text": "Długa <b>street</b>."})
    assert sent.status_code == 200
    page = sent.content.decode()
    assert "Długa" not in page and 'name="show_own"' in page
    page = client.post("/en/mailbox/", {"receipt": receipt}).content.decode()
    assert "Długa" not in page
    shown = client.post("/en/mailbox/", {"receipt": receipt, "show_own": "1"})
    assert shown.status_code == 200
    assert "Długa &lt;b&gt;street&lt;/b&gt;." in shown.content.decode()
    # another receipt shows nothing of it
    other = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "Other."}))
    page = client.post("/en/mailbox/", {"receipt": other, "show_own": "1"}).content.decode()
    assert "Długa" not in page
    assert client.post("/en/mailbox/", {"receipt": "0000-0000-0000-0000-0000",
                                        "show_own": "1"}).status_code == 404


def test_api_does_not_send_own_answers_back(client, published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    intake.mailbox_reply(receipt=receipt, text="My answer.")
    messages = client.get("/api/v1/mailbox", HTTP_X_RECEIPT=receipt).json()["messages"]
    assert [(m["direction"], m["text"]) for m in messages] == [("from_tipster", "")]
    assert "My answer." not in str(messages)
