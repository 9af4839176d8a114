"""Clues about the country an object comes from, from text, barcodes, tips and investigators.

Django-free: plain functions returning :class:`Clue` dataclasses, so the CLI, workers
and benchmarks use them directly. Nothing here touches the network.

A clue is a likelihood function: ``likelihoods[c]`` is the relative likelihood of
observing the clue if the object came from country ``c`` (only the ratios matter); every
country not listed gets ``floor``. ``weight`` (0..1) says how far to trust the clue as a
whole: the fusion adds ``weight * log(likelihood)`` per country (see
:mod:`traceobject.geo.fusion`). Clues with the same ``id`` (the clues of one tip) count
as one piece of evidence.

Builders:

* :func:`clues_from_text`: OCR or transcribed object text: language (lingua + CLDR),
  script (Hangul, Thai, Cyrillic, Han Simplified/Traditional, ...; Latin letters of one
  language), phone numbers, web domains, postal codes, prices/currencies, place names
  in any script;
* :func:`clues_from_ocr`: the same from OCR lines (``vision.ocr.TextLine``);
* :func:`clue_from_gs1` / :func:`clue_from_gs1_info`: the GS1 prefix of a barcode;
* :func:`clues_from_tip`: a tip's country field, places, domains, phone numbers and
  brands it names, weighted by triage state;
* :func:`clue_from_tag` / :func:`clue_from_note`: investigators' tags ("plug = G") and
  free notes ("for Poland, because ...").

Default floors and weights (relative likelihood for countries the clue does not name;
how far the clue is trusted):

=================  =====  ========================================================
kind               floor  weight
=================  =====  ========================================================
language           0.01   detection confidence (x0.3 for English, x0.7 short text)
script             0.05   0.6 (x2 x share of letters when under half); none when the
                          language clue's language has the text's script (Chinese:
                          Simplified/Traditional 0.4); Latin letters of one
                          language (ț -> Romanian) 0.5 unless the language clue
                          names that language
phone              0.002  1.0 international (+48 ...); 0.4 national after a context
                          word (floor 0.3), only the countries writing the word's
                          script when it is not Latin (тел., 電話, โทร, هاتف)
domain             0.005  0.9 ccTLD, IDN ccTLD (.рф, .中国, .한국) and second-level
                          forms (.co.kr); .eu 0.5 (floor 0.3)
currency           0.01   0.8 unambiguous (zł, PLN, LEI, ج.م, ₸; non-ASCII symbols
                          also from CLDR); 0.5 shared (€, kr, $, ¥, ﷼) (floor 0.03)
postal_code        0.2    0.5; 0.8 for distinctive formats or context (UK, Canada,
                          〒, NSW 2000, "г. Москва 125009", 邮编, PIN, CEP); digits
                          alone (6 in RU/IN, 5 in KR/TH) need the script or a
                          place word on the same line (CN: an address word), and
                          none after an article or lot word (品番, Артикул, LOT)
place_mention      0.2    0.5 x place weight (a name printed on the object); 0.7
                          for a country named as the place of manufacture
                          ("Made in China", "日本製", "Сделано в России")
barcode_gs1        0.25   0.5 (0.8 with ``weak=False``: confirmed for the brand)
tip_country        0.02   triage weight
tip_mention        0.03   triage weight x place-kind weight x name ambiguity
tip_language       1.0    0.3 x triage weight; likelihood 1 + the language's share
investigator_tag   0.05   1.0 (countries missing from the table: 0.4)
investigator_note  0.1    1.0 (against: 0.05 for the country, 1.0 for the rest)
=================  =====  ========================================================
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from traceobject.geo._text import clean
from traceobject.geo.countries import country_name, is_country
from traceobject.geo.gazetteer import KIND_WEIGHT, Mention, find_mentions
from traceobject.geo.language import (
    detect_languages,
    language_countries,
    language_name,
    letter_count,
)
from traceobject.geo.reference import TagError, tag_likelihoods
from traceobject.geo.script import (
    LANGUAGE_SCRIPTS,
    distinctive_letters,
    language_script,
    script_countries,
    text_script,
)
from traceobject.geo.textscan import (
    Hit,
    find_currencies,
    find_domains,
    find_phone_numbers,
    find_postal_codes,
)

__all__ = [
    "Clue",
    "TRIAGE_WEIGHTS",
    "TagError",
    "clue_from_gs1",
    "clue_from_gs1_info",
    "clue_from_note",
    "clue_from_tag",
    "clues_from_ocr",
    "clues_from_text",
    "clues_from_tip",
]

# How far a tip is trusted, by triage state. A duplicate counts through its cluster (the
# tip it duplicates); spam and off-topic tips not at all.
TRIAGE_WEIGHTS: dict[str, float] = {
    "useful": 1.0,
    "new": 0.5,
    "not_useful": 0.2,
    "duplicate": 0.0,
    "spam": 0.0,
    "off_topic": 0.0,
}

TIP_KINDS = frozenset({"tip_country", "tip_mention", "tip_language"})


@dataclass(frozen=True)
class Clue:
    """One observation and how likely it is under each country of origin."""

    kind: str  # "language", "phone", "domain", "tip_country", "investigator_tag", ...
    likelihoods: Mapping[str, float]  # ISO 3166-1 alpha-2 -> relative likelihood
    reason: str  # human readable: "text is Polish (OCR, 0.97)"
    weight: float = 1.0  # 0..1: how far to trust the clue as a whole
    floor: float = 0.1  # likelihood of every country not in ``likelihoods``
    source: str = ""  # where it came from: "ocr", "tip", "barcode", "investigator"
    id: str | None = None  # what it came from (a tip id); same id = one piece of evidence
    value: str = ""  # the text that was matched: "+48 22 123 45 67", "Krakau"
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def strength(self) -> float:
        """Alias of ``weight``."""
        return self.weight

    def likelihood(self, country: str) -> float:
        return float(self.likelihoods.get(country, self.floor))

    def top(self, n: int = 3) -> list[tuple[str, float]]:
        """The countries this clue favours, with their share of the clue's excess
        likelihood over the floor ("-> DE 0.84, AT 0.09, CH 0.07")."""
        excess = {c: v - self.floor for c, v in self.likelihoods.items() if v > self.floor}
        total = sum(excess.values())
        if total <= 0:
            return []
        ranked = sorted(excess.items(), key=lambda item: (-item[1], item[0]))
        return [(c, v / total) for c, v in ranked[:n]]

    def against(self) -> list[str]:
        """Countries this clue speaks against (likelihood below the floor)."""
        return sorted(c for c, v in self.likelihoods.items() if v < self.floor)

    def with_id(self, id: str | None) -> Clue:
        return Clue(self.kind, self.likelihoods, self.reason, self.weight, self.floor,
                    self.source, id, self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "weight": round(self.weight, 4),
            "floor": self.floor,
            "source": self.source,
            "id": self.id,
            "value": self.value,
            "likelihoods": {c: round(v, 4) for c, v in sorted(self.likelihoods.items())},
        }


def _valid(likelihoods: Mapping[str, float]) -> dict[str, float]:
    return {str(c).upper(): float(v) for c, v in likelihoods.items() if is_country(str(c).upper())}


def _fmt_top(clue: Clue) -> str:
    return ", ".join(f"{c} {share:.2f}" for c, share in clue.top(3))


# --------------------------------------------------------------------------- object text

MIN_LANGUAGE_CONFIDENCE = 0.5


#: Weight of a place named on the object (times the name's own weight: less for names
#: that are also words, "China", "Jordan", "인도").
PLACE_WEIGHT = 0.5
#: Weight of a country named as the place of manufacture ("Made in China", "日本製",
#: "Сделано в России"): the wording leaves no doubt that the name is the country, so
#: the ambiguity discount goes, and it lists the country on its own (about 4 % against
#: 2 % for a bare name, under the uniform prior). Kept moderate: where a thing was made
#: is often not where it was sold or used, so a printed phone number, a domain or a
#: price in a local currency still comes first.
MADE_IN_WEIGHT = 0.7


def clues_from_text(text: object, *, source: str = "ocr", id: str | None = None) -> list[Clue]:
    """Clues from text on the object (OCR lines joined, or a transcription).

    Language of the text, its script (when the language clue does not already say it; see
    :func:`_script_clue`), phone numbers (international and national), web domains,
    postal codes, prices and currencies, and place names printed on the object ("Made in
    Poland", "Wyprodukowano w Polsce", "中国制造", "Сделано в России"). Text longer than
    20,000 characters is cut; empty, binary or emoji-only input gives [] and nothing here
    raises.
    """
    text = clean(text)
    if not text.strip():
        return []
    clues: list[Clue] = []
    language = _language_clue(text, source=source, id=id)
    if language is not None:
        clues.append(language)
    script = _script_clue(text, language, source=source, id=id)
    if script is None:
        script = _letters_clue(text, language, source=source, id=id)
    if script is not None:
        clues.append(script)
    for hit in find_phone_numbers(text):
        clues.append(_hit_clue(hit, source=source, id=id))
    for hit in find_domains(text):
        clues.append(_hit_clue(hit, source=source, id=id))
    for hit in find_postal_codes(text):
        clues.append(_hit_clue(hit, source=source, id=id))
    for hit in find_currencies(text):
        clues.append(_hit_clue(hit, source=source, id=id))
    seen: set[str] = set()
    for mention in find_mentions(text, limit=10):
        if mention.place.name in seen or mention.place.kind == "language":
            continue
        seen.add(mention.place.name)
        weight = PLACE_WEIGHT * mention.place.weight
        what = mention.place.kind
        if mention.made_in:
            weight = MADE_IN_WEIGHT
            what = "place of manufacture"
        clues.append(
            Clue(
                "place_mention",
                dict(mention.countries),
                f"text names {mention.text!r} ({mention.place.name}, {what}; "
                f"{source.upper() if source == 'ocr' else source})",
                weight=weight,
                floor=0.2,
                source=source,
                id=id,
                value=mention.text,
            )
        )
    return clues


def clues_from_ocr(
    lines: Iterable[Any], *, min_confidence: float = 0.5, id: str | None = None
) -> list[Clue]:
    """Clues from OCR output: anything with ``.text`` and ``.confidence`` (vision.ocr's
    ``TextLine``) or plain strings. Lines read with less than ``min_confidence`` are left
    out; the rest are joined one per line and passed to :func:`clues_from_text`."""
    texts: list[str] = []
    for line in lines:
        if isinstance(line, str):
            texts.append(line)
            continue
        text = getattr(line, "text", None)
        confidence = getattr(line, "confidence", 1.0)
        try:
            ok = float(confidence) >= min_confidence
        except (TypeError, ValueError):
            ok = False
        if isinstance(text, str) and ok:
            texts.append(text)
    return clues_from_text("\n".join(texts), source="ocr", id=id)


def _language_clue(text: str, *, source: str, id: str | None) -> Clue | None:
    detected = detect_languages(text)
    if not detected or detected[0].confidence < MIN_LANGUAGE_CONFIDENCE:
        return None
    top = detected[0]
    likelihoods: dict[str, float] = {}
    for lang in detected:
        if lang.confidence < 0.05:
            continue
        for country, share in language_countries(lang.code).items():
            likelihoods[country] = likelihoods.get(country, 0.0) + lang.confidence * share
    if not likelihoods:
        return None
    peak = max(likelihoods.values())
    likelihoods = {c: v / peak for c, v in likelihoods.items()}
    weight = top.confidence
    if top.code == "en":
        weight *= 0.3  # English is printed on products everywhere
    if letter_count(text) < 25:
        weight *= 0.7
    src = "OCR" if source == "ocr" else source
    return Clue(
        "language",
        likelihoods,
        f"text is {language_name(top.code)} ({src}, {top.confidence:.2f})",
        weight=weight,
        floor=0.01,
        source=source,
        id=id,
        value=top.code,
    )


SCRIPT_FLOOR = 0.05
SCRIPT_WEIGHT = 0.6
HAN_VARIANT_WEIGHT = 0.4


def _script_clue(text: str, language: Clue | None, *, source: str, id: str | None) -> Clue | None:
    """Where the text's (non-Latin) script is written: Hangul -> KR, Thai -> TH, Cyrillic ->
    RU, UA, KZ, BG, ... (:mod:`traceobject.geo.script`).

    Language and script are not independent evidence (Russian text is Cyrillic text), and
    a language says more than its script. So the script clue is left out when the
    language clue's language is written in the text's script: the two count as one piece
    (the language). It counts on its own when there is no language clue (text too short
    for detection: "감사합니다", "धन्यवाद"), or when the language is of another script
    (a Cyrillic word in English text). One exception: Chinese. lingua's "zh" cannot
    tell Simplified from Traditional, so with a Chinese language clue the Han variant
    still comes as a weaker clue (Simplified -> CN, SG; Traditional -> TW, HK, MO).
    Weight 0.6 (floor 0.05: a script at most 20x a country, less than a currency or a
    phone number), x share of the text's letters in that script when under a half.
    """
    info = text_script(text)
    if info is None:
        return None
    weight = SCRIPT_WEIGHT * min(1.0, 2 * info.share)
    lang_script = language_script(language.value) if language is not None else ""
    if lang_script:
        same = LANGUAGE_SCRIPTS.get(lang_script, lang_script)
        han = {"Hans", "Hant", "Hani"}
        if same in han and info.script in han:
            if info.script == "Hani":
                return None
            weight = HAN_VARIANT_WEIGHT * min(1.0, 2 * info.share)
        elif same == info.script:
            return None
    likelihoods = _valid(script_countries(info.script))
    if not likelihoods:
        return None
    src = "OCR" if source == "ocr" else source
    return Clue(
        "script",
        likelihoods,
        f"text is written in {info.name} script ({info.letters} letters, {src})",
        weight=weight,
        floor=SCRIPT_FLOOR,
        source=source,
        id=id,
        value=info.script,
    )


LETTERS_WEIGHT = 0.5


def _letters_clue(text: str, language: Clue | None, *, source: str,
                  id: str | None) -> Clue | None:
    """Latin letters only one language writes ("ț", "ș" -> Romanian; "ő" -> Hungarian;
    "ư" -> Vietnamese): where that language is used, as a "script" clue (weight 0.5,
    floor 0.05). Left out when the language clue already names that language (one
    piece of evidence); it counts when detection was unsure or read another language
    ("TOTAL 37,50 LEI / Vă mulțumim!" is too short and shouting for a confident
    Romanian, but "ț" is Romanian)."""
    found = distinctive_letters(text)
    if found is None:
        return None
    lang, letters = found
    if language is not None and language.value == lang:
        return None
    likelihoods = _valid(language_countries(lang))
    if not likelihoods:
        return None
    src = "OCR" if source == "ocr" else source
    return Clue(
        "script",
        likelihoods,
        f"letters {', '.join(letters[:4])} are written in {language_name(lang)} ({src})",
        weight=LETTERS_WEIGHT,
        floor=SCRIPT_FLOOR,
        source=source,
        id=id,
        value=f"Latn-{lang}",
    )


_HIT_DEFAULTS = {
    # kind: (floor strong, weight strong, floor weak, weight weak)
    "phone": (0.002, 1.0, 0.3, 0.4),
    "domain": (0.005, 0.9, 0.3, 0.5),
    "currency": (0.01, 0.8, 0.03, 0.5),
    "postal_code": (0.2, 0.8, 0.2, 0.5),
}


def _hit_clue(hit: Hit, *, source: str, id: str | None, scale: float = 1.0,
              kind: str | None = None) -> Clue:
    floor_s, weight_s, floor_w, weight_w = _HIT_DEFAULTS[hit.kind]
    floor, weight = (floor_s, weight_s) if hit.strong else (floor_w, weight_w)
    what = {
        "phone": "phone number",
        "domain": "web domain",
        "currency": "price",
        "postal_code": "postal code",
    }[hit.kind]
    return Clue(
        kind or hit.kind,
        _valid(hit.countries),
        f"{what} {hit.text} ({hit.note})",
        weight=weight * scale,
        floor=floor,
        source=source,
        id=id,
        value=hit.text,
    )


# --------------------------------------------------------------------------- barcodes


def clue_from_gs1(
    country: str | None,
    *,
    weak: bool = True,
    store_internal: bool = False,
    book: bool = False,
    code: str = "",
    valid: bool = True,
    countries: Iterable[str] = (),
    id: str | None = None,
) -> Clue | None:
    """A clue from a barcode's GS1 prefix, or None when the prefix names no country.

    The prefix names the GS1 member organisation the brand owner registered with, which is
    often but not always the country of the brand, and never proof of where the product
    was made or sold: a weak clue (weight 0.5, floor 0.25; ``weak=False``, for a prefix
    an investigator confirmed for this brand, 0.8). ``countries`` lists every country of
    an organisation that serves several. Books (978/979 ISBN, 977 ISSN), store-internal
    numbers (02x, 04x, 2xx) and codes with a wrong check digit (``valid=False``: probably
    misread) carry no country.
    """
    if book or store_internal or not valid:
        return None
    codes = [str(c).upper() for c in (country, *countries) if c]
    codes = [c for c in dict.fromkeys(codes) if is_country(c)]
    if not codes:
        return None
    main = codes[0]
    digits = "".join(ch for ch in str(code) if ch.isdigit())
    prefix = digits[:3] if digits else ""
    what = f"barcode {digits}" if digits else "barcode"
    names = ", ".join(country_name(c) for c in codes[:3])
    reason = f"GS1 prefix {prefix} of {what} ({names})" if prefix else (
        f"GS1 prefix of {what} ({names})"
    )
    likelihoods = {c: (1.0 if c == main else 0.7) for c in codes}
    return Clue(
        "barcode_gs1",
        likelihoods,
        reason,
        weight=0.5 if weak else 0.8,
        floor=0.25,
        source="barcode",
        id=id,
        value=digits,
    )


def clue_from_gs1_info(info: Any, *, code: str = "", id: str | None = None) -> Clue | None:
    """:func:`clue_from_gs1` from an object with ``country``, ``weak``, ``store_internal``,
    ``book`` and ``valid`` attributes (what ``vision.barcodes.gs1_country`` returns)."""
    if info is None:
        return None
    return clue_from_gs1(
        getattr(info, "country", None),
        weak=bool(getattr(info, "weak", True)),
        store_internal=bool(getattr(info, "store_internal", False)),
        book=bool(getattr(info, "book", False)),
        valid=bool(getattr(info, "valid", True)),
        countries=tuple(getattr(info, "countries", ()) or ()),
        code=str(code or getattr(info, "code", "") or ""),
        id=id,
    )


# --------------------------------------------------------------------------- tips

_tip_counter = itertools.count(1)


def clues_from_tip(
    text: object,
    *,
    country_field: str | None = None,
    state: str = "new",
    language: str | None = None,
    brands: Mapping[str, str] | None = None,
    tip_id: str | int | None = None,
) -> list[Clue]:
    """Clues from one tip: its country field and what its text names.

    * ``country_field``: the country the tipster picked (ISO alpha-2);
    * places named in the text in any of the 24 EU languages and more ("gekauft in
      Krakau", "vendu en Belgique", "Kupiłem to w Polsce"), cities >= 100k included;
    * web domains and international phone numbers in the text;
    * ``brands``: shop and brand names investigators linked to a country
      ({"Biedronka": "PL", "Żabka": "PL"}), matched as whole words;
    * ``language``: the tip's language (the UI language it was written in), a very weak
      clue: tipsters write in the language they know, not the object's. A country gets
      1 + the language's share there against a floor of 1 (at most 2x, weighted 0.3 x
      trust: at most a factor 1.23), so it never counts against a country and never
      decides between the countries that speak the language.

    Every clue is weighted by :data:`TRIAGE_WEIGHTS` for ``state`` (unknown states count
    as "new") and carries the same ``id`` (``tip_id``, or a fresh one), so the tip counts
    once however many places it names. Never raises.
    """
    state_key = str(state or "new").strip().lower().replace("-", "_").replace(" ", "_")
    trust = TRIAGE_WEIGHTS.get(state_key, TRIAGE_WEIGHTS["new"])
    tid = f"tip:{tip_id}" if tip_id is not None else f"tip#{next(_tip_counter)}"
    state_note = state_key if state_key in TRIAGE_WEIGHTS else "new"
    clues: list[Clue] = []
    if country_field:
        code = str(country_field).strip().upper()
        if is_country(code):
            clues.append(
                Clue("tip_country", {code: 1.0},
                     f"tip says country {country_name(code)} ({state_note})",
                     weight=trust, floor=0.02, source="tip", id=tid, value=code)
            )
    body = clean(text, 5000)
    if body.strip():
        clues += _tip_text_clues(body, trust=trust, state_note=state_note, tid=tid,
                                 brands=brands)
    if language:
        lang = str(language).split("-")[0].split("_")[0].lower()
        countries = language_countries(lang)
        if countries:
            clues.append(
                Clue("tip_language", {c: 1.0 + v for c, v in countries.items()},
                     f"tip written in {language_name(lang)} ({state_note})",
                     weight=0.3 * trust, floor=1.0, source="tip", id=tid, value=lang)
            )
    return clues


def _tip_text_clues(
    body: str, *, trust: float, state_note: str, tid: str, brands: Mapping[str, str] | None
) -> list[Clue]:
    clues: list[Clue] = []
    seen: set[tuple[str, str]] = set()
    mentions: list[Mention] = find_mentions(body, brands=brands, limit=20)
    for mention in mentions:
        place = mention.place
        key = (place.kind, place.name)
        if key in seen:
            continue
        seen.add(key)
        countries = _valid(place.countries)
        if not countries:
            continue
        label = {"country": "", "city": "city ", "region": "region ", "language": "language ",
                 "brand": "brand "}.get(place.kind, "")
        shown = place.name if place.kind != "brand" else f"{place.name} -> {_names(countries)}"
        if mention.text.casefold() == place.name.casefold() or place.kind == "brand":
            what = f"{label}{shown}"
        else:
            what = f"{mention.text!r} ({label}{shown})"
        clues.append(
            Clue(
                "tip_mention",
                countries,
                f"tip mentions {what} ({state_note})",
                weight=trust * KIND_WEIGHT.get(place.kind, 0.5) * place.weight,
                floor=0.03,
                source="tip",
                id=tid,
                value=mention.text,
            )
        )
    for hit in find_domains(body, limit=3):
        clues.append(_hit_clue(hit, source="tip", id=tid, scale=trust * 0.8, kind="tip_mention"))
    if "+" in body or "00" in body:
        for hit in find_phone_numbers(body, national=False, limit=3):
            clues.append(_hit_clue(hit, source="tip", id=tid, scale=trust * 0.8,
                                   kind="tip_mention"))
    return clues


def _names(countries: Mapping[str, float]) -> str:
    return ", ".join(country_name(c) for c in sorted(countries, key=lambda c: -countries[c])[:3])


# --------------------------------------------------------------------------- investigators


def clue_from_tag(tag: str, value: object, *, id: str | None = None) -> Clue:
    """A clue from an investigator's tag on the object.

    Tags (see :data:`traceobject.geo.reference.TAGS`): ``plug`` (IEC type letters),
    ``voltage``, ``frequency``, ``driving_side``, ``currency``, ``paper`` (A4/Letter),
    ``date_format`` (DMY/MDY/YMD or an example date), ``decimal_separator``, and
    ``language`` (an ISO 639-1 code: the language of text on the object).
    Raises :class:`TagError` (a ValueError) for an unknown tag or an unusable value.
    """
    if str(tag).strip().lower() == "language":
        code = str(value).strip().lower()
        countries = language_countries(code)
        if not countries:
            raise TagError(f"unknown language {value!r}")
        return Clue("investigator_tag", countries,
                    f"investigator: text is {language_name(code)}",
                    weight=1.0, floor=0.01, source="investigator", id=id, value=code)
    match = tag_likelihoods(tag, value)
    shown = ", ".join(match.matching[:8]) + (" ..." if len(match.matching) > 8 else "")
    reason = f"investigator tag {match.tag} = {match.value}"
    reason += f" (fits {len(match.matching)} countries: {shown})" if match.matching else (
        " (fits no country in the tables)"
    )
    return Clue(
        "investigator_tag",
        match.likelihoods,
        reason,
        weight=1.0,
        floor=0.05,
        source="investigator",
        id=id,
        value=match.value,
    )


def clue_from_note(
    country: str,
    for_: bool = True,
    reason: str = "",
    *,
    strength: float = 1.0,
    id: str | None = None,
) -> Clue:
    """An investigator's free note: "country X: for/against, because ...".

    For: the country is 10x likelier than the rest. Against: it is 20x less likely (never
    impossible: a later clue can still bring it back). Raises ValueError for a code that
    is not an ISO 3166-1 alpha-2 country.
    """
    code = str(country).strip().upper()
    if not is_country(code):
        raise ValueError(f"not a country code: {country!r}")
    because = f", because {reason.strip()}" if reason and reason.strip() else ""
    weight = max(0.0, min(1.0, float(strength)))
    if for_:
        return Clue("investigator_note", {code: 1.0},
                    f"investigator: for {country_name(code)}{because}",
                    weight=weight, floor=0.1, source="investigator", id=id, value=code)
    return Clue("investigator_note", {code: 0.05},
                f"investigator: against {country_name(code)}{because}",
                weight=weight, floor=1.0, source="investigator", id=id, value=code)
