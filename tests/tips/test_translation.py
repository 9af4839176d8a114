"""Machine translation of tips with a local model (issue 25, item 2): the real engine
(CTranslate2 + SentencePiece) runs a tiny model built in the test; the translation is made
when the worker opens a tip (or on demand), stored beside the tip and shown beside the
original with the model's name and a "machine translation" label. Without a model nothing is
pretended. The model's output is gibberish: quality is not what these tests check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.core import translation
from traceobject.tips import intake
from traceobject.tips.models import Tip, TipTranslation
from traceobject.tips.services import sealed_tips_open

from .tiny_translation import build

GERMAN = "Ich habe diese Tasche in Krakau gekauft. Der Laden ist am Markt."
ENGLISH = "I bought this bag in Kraków, in the shop at the market square."


@pytest.fixture(autouse=True)
def _forget_loaded_models() -> Any:
    translation._loaded.clear()
    yield
    translation._loaded.clear()


@pytest.fixture(scope="module")
def built_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("ctranslate2")
    pytest.importorskip("sentencepiece")
    return build(tmp_path_factory.mktemp("model") / "de-en", name="Tiny de-en")


@pytest.fixture
def model(settings: Any, built_model: Path) -> Path:
    settings.TRANSLATION_MODEL = str(built_model)
    return built_model


def _send(obj: Any, text: str, language: str) -> Tip:
    intake.tip_submit(ref=obj.ref, tip=intake.tip_validate({"text": text, "language": language}))
    sealed_tips_open()
    return Tip.objects.get(object=obj, text=text)


# --------------------------------------------------------------------------- the engine


def test_the_real_engine_loads_and_translates(built_model):
    translator = translation.load(built_model)
    assert translator.target == "en" and translator.name == "Tiny de-en"
    assert translator.package_for("de") is not None and translator.package_for("fr") is None
    text, name = translator.translate("Ich habe\ndiese Tasche gekauft.", "de")
    assert name == "Tiny de-en" and isinstance(text, str) and text.count("\n") == 1
    again, _ = translator.translate("Ich habe\ndiese Tasche gekauft.", "de")
    assert again == text  # greedy/beam search on fixed weights: the same every time
    assert translation.load(built_model) is translator  # read once per process


def test_a_folder_of_models_picks_the_one_for_the_language(tmp_path, built_model):
    shutil.copytree(built_model, tmp_path / "de-en")
    build(tmp_path / "pl-en", sources=["pl", "cs"], name="Tiny pl-en", seed=3)
    translator = translation.read(tmp_path)
    assert translator.package_for("cs").name == "Tiny pl-en"
    assert translator.package_for("de").name == "Tiny de-en"
    assert translator.translate("Kupiłem tę torbę.", "pl")[1] == "Tiny pl-en"


def _broken(tmp_path: Path, built_model: Path, change: str) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(built_model, folder)
    if change == "no metadata":
        (folder / "metadata.json").unlink()
    elif change == "bad json":
        (folder / "metadata.json").write_text("{not json", encoding="utf-8")
    elif change == "bad codes":
        (folder / "metadata.json").write_text(json.dumps(
            {"from_code": "German", "to_code": "en"}), encoding="utf-8")
    elif change == "two targets":
        (folder / "metadata.json").write_text(json.dumps(
            {"from_code": "de", "to_code": ["en", "fr"]}), encoding="utf-8")
    elif change == "no model.bin":
        (folder / "model" / "model.bin").unlink()
    elif change == "no sentencepiece":
        (folder / "sentencepiece.model").unlink()
    return folder


@pytest.mark.parametrize("change, message", [
    ("no metadata", "no metadata.json"), ("bad json", "metadata.json: unreadable"),
    ("bad codes", "language codes"), ("two targets", "to_code must be one language"),
    ("no model.bin", "model.bin: missing"), ("no sentencepiece", "no sentencepiece.model"),
])
def test_a_damaged_model_is_named_when_read(tmp_path, built_model, change, message):
    with pytest.raises(translation.TranslationModelError) as info:
        translation.read(_broken(tmp_path, built_model, change))
    assert message in str(info.value)


@pytest.mark.parametrize("target, damage, message", [
    ("model/model.bin", "garbage", "not a usable CTranslate2 model"),
    ("model/model.bin", "truncated", "not a usable CTranslate2 model"),
    ("sentencepiece.model", "garbage", "not a SentencePiece model"),
    ("sentencepiece.model", "truncated", "not a SentencePiece model"),
])
def test_corrupt_files_fail_when_the_engine_loads(tmp_path, built_model, target, damage,
                                                  message):
    folder = _broken(tmp_path, built_model, "")
    data = (folder / target).read_bytes()
    (folder / target).write_bytes(b"\x00garbage" * 100 if damage == "garbage"
                                  else data[:len(data) // 2])
    translator = translation.read(folder)  # the files are there...
    with pytest.raises(translation.TranslationModelError) as info:
        translator.translate("Ich habe sie gekauft.", "de")  # ...but cannot be used
    assert message in str(info.value) and str(folder) in str(info.value)


def test_not_a_directory(tmp_path):
    with pytest.raises(translation.TranslationModelError, match="not a directory"):
        translation.read(tmp_path / "missing")


# --------------------------------------------------------------------------- the back office


def test_the_worker_translates_a_tip_when_it_opens_it(model, published, users, client):
    tip = _send(published, GERMAN, "de")
    row = TipTranslation.objects.get(tip=tip)
    expected, name = translation.load(model).translate(GERMAN, "de")
    assert (row.text, row.model_name, row.source_language, row.target_language) == (
        expected, "Tiny de-en", "de", "en")
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/tips/{tip.pk}/").content.decode()
    assert 'class="tip-texts tip-texts-two"' in page
    original, translated = page.split('class="tip-original"')[1].split('class="tip-translation"')
    assert 'lang="de"' in original and "Krakau" in original and "German" in original
    assert "Machine translation" in translated and "English" in translated
    assert 'lang="en"' in translated and "“Tiny de-en”" in translated
    assert "No translation model is configured" not in page


def test_a_tip_in_the_models_language_is_not_translated(model, published, users, client):
    tip = _send(published, ENGLISH, "en")
    assert not TipTranslation.objects.filter(tip=tip).exists()
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/tips/{tip.pk}/").content.decode()
    assert "Machine translation" not in page and "tip-translate" not in page


def test_without_a_model_nothing_is_pretended(settings, published, users, client):
    settings.TRANSLATION_MODEL = ""
    tip = _send(published, GERMAN, "de")
    assert not TipTranslation.objects.exists()
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/tips/{tip.pk}/").content.decode()
    assert "No translation model is configured: the tip is shown as written." in page
    assert "Machine translation" not in page and "tip-texts-two" not in page
    response = client.post(f"/internal/tips/{tip.pk}/translate/")
    assert response.status_code == 409 and not TipTranslation.objects.exists()


def test_translating_on_demand(settings, model, published, users, client):
    settings.TRANSLATION_MODEL = ""
    tip = _send(published, GERMAN, "de")  # opened before the model was configured
    settings.TRANSLATION_MODEL = str(model)
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/tips/{tip.pk}/").content.decode()
    assert f'action="/internal/tips/{tip.pk}/translate/"' in page
    response = client.post(f"/internal/tips/{tip.pk}/translate/")
    assert response.status_code == 302
    row = TipTranslation.objects.get(tip=tip)
    assert row.model_name == "Tiny de-en"
    event = AuditEvent.objects.get(action="tip.translate")
    assert event.target == f"tip {tip.pk}" and event.data["model"] == "Tiny de-en"
    # Asked again: the stored translation, nothing new.
    assert client.post(f"/internal/tips/{tip.pk}/translate/").status_code == 302
    assert TipTranslation.objects.count() == 1 and AuditEvent.objects.filter(
        action="tip.translate").count() == 1


def test_a_broken_model_is_said_and_does_not_stop_opening(settings, tmp_path, built_model,
                                                         published, users, client):
    folder = _broken(tmp_path, built_model, "")
    (folder / "model" / "model.bin").write_bytes(b"\x00garbage")
    settings.TRANSLATION_MODEL = str(folder)
    tip = _send(published, GERMAN, "de")  # opened although the translation failed
    assert tip.text == GERMAN and not TipTranslation.objects.exists()
    staff_login(client, users["investigator"])
    response = client.post(f"/internal/tips/{tip.pk}/translate/")
    assert response.status_code == 503
    assert "The translation model cannot be used" in response.content.decode()
    assert not TipTranslation.objects.exists()
    # A model whose files are missing is named on the page itself.
    (folder / "metadata.json").unlink()
    translation._loaded.clear()
    page = client.get(f"/internal/tips/{tip.pk}/").content.decode()
    assert "The translation model cannot be used" in page and "metadata.json" in page


def test_a_language_no_model_takes(model, published, users, client):
    tip = _send(published, "Ce sac est vendu à Lyon, près de la gare.", "fr")
    assert not TipTranslation.objects.filter(tip=tip).exists()
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/tips/{tip.pk}/").content.decode()
    assert "The translation model does not translate this language." in page
    response = client.post(f"/internal/tips/{tip.pk}/translate/")
    assert response.status_code == 400 and not TipTranslation.objects.exists()


def test_the_translation_goes_with_the_tip(model, published):
    tip = _send(published, GERMAN, "de")
    assert TipTranslation.objects.filter(tip=tip).exists()
    tip.delete()
    assert not TipTranslation.objects.exists()


def test_the_deploy_check_names_a_damaged_model(settings, tmp_path, built_model):
    from traceobject.core.checks import check_translation_model

    settings.TRANSLATION_MODEL = ""
    assert check_translation_model(None) == []
    settings.TRANSLATION_MODEL = str(built_model)
    assert check_translation_model(None) == []
    folder = _broken(tmp_path, built_model, "no model.bin")
    settings.TRANSLATION_MODEL = str(folder)
    [error] = check_translation_model(None)
    assert error.id == "traceobject.E030" and "model.bin: missing" in error.msg
