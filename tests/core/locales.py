"""Message catalogues for tests: compiled from the current .po files into a private folder.

`make test` compiles the catalogues into the source tree first; tests must not depend on that
(nor race each other writing .mo files under xdist), so each test session compiles its own copy
and points LOCALE_PATHS at it. Django clears its translation caches when LOCALE_PATHS changes.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from traceobject.core.i18n_compile import LOCALE_DIR, compile_all


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as fh:
        return read_po(fh, locale=language)


def untranslated(catalog: Catalog) -> list[str]:
    """msgids without a usable translation (empty or fuzzy)."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|\{\w*\}")


def english_fragments(catalog: Catalog) -> set[str]:
    """Pieces of English (longer than 12 characters, between placeholders) of the translated
    messages whose translation differs: found in a page rendered in that language, they are
    text left in English. Untranslated messages are left out (English is their fallback), and
    so are pieces that also occur inside some translation."""
    missing = set(untranslated(catalog))

    def is_missing(message: Any) -> bool:
        return (message.id if isinstance(message.id, str) else message.id[0]) in missing

    translations = [m.string if isinstance(m.string, str) else " ".join(m.string)
                    for m in catalog if m.id and not is_missing(m)]
    fragments = set()
    for message in catalog:
        if not message.id or is_missing(message):
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        if set(ids) & set(strings):
            continue  # deliberately the same in this language
        for msgid in ids:
            if len(msgid) <= 12:
                continue
            for fragment in PLACEHOLDER.split(msgid):
                fragment = fragment.strip(" .,:;·")
                if len(fragment) > 12 and not any(fragment in t for t in translations):
                    fragments.add(fragment)
    return fragments


def translation_of(language: str, msgid: str) -> str | None:
    """The msgstr of `msgid` in the .po file, or None if it is missing or untranslated."""
    message = read_catalog(language).get(msgid)
    if message is None or message.fuzzy or not message.string:
        return None
    return message.string if isinstance(message.string, str) else None


@pytest.fixture(scope="session")
def compiled_locales(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("locale")
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        destination = target / po.relative_to(LOCALE_DIR)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(po, destination)
    compile_all(target)
    return target


@pytest.fixture
def use_compiled_locales(settings: Any, compiled_locales: Path) -> Path:
    settings.LOCALE_PATHS = [compiled_locales]
    return compiled_locales
