"""Each person chooses the back office's language; codes are shown as readable names."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tests.conftest import make_staff
from traceobject.accounts import services
from traceobject.accounts.models import StaffProfile
from traceobject.audit.models import AuditEvent
from traceobject.core import names
from traceobject.core.errors import ServiceError
from traceobject.tips import intake
from traceobject.tips import services as tip_services

pytestmark = pytest.mark.django_db


def _language_of(response) -> str:
    return response["Content-Language"]


def test_the_chosen_language_wins_over_the_browser(client, login):
    ivy = make_staff("ivy", "investigator")
    login(ivy)
    home = reverse("internal:home")
    assert _language_of(client.get(home, HTTP_ACCEPT_LANGUAGE="fr")) == "fr"

    page = client.get(reverse("internal:account-settings"), HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert 'value="de"' in page.content.decode()
    saved = client.post(reverse("internal:account-settings"), {"language": "de"},
                        HTTP_ACCEPT_LANGUAGE="fr")
    assert saved.status_code == 303 and saved["Location"].endswith("?saved=1")
    assert StaffProfile.objects.get(user=ivy).language == "de"

    response = client.get(home, HTTP_ACCEPT_LANGUAGE="fr")
    assert _language_of(response) == "de"
    assert '<html lang="de">' in response.content.decode()
    with translation.override("de"):
        tips_label = translation.gettext("Tips")
    assert f">{tips_label}</a>" in response.content.decode()

    # Back to the browser's choice.
    client.post(reverse("internal:account-settings"), {"language": ""})
    assert _language_of(client.get(home, HTTP_ACCEPT_LANGUAGE="fr")) == "fr"
    events = list(AuditEvent.objects.filter(action="accounts.language_set")
                  .values_list("data", flat=True))
    assert events == [{"language": "de"}, {"language": "browser"}]


def test_the_choice_is_read_again_in_a_new_session(client, login):
    rita = make_staff("rita", "reviewer")
    services.staff_language_set(user=rita, language="pl")
    login(rita)
    assert _language_of(client.get(reverse("internal:home"), HTTP_ACCEPT_LANGUAGE="en")) == "pl"


def test_one_persons_language_is_not_anothers(client, login):
    ivy = make_staff("ivy", "investigator")
    services.staff_language_set(user=ivy, language="it")
    login(make_staff("ian", "investigator"))
    assert _language_of(client.get(reverse("internal:home"), HTTP_ACCEPT_LANGUAGE="en")) == "en"


@pytest.mark.parametrize("bad", ["xx", "DE", "de\x00", "d" * 5000, "en-us; drop table", " de"])
def test_a_language_not_offered_is_refused_and_changes_nothing(client, login, bad):
    ivy = make_staff("ivy", "investigator")
    services.staff_language_set(user=ivy, language="nl")
    login(ivy)
    before = AuditEvent.objects.count()
    response = client.post(reverse("internal:account-settings"), {"language": bad})
    assert response.status_code == 400
    assert StaffProfile.objects.get(user=ivy).language == "nl"
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("bad", [None, 7, ["de"], "klingon"])
def test_the_service_refuses_what_is_not_a_language(bad):
    ivy = make_staff("ivy", "investigator")
    with pytest.raises(ServiceError) as caught:
        services.staff_language_set(user=ivy, language=bad)
    assert caught.value.fields == {"language": caught.value.message}
    assert not StaffProfile.objects.filter(user=ivy, language__gt="").exists()


def test_the_settings_page_needs_a_signed_in_person(client):
    response = client.get(reverse("internal:account-settings"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(reverse("internal:account-settings"), {"language": "de"})
    assert response.status_code in (302, 403)
    assert not StaffProfile.objects.filter(language="de").exists()


def test_codes_are_shown_as_names_in_the_readers_language():
    template = Template("{% load names %}{{ c|country_display }}/{{ l|language_display }}")
    with translation.override("de"):
        assert template.render(Context({"c": "PL", "l": "uk"})) == "Polen/Ukrainisch"
    with translation.override("fr"):
        assert template.render(Context({"c": "PL", "l": "uk"})) == "Pologne/ukrainien"
    # Unknown or empty codes are shown as they are, never as an error.
    assert template.render(Context({"c": "QQ", "l": "zz-x"})) == "QQ/zz-x"
    assert template.render(Context({"c": "", "l": None})) == "/"
    assert names.language_autonym("pl") == "polski"


def test_the_inbox_names_a_tips_language_and_country(client, login, published):
    intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
        {"text": "Widziałem tę torbę w sklepie w Poznaniu, na rynku.", "country": "PL",
         "language": "pl"}))
    tip_services.sealed_tips_open()
    iona = make_staff("iona", "investigator")
    services.staff_language_set(user=iona, language="de")
    login(iona)
    page = client.get(reverse("internal:tips")).content.decode()
    assert "Polen" in page and "Polnisch" in page
