"""No untranslated UI string in a sample of languages.

For each sampled language whose catalogue is complete for the public side (every message from
PUBLIC_SOURCES is translated), render the public pages and check that no English msgid of the
catalogue (longer than 12 characters, with a translation that differs) is left in the page.
Back-office messages may wait for their translation (English is their fallback); they are
never on a public page.
"""

from __future__ import annotations

import html

import pytest
from django.test import Client

from tests.core.locales import english_fragments, read_catalog, untranslated
from tests.public.support import mailbox_post, reply_post, tip_post
from traceobject.catalog import services as catalog
from traceobject.tips import intake
from traceobject.tips.models import SealedTip

SAMPLE = ["de", "fr", "pl", "el"]
#: Where the public side's messages come from (paths as in the catalogue's references).
PUBLIC_SOURCES = ("public/", "api/public.py", "api/errors.py", "api/schemas.py",
                  "tips/intake.py", "core/", "catalog/selectors.py", "settings.py")


def _english_fragments(language: str) -> set[str]:
    catalogue = read_catalog(language)
    missing = set(untranslated(catalogue))
    public = [m.id if isinstance(m.id, str) else m.id[0] for m in catalogue
              if m.id and any(path.startswith(PUBLIC_SOURCES) for path, _line in m.locations)]
    assert len(public) > 100, "too few public messages: are the references read?"
    public_missing = [msgid for msgid in public if msgid in missing]
    if public_missing:
        pytest.skip(f"{language}: {len(public_missing)} untranslated public entries in its .po "
                    f"file (first: {public_missing[0]!r}); the check needs them translated")
    return english_fragments(catalogue)


@pytest.mark.django_db
@pytest.mark.parametrize("language", SAMPLE)
def test_no_english_left(client, language, make_object, settings,
                         use_compiled_locales) -> None:
    fragments = _english_fragments(language)
    assert len(fragments) > 40, "too few strings to check: is the catalogue read?"
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}
    catalog.campaign_create(slug="second", names={"en": "Second campaign"})
    obj = make_object(image=True)
    done = make_object(image=False, identified="PL")
    for _ in range(25):
        make_object(image=False)  # two gallery pages
    receipt = intake.tip_submit(ref=obj.ref, tip=intake.tip_validate({"text": "Earlier"}))
    intake.mailbox_message_to_tipster(sealed_tip_id=SealedTip.objects.get().id, text="Where?",
                                      language="en" if language != "en" else "de")
    ref, prefix = obj.ref, f"/{language}"
    received = tip_post(client, ref, {"text": "A new tip."}, language=language)
    receipt_page = received.redirect_chain[-1][0]
    box = mailbox_post(client, receipt, language=language)
    box_page = box.redirect_chain[-1][0]
    pages = {
        "gallery": client.get(f"{prefix}/"),
        "gallery page 2": client.get(f"{prefix}/?page=2"),
        "empty gallery": client.get(f"{prefix}/?category=toys"),
        "object": client.get(f"{prefix}/objects/{ref}/"),
        "identified object": client.get(f"{prefix}/objects/{done.ref}/"),
        "tip form": client.get(f"{prefix}/objects/{ref}/tip/"),
        "tip form errors": client.post(f"{prefix}/objects/{ref}/tip/",
                                       {"text": "", "contact_email": "x", "place": "p" * 300}),
        "tip form out of date": client.post(f"{prefix}/objects/{ref}/tip/", {"text": "A tip."}),
        "tip received": received,
        "receipt not noted down": client.post(receipt_page, {}),
        "receipt elsewhere": Client().get(receipt_page),
        "mailbox login": client.get(f"{prefix}/mailbox/"),
        "mailbox": box,
        "mailbox, own words shown": client.get(f"{box_page}?show=own"),
        "mailbox answer refused": reply_post(client, box, ""),
        "mailbox answer sent": reply_post(client, box, "More."),
        "mailbox closed": Client().get(box_page),
        "mailbox unknown": client.post(f"{prefix}/mailbox/", {"receipt": "x"}),
        "identified": client.get(f"{prefix}/identified/"),
        "statistics": client.get(f"{prefix}/statistics/"),
        "privacy": client.get(f"{prefix}/privacy/"),
        "404": client.get(f"{prefix}/nothing/"),
    }
    left = {}
    for name, response in pages.items():
        assert response.status_code < 500, name
        body = html.unescape(response.content.decode())
        found = sorted(f for f in fragments if f in body)
        if found:
            left[name] = found
    assert left == {}
