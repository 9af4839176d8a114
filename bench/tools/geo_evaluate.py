"""A small evaluation set, generated in code, and top-1 / top-3 accuracy of the estimate.

    .venv/bin/python bench/tools/geo_evaluate.py [--verbose]

(A development tool, never imported at run time; ``tests/geo/test_evaluate.py`` checks the
figures.)

Groups:

* ``text``: object texts in a known language (label snippets), some with a price;
* ``text+barcode``: the same texts with the GS1 prefix of a barcode from that country;
* ``phone``: an international phone number printed on the object, with a short text;
* ``tips``: several synthetic tips in various languages naming the country or a city;
* ``tip-inflected``: one useful tip each, in 20 languages, naming a city or region in
  an inflected form ("w Krakowie", "v Praze", "Budapesten", "i mBaile Átha Cliath") or
  a shop linked to a country by investigators;
* ``conflict``: clues that disagree, where the stronger evidence should still win
  (a phone number against a barcode; a majority of useful tips against spam and
  not-useful ones; a store label in one language with a second-country phone number);
* ``noise``: no usable clue (garbage, emoji, digits): the estimate must stay flat (the
  best country under 3x the uniform probability; column ``flat``).

The cases are hand-written templates, not real data: they check that the pipeline does
what it is meant to, not how well it does on real objects.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from traceobject.geo.clues import (  # noqa: E402
    Clue,
    clue_from_gs1,
    clues_from_text,
    clues_from_tip,
)
from traceobject.geo.fusion import CountryEstimate, estimate  # noqa: E402


@dataclass(frozen=True)
class Case:
    group: str
    name: str
    expected: str | None  # None: the estimate should be flat
    make: Callable[[], list[Clue]]
    cluster_of: dict[str, str] | None = None


# Object texts: (country, language label text, price or "").
_LABELS: tuple[tuple[str, str, str], ...] = (
    ("PL", "Skład: cukier, mąka pszenna, olej rzepakowy. Przechowywać w suchym miejscu.",
     "Cena 29,99 zł"),
    ("DE", "Zutaten: Zucker, Weizenmehl, Rapsöl. Trocken lagern und vor Wärme schützen.",
     "Preis 12,99 €"),
    ("FR", "Ingrédients : sucre, farine de blé, huile de colza. À conserver au sec.",
     "Prix 9,50 €"),
    ("IT", "Ingredienti: zucchero, farina di frumento, olio di colza. Conservare in luogo "
     "asciutto.", "Prezzo 4,99 €"),
    ("NL", "Ingrediënten: suiker, tarwebloem, koolzaadolie. Droog bewaren.", "Prijs € 3,49"),
    ("SE", "Ingredienser: socker, vetemjöl, rapsolja. Förvaras torrt.", "Pris 29 kr"),
    ("CZ", "Složení: cukr, pšeničná mouka, řepkový olej. Skladujte v suchu.", "Cena 59 Kč"),
    ("HU", "Összetevők: cukor, búzaliszt, repceolaj. Száraz helyen tárolandó.", "Ár 1 290 Ft"),
    ("RO", "Ingrediente: zahăr, făină de grâu, ulei de rapiță. A se păstra la loc uscat.",
     "Preț 12,50 lei"),
    ("PT", "Ingredientes: açúcar, farinha de trigo, óleo de colza. Conservar em local seco "
     "e fresco.", "Preço 2,99 €"),
    ("GR", "Συστατικά: ζάχαρη, αλεύρι σίτου, κραμβέλαιο. Διατηρείται σε ξηρό μέρος.",
     "Τιμή 3,20 €"),
    ("BG", "Съставки: захар, пшенично брашно, рапично масло. Да се съхранява на сухо място.",
     "Цена 5,99 лв."),
    ("FI", "Ainesosat: sokeri, vehnäjauho, rypsiöljy. Säilytetään kuivassa.", "Hinta 2,49 €"),
    ("DK", "Ingredienser: sukker, hvedemel, rapsolie. Opbevares tørt og køligt.", ""),
    ("HR", "Sastojci: šećer, pšenično brašno, repičino ulje. Čuvati na suhom mjestu.", ""),
    ("SK", "Zloženie: cukor, pšeničná múka, repkový olej. Skladujte v suchu a chlade.", ""),
    ("SI", "Sestavine: sladkor, pšenična moka, repično olje. Hraniti na suhem mestu.", ""),
    ("LT", "Sudedamosios dalys: cukrus, kvietiniai miltai, rapsų aliejus. Laikyti sausoje "
     "vietoje.", ""),
    ("LV", "Sastāvdaļas: cukurs, kviešu milti, rapšu eļļa. Uzglabāt sausā vietā.", ""),
    ("EE", "Koostisosad: suhkur, nisujahu, rapsiõli. Hoida kuivas kohas.", ""),
    ("TR", "İçindekiler: şeker, buğday unu, kanola yağı. Serin ve kuru yerde muhafaza "
     "ediniz.", "Fiyat 45 TL"),
    ("UA", "Склад: цукор, пшеничне борошно, ріпакова олія. Зберігати в сухому місці.",
     "Ціна 89 грн"),
    ("RU", "Состав: сахар, пшеничная мука, рапсовое масло. Хранить в сухом месте.",
     "Цена 199 руб"),
    ("JP", "原材料名：砂糖、小麦粉、なたね油。直射日光を避けて保存してください。", "価格 300円"),
    ("KR", "원재료명: 설탕, 밀가루, 카놀라유. 직사광선을 피해 서늘한 곳에 보관하십시오.",
     "가격 3,000원"),
    ("CN", "配料：白砂糖、小麦粉、菜籽油。请置于阴凉干燥处保存。", "价格 25元"),
    ("GB", "Ingredients: sugar, wheat flour, rapeseed oil. Store in a cool dry place.",
     "Price £2.49"),
    ("US", "Ingredients: sugar, enriched wheat flour, canola oil. Store in a cool, dry "
     "place.", "Price US$3.99"),
    ("ES", "Ingredientes: azúcar, harina de trigo, aceite de colza. Consérvese en lugar "
     "fresco y seco.", "Precio 2,95 €"),
    ("NO", "Ingredienser: sukker, hvetemel, rapsolje. Oppbevares tørt og kjølig.",
     "Pris 39 kr"),
)

# Representative GS1 prefixes (GS1 member organisations), for the barcode group.
_GS1_PREFIX = {
    "PL": "590", "DE": "400", "FR": "300", "IT": "800", "NL": "870", "SE": "730",
    "CZ": "859", "HU": "599", "RO": "594", "PT": "560", "GR": "520", "BG": "380",
    "FI": "640", "DK": "570", "HR": "385", "SK": "858", "SI": "383", "LT": "477",
    "LV": "475", "EE": "474", "TR": "869", "UA": "482", "RU": "460", "JP": "450",
    "KR": "880", "CN": "690", "GB": "500", "US": "001", "ES": "840", "NO": "700",
}

_PHONES = (
    ("PL", "+48 22 123 45 67"), ("DE", "+49 30 1234567"), ("FR", "+33 1 42 68 53 00"),
    ("IT", "+39 02 1234 5678"), ("ES", "+34 912 34 56 78"), ("NL", "+31 20 123 4567"),
    ("BE", "+32 2 123 45 67"), ("AT", "+43 1 5123456"), ("CH", "+41 44 123 45 67"),
    ("GB", "+44 20 7946 0958"), ("IE", "+353 1 234 5678"), ("US", "+1 212 555 0123"),
    ("CA", "+1 416 555 0199"), ("AU", "+61 2 9876 5432"), ("CZ", "+420 212 345 678"),
    ("SE", "+46 8 123 456 78"), ("RO", "+40 21 123 4567"), ("PT", "+351 21 123 4567"),
    ("GR", "+30 21 0123 4567"), ("HU", "+36 1 234 5678"),
)

# Tip templates per language: (language, template with {place}).
_TIP_TEMPLATES = (
    ("en", "I saw this exact shirt in a shop in {place} last summer."),
    ("de", "Ich habe diese Tasche in {place} gekauft."),
    ("fr", "J'ai vu ce sac dans un magasin à {place}."),
    ("es", "Lo compré en {place} hace dos años."),
    ("it", "Ho visto questa borsa in un negozio a {place}."),
    ("nl", "Ik heb dit shirt in {place} gezien."),
    ("pl", "Widziałem tę torbę w sklepie, miasto {place}."),
    ("pt", "Vi esta camisola numa loja em {place}."),
)
# Places for tips: (country, names usable in tips: country names and cities).
_TIP_PLACES = {
    "PL": ("Polen", "Poland", "Krakau", "Warszawa", "Gdańsk", "Pologne"),
    "DE": ("Deutschland", "Germany", "München", "Hamburg", "Allemagne", "Köln"),
    "FR": ("France", "Frankreich", "Lyon", "Marseille", "Francia", "Toulouse"),
    "IT": ("Italia", "Italien", "Milano", "Napoli", "Florenz", "Torino"),
    "ES": ("España", "Spain", "Madrid", "Sevilla", "Spanien", "Valencia"),
    "NL": ("Nederland", "Holland", "Rotterdam", "Amsterdam", "Pays-Bas", "Utrecht"),
    "BE": ("Belgique", "België", "Bruxelles", "Antwerpen", "Belgium", "Liège"),
    "CZ": ("Czechia", "Tschechien", "Praha", "Brno", "Ostrava", "Czechy"),
    "MX": ("México", "Mexico", "Guadalajara", "Monterrey", "Mexique", "Puebla"),
    "GB": ("United Kingdom", "England", "Manchester", "Birmingham", "Glasgow", "Leeds"),
}


# One tip each, in the tipster's language, naming a place in an inflected form.
_INFLECTED_TIPS = (
    ("PL", "Kupiłem to w Krakowie, w centrum handlowym."),
    ("PL", "Widziałam ją w Warszawie w zeszłym roku."),
    ("CZ", "Viděl jsem to v Praze na tržišti."),
    ("HU", "Láttam egy boltban Budapesten."),
    ("FI", "Näin tämän kaupassa Helsingissä."),
    ("HR", "Vidjela sam to u Zagrebu."),
    ("RO", "Am văzut-o într-un magazin din București."),
    ("GR", "Το είδα σε ένα κατάστημα στην Αθήνα."),
    ("BG", "Видях го в магазин в София."),
    ("EE", "Nägin seda poes Tallinnas."),
    ("LV", "Es to redzēju veikalā Rīgā."),
    ("LT", "Mačiau tai parduotuvėje Vilniuje."),
    ("IT", "L'ho visto in un negozio a Milano."),
    ("ES", "Lo vi en una tienda de Sevilla."),
    ("PT", "Vi isto numa loja em Lisboa."),
    ("BE", "Ik zag het in een winkel in Antwerpen."),
    ("DK", "Jeg så den i en butik i København."),
    ("SE", "Jag såg den i en affär i Göteborg."),
    ("SK", "Videl som to v obchode v Bratislave."),
    ("SI", "To sem videla v trgovini v Ljubljani."),
    ("IE", "Chonaic mé é i siopa i mBaile Átha Cliath."),
    ("AT", "Ich habe es in Wien auf dem Flohmarkt gesehen."),
    ("DE", "Das gibt es bei uns in Bayern in jedem Supermarkt."),
    ("FR", "Vendu dans les supermarchés en Bretagne."),
    ("PL", "To jest z Biedronki, polska sieć sklepów."),
)
_BRANDS = {"Biedronka": "PL", "Żabka": "PL", "Tesco": "GB", "Albert Heijn": "NL"}


def _clue_list(*parts: list[Clue] | Clue | None) -> list[Clue]:
    out: list[Clue] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, Clue):
            out.append(part)
        else:
            out.extend(part)
    return out


def _text_and_barcode(text: str, country: str, code: str) -> list[Clue]:
    return _clue_list(clues_from_text(text), clue_from_gs1(country, code=code))


def _barcode(country: str) -> str:
    prefix = _GS1_PREFIX[country]
    return prefix + "1234567890"[: 13 - len(prefix)]


def build_cases() -> list[Case]:
    cases: list[Case] = []
    for country, text, price in _LABELS:
        full = f"{text} {price}".strip()
        cases.append(Case("text", f"label {country}", country,
                          partial(clues_from_text, full)))
        if country in _GS1_PREFIX:
            code = _barcode(country)
            cases.append(Case("text+barcode", f"label+barcode {country}", country,
                              partial(_text_and_barcode, text, country, code)))
    for country, number in _PHONES:
        text = f"Kontakt / contact: {number}"
        cases.append(Case("phone", f"phone {country}", country,
                          partial(clues_from_text, text)))
    for i, (country, places) in enumerate(_TIP_PLACES.items()):
        def make(c: str = country, ps: Sequence[str] = places, k: int = i) -> list[Clue]:
            clues: list[Clue] = []
            for j, place in enumerate(ps[:4]):
                lang, template = _TIP_TEMPLATES[(k + j) % len(_TIP_TEMPLATES)]
                clues += clues_from_tip(template.format(place=place), state="new",
                                        language=lang, tip_id=f"{c}-{j}")
            return clues

        cases.append(Case("tips", f"tips {country}", country, make))
    for n, (country, text) in enumerate(_INFLECTED_TIPS):
        cases.append(Case(
            "tip-inflected", f"{country}: {text[:30]}", country,
            partial(clues_from_tip, text, state="useful", tip_id=f"inf{n}", brands=_BRANDS),
        ))
    cases += _conflict_cases()
    for name, text in (
        ("garbage", "x7#kq zv!! ### 0x00ff ~~ ??"),
        ("emoji", "😀😀🔥🔥 👍👍👍 🎉"),
        ("digits", "12 34 56 78"),
        ("empty", ""),
    ):
        cases.append(Case("noise", name, None, partial(clues_from_text, text)))
    return cases


def _conflict_cases() -> list[Case]:
    cases = [
        Case("conflict", "phone AT vs German text + DE barcode", "AT",
             lambda: _clue_list(
                 clues_from_text("Hergestellt für: Muster GmbH, Tel. +43 1 5123456. "
                                 "Zutaten: Zucker, Weizenmehl."),
                 clue_from_gs1("DE", code="4001234567890"))),
        Case("conflict", "Polish text with Czech price", "CZ",
             lambda: clues_from_text("Skład: cukier, mąka pszenna. Cena 59 Kč, "
                                     "www.obchod.cz")),
        Case("conflict", "7 useful tips PL vs 2 new CZ and 5 spam DE", "PL",
             lambda: [
                 *[c for i in range(7) for c in clues_from_tip(
                     "Kupiłem to w Polsce", state="useful", tip_id=f"pl{i}")],
                 *[c for i in range(2) for c in clues_from_tip(
                     "I think this is from Czechia", state="new", tip_id=f"cz{i}")],
                 *[c for i in range(5) for c in clues_from_tip(
                     "Made in Germany!!!", state="spam", tip_id=f"sp{i}")],
             ]),
        Case("conflict", "20 duplicate FR tips (one cluster) vs 3 independent BE tips", "BE",
             lambda: [
                 *[c for i in range(20) for c in clues_from_tip(
                     "vu en France", state="new", tip_id=f"fr{i}")],
                 *[c for i in range(3) for c in clues_from_tip(
                     "vendu en Belgique, à Liège", state="useful", tip_id=f"be{i}")],
             ],
             cluster_of={f"tip:fr{i}": "cluster-fr" for i in range(20)}),
        Case("conflict", "English text, $ price, tips say Canada", "CA",
             lambda: [
                 *clues_from_text("Ingredients: sugar, wheat flour. Price $4.99"),
                 *[c for i in range(3) for c in clues_from_tip(
                     "I bought it in Toronto", state="useful", tip_id=f"ca{i}")],
             ]),
        Case("conflict", "Dutch text, Belgian domain", "BE",
             lambda: clues_from_text("Ingrediënten: suiker, tarwebloem. Meer info op "
                                     "www.winkel.be")),
    ]
    return cases


@dataclass
class GroupResult:
    cases: int = 0
    top1: int = 0
    top3: int = 0
    flat: int = 0

    def as_row(self) -> dict[str, float]:
        n = max(self.cases, 1)
        return {"cases": self.cases, "top1": self.top1 / n, "top3": self.top3 / n,
                "flat": self.flat / n}


@dataclass
class EvaluationReport:
    groups: dict[str, GroupResult] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def _total(self, clean_only: bool) -> GroupResult:
        out = GroupResult()
        for name, g in self.groups.items():
            if name == "noise" or (clean_only and name == "conflict"):
                continue
            out.cases += g.cases
            out.top1 += g.top1
            out.top3 += g.top3
        return out

    @property
    def top1(self) -> float:
        """Top-1 accuracy over every group with a true country (clean and conflict)."""
        t = self._total(False)
        return t.top1 / max(t.cases, 1)

    @property
    def top3(self) -> float:
        t = self._total(False)
        return t.top3 / max(t.cases, 1)

    @property
    def clean_top1(self) -> float:
        t = self._total(True)
        return t.top1 / max(t.cases, 1)

    @property
    def clean_top3(self) -> float:
        t = self._total(True)
        return t.top3 / max(t.cases, 1)

    def lines(self) -> list[str]:
        out = ["group\tcases\ttop1\ttop3\tflat"]
        for name, g in self.groups.items():
            row = g.as_row()
            out.append(f"{name}\t{g.cases}\t{row['top1']:.2f}\t{row['top3']:.2f}\t"
                       f"{row['flat']:.2f}")
        out.append(f"clean\t{self._total(True).cases}\t{self.clean_top1:.2f}\t"
                   f"{self.clean_top3:.2f}\t-")
        out.append(f"all\t{self._total(False).cases}\t{self.top1:.2f}\t{self.top3:.2f}\t-")
        return out


FLAT_FACTOR = 3.0  # flat: the best country is under 3x the uniform probability


def is_flat(result: CountryEstimate) -> bool:
    """No estimate: no country listed (see geo.fusion), or the best under 3x uniform."""
    n = max(len(result.probabilities), 1)
    top = result.ranked(1)
    return not top or top[0][1] < FLAT_FACTOR / n


def evaluate(cases: Sequence[Case] | None = None) -> EvaluationReport:
    """Run every case through clue extraction and fusion; count top-1/top-3 hits."""
    report = EvaluationReport()
    for case in cases if cases is not None else build_cases():
        group = report.groups.setdefault(case.group, GroupResult())
        group.cases += 1
        result: CountryEstimate = estimate(case.make(), cluster_of=case.cluster_of)
        ranked = [c for c, _p in result.ranked(3)]
        if is_flat(result):
            group.flat += 1
        if case.expected is None:
            if not is_flat(result):
                report.failures.append(f"{case.group}/{case.name}: not flat {ranked}")
            continue
        if ranked and ranked[0] == case.expected:
            group.top1 += 1
        if case.expected in ranked:
            group.top3 += 1
        else:
            report.failures.append(
                f"{case.group}/{case.name}: expected {case.expected}, got "
                f"{[(c, round(p, 3)) for c, p in result.ranked(3)]}"
            )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list the failures")
    args = parser.parse_args(argv)
    report = evaluate()
    print("\n".join(report.lines()))
    if args.verbose or report.failures:
        for failure in report.failures:
            print(f"# miss: {failure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
