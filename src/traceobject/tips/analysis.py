"""What a tip says, for triage: entities, a triage score and a near-duplicate fingerprint.

Django-free (plain functions and dataclasses), offline, and bounded: every function looks at
no more than :data:`MAX_CHARS` characters of a tip and never raises on odd text.

Entities reuse the geo clue extractors: places (countries, regions, cities in any of the UI
languages, "Krakau" = "Cracow" = "Kraków") come from :mod:`traceobject.geo.gazetteer`,
phone numbers from :mod:`traceobject.geo.textscan`; web addresses, e-mail addresses and
shop or brand names written in capitals are found here.

A tip's *claims* are the canonical keys of its entities (``city:krakow``, ``country:PL``,
``brand:kaufhof``, ``domain:shop.example``, ``phone:+48...``) plus the country and place
the tipster gave; its *words* are the content words of its text (case and accents folded,
stopwords of common languages dropped, crudely stemmed). Two tips are near-duplicates when
the weighted Jaccard similarity of claims and words (a claim counts :data:`CLAIM_WEIGHT`
words) reaches :data:`THRESHOLD`: the same claims in other words, or in another language,
count as the same tip. Candidates are found with MinHash-LSH (:func:`band_keys`), so a new
tip is compared with a bounded number of earlier tips however many there are.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from traceobject.geo._text import WORD_RE, fold
from traceobject.geo.countries import is_country

logger = logging.getLogger(__name__)

MAX_CHARS = 20_000

# ---------------------------------------------------------------------------- entities

# Precedence when two spans overlap: the first kind found keeps the text.
ENTITY_KINDS = ("url", "email", "phone", "country", "region", "city", "brand")
CONCRETE_KINDS = frozenset({"url", "email", "phone", "region", "city", "brand"})


@dataclass(frozen=True, slots=True)
class Entity:
    kind: str  # one of ENTITY_KINDS
    start: int  # offsets into the tip's text
    end: int
    value: str  # as written
    key: str  # the canonical claim: "city:krakow", "country:PL", "brand:kaufhof"
    country: str = ""  # the country the entity clearly points at, if any

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "value": self.value,
                "key": self.key, "country": self.country}


_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'«»“”„]+")
_EMAIL_RE = re.compile(r"(?i)(?<![\w.+\-])[\w.+\-]{1,64}@(?:[a-z0-9\-]{1,63}\.)+[a-z]{2,24}\b")
_HOST_RE = re.compile(
    r"(?i)(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?P<tld>[a-z]{2,24})"
    r"(?![\w\-])(?!\.[a-z0-9])")
_TRAILING = ".,;:!?)]}'\"’»"
# Generic top-level domains that tips name (country-code ones are checked by geo.textscan).
GENERIC_TLDS = frozenset({
    "com", "org", "net", "info", "biz", "shop", "store", "online", "site", "eu", "app",
    "top", "xyz", "club", "fashion", "toys", "market", "io", "co", "tv", "me"})
_NOT_HOSTS = frozenset({"e.g", "i.e", "z.o.o", "o.o", "s.r.o", "u.s", "u.k", "d.o.o"})

_CAPS_TOKEN_RE = re.compile(r"[\w&'’\-]+")
# Words often written in capitals that are not shops or brands.
_CAPS_STOP = frozenset({
    "THE", "AND", "FOR", "NOT", "YES", "HELP", "PLEASE", "URGENT", "IMPORTANT", "NOTE",
    "WARNING", "HELLO", "THANKS", "SMS", "URL", "WWW", "HTTP", "HTTPS", "PDF", "JPG", "PNG",
    "GPS", "DVD", "ATM", "VAT", "FAQ", "ASAP", "LOL", "OMG", "BTW", "FYI", "IMHO", "TBH",
    "PS", "NB", "OK", "TV", "EU", "ID", "AM", "PM", "CEO", "DIY", "XXL", "XL", "USB", "LED",
    "UND", "DER", "DIE", "DAS", "NICHT", "LES", "DES", "UNE", "POUR", "NIE", "JEST", "ALE",
    "POLICE", "POLIZEI", "POLICJA", "STOP", "SOS", "NEW", "SALE", "OPEN",
})
_CAPS_MAX_WORDS = 4


def _clip(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return text[:MAX_CHARS]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _host_key(host: str) -> str:
    host = host.lower().split(":", 1)[0].strip(".")
    return "domain:" + host.removeprefix("www.")


def _find_urls(text: str) -> list[Entity]:
    out = []
    for m in _URL_RE.finditer(text):
        value = m.group(0).rstrip(_TRAILING)
        if len(value) < 5:
            continue
        spec = value if "://" in value else "http://" + value
        try:
            host = urlsplit(spec).hostname or ""
        except ValueError:
            host = ""
        if "." not in host:
            continue
        key = _host_key(host)
        out.append(Entity("url", m.start(), m.start() + len(value), value, key,
                          _domain_country(key.removeprefix("domain:"))))
    return out


def _domain_country(host: str) -> str:
    """The country of a host's country-code domain, as geo.textscan reads it ("" if none)."""
    from traceobject.geo.textscan import find_domains

    hits = find_domains(host)
    return _clear_country(hits[0].countries) if hits and hits[0].strong else ""


def _find_emails(text: str) -> list[Entity]:
    return [Entity("email", m.start(), m.end(), m.group(0), "email:" + m.group(0).lower())
            for m in _EMAIL_RE.finditer(text)]


def _find_hosts(text: str) -> list[Entity]:
    """Bare web domains: generic ones here, country-code ones as geo.textscan accepts them."""
    from traceobject.geo.textscan import find_domains

    country_hosts = {hit.text.lower(): _clear_country(hit.countries) if hit.strong else ""
                     for hit in find_domains(text)}
    out = []
    for m in _HOST_RE.finditer(text):
        value = m.group(0)
        lowered = value.lower()
        tld = m.group("tld").lower()
        labels = lowered.split(".")
        if lowered in _NOT_HOSTS or not any(ch.isalpha() for ch in labels[-2]):
            continue
        if lowered in country_hosts:
            country = country_hosts[lowered]
        elif tld in GENERIC_TLDS and len(labels[-2]) >= 2 and m.group("tld") in (tld,
                                                                                  tld.upper()):
            country = ""
        else:
            continue
        out.append(Entity("url", m.start(), m.end(), value, _host_key(lowered), country))
    return out


def _find_phones(text: str) -> list[Entity]:
    from traceobject.geo.textscan import find_phone_numbers

    out = []
    for hit in find_phone_numbers(text):
        digits = re.sub(r"\D", "", hit.text)
        if len(digits) < 6:
            continue
        international = hit.text.lstrip().startswith(("+", "00"))
        if international and hit.text.lstrip().startswith("00"):
            digits = digits[2:]
        # where it is written (the scanner may have rewritten "0048" as "+48")
        gaps = r"[\s().\-/]{0,3}"
        pattern = (r"(?:\+|00)?" if international else "") + gaps.join(digits)
        found = re.search(pattern, text)
        if found is None:
            continue
        country = _clear_country(hit.countries) if hit.strong else ""
        key = "phone:" + ("+" if international else "") + digits
        out.append(Entity("phone", found.start(), found.end(), found.group(0), key, country))
    return out


def _clear_country(countries: Mapping[str, float]) -> str:
    """The single country a place points at with full likelihood, else ""."""
    top = [code for code, value in countries.items() if value >= 1.0]
    return top[0] if len(top) == 1 and is_country(top[0]) else ""


def _is_one_place(value: str) -> bool:
    """Is this run of capital words one place name ("NEW YORK")?"""
    places = _find_places(value)
    return len(places) == 1 and places[0].start == 0 and places[0].end == len(value)


def _find_places(text: str) -> list[Entity]:
    from traceobject.geo.gazetteer import find_mentions

    out = []
    for mention in find_mentions(text, limit=50):
        place = mention.place
        if place.kind not in ("country", "region", "city"):
            continue
        country = _clear_country(place.countries)
        if place.kind == "country":
            if not country:
                continue
            key = f"country:{country}"
        else:
            key = f"{place.kind}:{_norm(place.name)}"
        out.append(Entity(place.kind, mention.start, mention.end, mention.text, key, country))
    return out


def _norm(value: str) -> str:
    return " ".join(WORD_RE.findall(fold(value)))


def _mostly_capitals(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    cased = [ch for ch in letters if ch.isupper() or ch.islower()]
    return bool(cased) and sum(ch.isupper() for ch in cased) > 0.6 * len(cased)


def _is_caps_word(token: str) -> bool:
    letters = [ch for ch in token if ch.isalpha()]
    if not letters or not all(ch.isupper() for ch in letters):
        return False
    if "&" in token:
        return len(letters) >= 2
    return len(letters) >= 3


@lru_cache(maxsize=512)
def _is_currency(code: str) -> bool:
    from traceobject.geo.reference import currency_countries

    return len(code) == 3 and bool(currency_countries(code))


def _find_brands(text: str, taken: list[tuple[int, int]]) -> list[Entity]:
    """Shop and brand names written in capitals ("KAUFHOF", "ALBERT HEIJN", "H&M")."""
    if _mostly_capitals(text):
        return []  # a text in capitals says nothing by its capitals
    tokens = list(_CAPS_TOKEN_RE.finditer(text))
    out: list[Entity] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token.group(0).strip("'’-")
        if (not _is_caps_word(word) or word in _CAPS_STOP or _is_currency(word)
                or _overlaps(taken, token.start(), token.end())):
            i += 1
            continue
        j = i + 1  # join the capital words that follow with a single space between
        while (j < len(tokens) and j - i < _CAPS_MAX_WORDS
               and text[tokens[j - 1].end():tokens[j].start()] == " "
               and _is_caps_word(tokens[j].group(0)) and tokens[j].group(0) not in _CAPS_STOP
               and not _overlaps(taken, tokens[j].start(), tokens[j].end())):
            j += 1
        start, end = token.start(), tokens[j - 1].end()
        value = text[start:end].strip("'’-")
        end = start + len(value)
        out.append(Entity("brand", start, end, value, "brand:" + _norm(value)))
        i = j
    return out


def entities_find(text: str) -> list[Entity]:
    """The entities of a tip's text, in order of appearance, without overlaps."""
    text = _clip(text)
    if not text.strip():
        return []
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def keep(candidates: Iterable[Entity]) -> None:
        for entity in candidates:
            if entity.end > entity.start and not _overlaps(taken, entity.start, entity.end):
                found.append(entity)
                taken.append((entity.start, entity.end))

    try:
        keep(_find_urls(text))
        keep(_find_emails(text))
        keep(_find_hosts(text))
        keep(_find_phones(text))
        brands = _find_brands(text, taken)
        keep(b for b in brands if " " in b.value and not _is_one_place(b.value))
        keep(_find_places(text))
        keep(_find_brands(text, taken))
    except Exception as error:  # entity extraction must never stop a tip from being opened
        logger.warning("entity extraction failed: %s", type(error).__name__)
    found.sort(key=lambda e: (e.start, e.end))
    return found


PLACE_CHARS = 500


def place_entities(place: str) -> list[Entity]:
    """The places the tip's "where" field names."""
    if not isinstance(place, str) or not place.strip():
        return []
    try:
        return _find_places(place[:PLACE_CHARS])
    except Exception as error:  # never stop a tip from being opened
        logger.warning("place extraction failed: %s", type(error).__name__)
        return []


# ---------------------------------------------------------------------------- claims and words

# Function words of the common tip languages (folded: lower case, no accents).
_STOPWORD_TEXT = """
the and for are but not you your yours this that these those was were been being have has had
with from into onto over under about there here they them their what which who whom when where
why how all any some one two its it's also just very really maybe perhaps think know saw seen
see would could should will can did does done our out off than then too much many more most
der die das den dem des ein eine einer eines einem einen und oder aber nicht ich mir mich mein
meine sie wir ihr ist sind war waren habe hast hat haben bei mit von aus auf fur uber unter
nach vor wie was wer wo wann auch noch schon sehr diese dieser dieses diesen dort hier gesehen
les des une un est sont etait avec pour par dans sur sous chez mais pas que qui quoi ou ce cet
cette ces mon ma mes je tu il elle nous vous ils elles ont avait ete vu tres aussi
los las unos unas una uno del con para por pero que quien donde cuando como este esta estos
estas ese esa eso fue era muy tambien visto yo mi mis
il lo gli le una uno della delle dei con per tra fra che chi dove quando come questo questa
questi queste quel quella era sono stato vista visto molto anche
het een van met voor door maar niet dat die deze dit ook heel gezien ik mijn zijn was waren
nie jest byl byla bylo sa ale ten tej tym tego ta to te tych przez dla jak gdzie kiedy tak
bardzo tez juz jeszcze moj moja moje widzialem widzialam ktory ktora ktore sie
uma dos das com para por mas nao que quem onde quando como este esta isso foi era muito
tambem vi eu meu minha
och att det som den har var inte med for pa men jag min mitt
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Crude stemming: one common inflectional suffix off (keeping four letters), then a prefix.
_SUFFIXES = tuple(sorted((
    "ations", "ation", "ungen", "ung", "ing", "ings", "ed", "es", "en", "er", "em", "ern",
    "ie", "ach", "ami", "ow", "ego", "ych", "ami", "iem", "om", "ow", "ski", "ska", "s", "e",
    "a", "o", "y", "i", "u"), key=len, reverse=True))
STEM_LENGTH = 6
MAX_WORDS = 200


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        keep = 3 if suffix in ("s", "es") else 4
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)]
            break
    return word[:STEM_LENGTH]


def content_words(text: str, entities: Iterable[Entity] = ()) -> list[str]:
    """Stems of the content words of ``text`` outside the entity spans, in first-seen order."""
    out: dict[str, None] = {}
    for word in WORD_RE.findall(fold(_blanked(text, entities))):
        if len(word) < 3 or word in STOPWORDS:
            continue
        out[stem(word)] = None
        if len(out) >= MAX_WORDS:
            break
    return list(out)


@dataclass(frozen=True, slots=True)
class TipText:
    """The inputs of the analysis: what the tipster wrote."""

    text: str
    country: str = ""
    place: str = ""
    seen_when: str = ""


def claims_of(tip: TipText, entities: Iterable[Entity]) -> set[str]:
    claims: set[str] = set()
    for entity in entities:
        claims.add(entity.key)
        if entity.country and entity.kind != "country":
            claims.add(f"country:{entity.country}")
    if tip.country and is_country(tip.country.upper()):
        claims.add(f"country:{tip.country.upper()}")
    return claims


def fingerprint(tip: TipText, entities: Iterable[Entity]) -> list[str]:
    """The tokens two tips are compared on: "c:<claim>" and "w:<stem>", sorted."""
    entities = list(entities)
    places = place_entities(tip.place)
    tokens = {f"c:{claim}" for claim in claims_of(tip, [*entities, *places])}
    tokens |= {f"w:{word}" for word in content_words(tip.text, entities)}
    tokens |= {f"w:{word}" for word in content_words(tip.place[:PLACE_CHARS], places)}
    return sorted(tokens)


# ---------------------------------------------------------------------------- similarity

CLAIM_WEIGHT = 4  # a claim counts as much as this many content words
THRESHOLD = 0.5  # weighted Jaccard at or above which two tips are near-duplicates


def token_weight(token: str) -> int:
    return CLAIM_WEIGHT if token.startswith("c:") else 1


def _weight(tokens: frozenset[str] | set[str]) -> int:
    claims = sum(1 for t in tokens if t[:2] == "c:")
    return len(tokens) + (CLAIM_WEIGHT - 1) * claims


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Weighted Jaccard similarity of two fingerprints (0 if both are empty)."""
    sa = a if isinstance(a, frozenset | set) else set(a)
    sb = b if isinstance(b, frozenset | set) else set(b)
    inter = _weight(sa & sb)
    union = _weight(sa) + _weight(sb) - inter
    return inter / union if union else 0.0


# ---------------------------------------------------------------------------- MinHash-LSH

BANDS = 12
ROWS = 2
NUM_PERM = BANDS * ROWS
_PRIME = 4_294_967_311  # > 2**32
_rng = np.random.default_rng(20251125)
_A = _rng.integers(1, 2**31, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, 2**31, size=NUM_PERM, dtype=np.uint64)


@lru_cache(maxsize=65536)  # claims and words repeat across tips
def _hash32(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")


def _key(data: bytes) -> int:
    """A stable signed 64-bit key (it goes into a BigIntegerField)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)


def _expanded(tokens: Iterable[str]) -> list[str]:
    """Weighted tokens as repeated tokens: MinHash of the result estimates weighted Jaccard."""
    out = []
    for token in tokens:
        weight = token_weight(token)
        out += [token] if weight == 1 else [f"{token}#{i}" for i in range(weight)]
    return out


def signature(tokens: Iterable[str]) -> np.ndarray | None:
    values = [_hash32(t) for t in _expanded(tokens)]
    if not values:
        return None
    x = np.array(values, dtype=np.uint64)[:, None]
    permuted: np.ndarray = (_A[None, :] * x + _B[None, :]) % np.uint64(_PRIME)
    return permuted.min(axis=0)


def exact_key(tokens: Iterable[str]) -> int:
    return _key(b"exact\x1f" + "\x1f".join(sorted(tokens)).encode())


_MASK32 = np.uint64(0xFFFFFFFF)
_BAND_SEEDS = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser (uint64 arithmetic wraps around, as intended)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def band_keys(tokens: Iterable[str]) -> list[int]:
    """The keys under which a fingerprint is indexed: one per LSH band, and one for the
    exact fingerprint (so identical tips always meet). [] for an empty fingerprint."""
    tokens = list(tokens)
    sig = signature(tokens)
    if sig is None:
        return []
    rows = (sig & _MASK32).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        keys = _BAND_SEEDS.copy()
        for row in range(ROWS):
            keys = _mix64(keys ^ rows[:, row])
    return [exact_key(tokens), *keys.view(np.int64).tolist()]


# ---------------------------------------------------------------------------- clustering

# Each LSH bucket remembers at most this many tips: a thousand identical tips need one
# representative there, and a popular bucket must not make every new tip compare with
# thousands of others.
BUCKET_CAP = 32
# At most this many candidates (those sharing the most buckets) are compared exactly.
MAX_CANDIDATES = 30


def rank_candidates(shared: Mapping[int, int], limit: int = MAX_CANDIDATES) -> list[int]:
    """Candidate ids, those sharing the most buckets first (ties: the earliest)."""
    best = heapq.nsmallest(limit, shared.items(), key=lambda item: (-item[1], item[0]))
    return [i for i, _n in best]


def best_match(tokens: Iterable[str], candidates: Iterable[tuple[int, Iterable[str]]],
               threshold: float = THRESHOLD) -> tuple[int, float] | None:
    """The first candidate, in the order given (rank_candidates: most shared LSH buckets,
    then the earliest), whose similarity reaches ``threshold``; None if none does."""
    tokens = frozenset(tokens)
    for cid, other in candidates:
        score = similarity(tokens, other)
        if score >= threshold:
            return cid, score
    return None


class Clusterer:
    """Incremental near-duplicate clustering in memory (the batch form of what tip opening
    does against the database): each tip, in order, joins the cluster of an earlier tip
    similar enough to it (best_match), if there is one.

        clusterer = Clusterer()
        for tip_id, tokens in tips:          # in id order
            clusterer.add(tip_id, tokens)
        clusterer.groups()                   # [[ids of one cluster], ...] (2 or more each)
    """

    def __init__(self, *, threshold: float = THRESHOLD, bucket_cap: int = BUCKET_CAP,
                 max_candidates: int = MAX_CANDIDATES) -> None:
        self.threshold = threshold
        self.bucket_cap = bucket_cap
        self.max_candidates = max_candidates
        self.buckets: dict[int, list[int]] = {}
        self.tokens: dict[int, frozenset[str]] = {}
        self.root: dict[int, int] = {}

    def add(self, tip_id: int, tokens: Iterable[str], keys: list[int] | None = None
            ) -> int | None:
        """Add a tip; return the id of the earlier tip it joined, or None."""
        token_set = frozenset(tokens)
        keys = band_keys(token_set) if keys is None else keys
        exact = self.buckets.get(keys[0]) if keys else None
        if exact:  # an identical earlier tip shares every bucket: it would rank first
            match: tuple[int, float] | None = (exact[0], 1.0)
        else:
            shared = Counter(chain.from_iterable(self.buckets.get(key, ()) for key in keys))
            ranked = rank_candidates(shared, self.max_candidates)
            match = best_match(token_set, ((c, self.tokens[c]) for c in ranked),
                               self.threshold)
        self.tokens[tip_id] = token_set
        self.root[tip_id] = self.root[match[0]] if match else tip_id
        for key in keys:
            bucket = self.buckets.setdefault(key, [])
            if len(bucket) < self.bucket_cap:
                bucket.append(tip_id)
        return match[0] if match else None

    def groups(self) -> list[list[int]]:
        by_root: dict[int, list[int]] = {}
        for tip_id, root in self.root.items():
            by_root.setdefault(root, []).append(tip_id)
        return [sorted(ids) for ids in by_root.values() if len(ids) > 1]


# ---------------------------------------------------------------------------- triage score

# The triage score: higher first in the inbox. Each line is one reason; they add up.
SCORE_WEIGHTS: dict[str, float] = {
    "entity": 1.5,  # each distinct concrete claim: phone, shop or brand, city, region, and
                    # one for any number of web and e-mail addresses (at most
                    # MAX_SCORED_ENTITIES count)
    "country": 1.5,  # a country given in the form or named in the text
    "place": 1.0,  # the "where" field filled in
    "when": 0.5,  # the "when" field filled in
    "length": 2.0,  # content words, in full at FULL_LENGTH_WORDS
    "gibberish": -4.0,  # not language-like and nothing concrete in it
    "links_only": -3.0,  # little more than links
    "many_links": -3.0,  # more than MANY_LINKS web addresses (advertising)
    "shouting": -0.5,  # mostly capitals
}
MAX_SCORED_ENTITIES = 4
FULL_LENGTH_WORDS = 40
MANY_LINKS = 3


def score_reasons(tip: TipText, entities: list[Entity]) -> dict[str, float]:
    """The parts of the triage score, by reason (see SCORE_WEIGHTS)."""
    from traceobject.geo.language import looks_like_language

    text = _clip(tip.text)
    links = [e for e in entities if e.kind in ("url", "email")]
    concrete = {e.key for e in entities if e.kind in CONCRETE_KINDS and e not in links}
    if links:
        concrete.add("links")  # a spammer's ten links count once
    words = content_words(text, entities)
    rest = _blanked(text, links)
    rest_letters = sum(ch.isalpha() for ch in rest)
    parts: dict[str, float] = {}
    if concrete:
        parts["entity"] = SCORE_WEIGHTS["entity"] * min(len(concrete), MAX_SCORED_ENTITIES)
    if (tip.country and is_country(tip.country.upper())) or any(
            e.country for e in entities):
        parts["country"] = SCORE_WEIGHTS["country"]
    if tip.place.strip():
        parts["place"] = SCORE_WEIGHTS["place"]
    if tip.seen_when.strip():
        parts["when"] = SCORE_WEIGHTS["when"]
    if words:
        parts["length"] = SCORE_WEIGHTS["length"] * min(len(words), FULL_LENGTH_WORDS) / (
            FULL_LENGTH_WORDS)
    if links and rest_letters < 20:
        parts["links_only"] = SCORE_WEIGHTS["links_only"]
    elif not concrete and not looks_like_language(rest):
        parts["gibberish"] = SCORE_WEIGHTS["gibberish"]
    if len(links) > MANY_LINKS:
        parts["many_links"] = SCORE_WEIGHTS["many_links"]
    if _mostly_capitals(text) and sum(ch.isalpha() for ch in text) >= 20:
        parts["shouting"] = SCORE_WEIGHTS["shouting"]
    return parts


def triage_score(tip: TipText, entities: list[Entity]) -> float:
    return round(sum(score_reasons(tip, entities).values()), 3)


# ---------------------------------------------------------------------------- language


MIN_LANGUAGE_CONFIDENCE = 0.5  # lingua's relative confidence that settles it alone
LANGUAGE_MARGIN = 1.5  # otherwise the first must be this much likelier than the second


def detect_language(text: str, *, hint: str = "") -> str:
    """The language a tip is written in (ISO 639-1), or "" when unsure.

    ``hint`` is the language of the page the tipster wrote on: it decides between close
    candidates. geo.language loads lingua lazily, once per process, in the mode the
    deployment chose (TRACEOBJECT_GEO_LANGUAGE_MODE).
    """
    from traceobject.geo.language import detect_languages

    found = detect_languages(unicodedata.normalize("NFC", _clip(text)), limit=3)
    if not found:
        return ""
    top = found[0]
    if top.confidence >= MIN_LANGUAGE_CONFIDENCE:
        return top.code[:8]
    hint = hint.split("-")[0].lower()
    for candidate in found:
        if candidate.code == hint and candidate.confidence * 2 >= top.confidence:
            return hint[:8]
    second = found[1].confidence if len(found) > 1 else 0.0
    return top.code[:8] if top.confidence >= LANGUAGE_MARGIN * second else ""


@dataclass(frozen=True, slots=True)
class Analysis:
    entities: list[Entity]
    fingerprint: list[str]
    score: float
    language: str


def analyse(tip: TipText, *, language: bool = True, language_hint: str = "") -> Analysis:
    """Everything tip opening computes: entities, fingerprint, score, detected language."""
    entities = entities_find(tip.text)
    return Analysis(
        entities=entities,
        fingerprint=fingerprint(tip, entities),
        score=triage_score(tip, entities),
        language=detect_language(_blanked(tip.text, [e for e in entities if e.kind in (
            "url", "email", "phone")]), hint=language_hint) if language else "",
    )


def _blanked(text: str, entities: Iterable[Entity]) -> str:
    chars = list(_clip(text))
    for entity in entities:
        chars[entity.start:entity.end] = " " * (entity.end - entity.start)
    return "".join(chars)
