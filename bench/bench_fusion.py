"""Country estimate: recomputation over 10,000 tip clues, and clue extraction throughput.

    python bench/bench_fusion.py [--tips 10000] [--rounds 5] [--smoke]

Measured side by side, in interleaved rounds (medians), on the same data:

* ``estimate_<n>_tips_per_s``: recomputing the CountryEstimate of one object with the
  clues of ``n`` tips (about 1.5 clues a tip, as ``clues_from_tip`` makes them), against
  the baseline of just iterating over those clues and summing their weights. The ratio
  says what fraction of a bare Python pass over the clues the whole fusion runs at.
  Also with every three tips in one near-duplicate cluster (``cluster_of``).
* ``tip_extraction_tips_per_s``: ``clues_from_tip`` (places in 30+ languages, cities,
  domains, phone numbers, brands) on synthetic tips, against reading them (``str.split``).
* ``text_extraction_texts_per_s``: ``clues_from_text`` on label texts (with language
  detection, scripts, phone formats of up to 60 regions, domains, postal codes, prices,
  places in every script),
  against reading them.
* ``warm_up_s``: loading the gazetteer, the currency and script tables and lingua's
  language models, once per process.

Prints ``figure<TAB>value<TAB>baseline<TAB>ratio`` lines (bench/README.md) and ``#`` notes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from traceobject.geo import (  # noqa: E402
    Clue,
    clues_from_text,
    clues_from_tip,
    estimate,
    gazetteer,  # noqa: E402
    textscan,
)
from traceobject.geo.language import detect_languages  # noqa: E402

_TEMPLATES = (
    "I saw this exact shirt in a shop in {place} last summer, I am quite sure.",
    "Ich habe diese Tasche vor zwei Jahren in {place} gekauft, im Einkaufszentrum.",
    "J'ai vu ce sac dans un magasin à {place}, il était vendu pour 20 euros.",
    "Lo compré en {place} hace dos años, en un mercadillo.",
    "Ho visto questa borsa in un negozio a {place} l'anno scorso.",
    "Ik heb dit shirt in {place} gezien, bij een kleine winkel.",
    "Widziałem tę torbę w sklepie, miasto {place}, chyba w zeszłym roku.",
    "Vi esta camisola numa loja em {place}, custava pouco.",
    "Jag såg den i en affär i {place} förra året.",
    "Láttam egy boltban, {place} környékén.",
    "This looks like something from {place}. Check www.example-shop.{tld} maybe.",
    "Not sure where, but the logo reminds me of a brand I saw online.",
    "Hello, I think I have seen this towel in a hotel, but I do not remember where.",
)
_PLACES = (
    ("Krakau", "pl"), ("Polen", "pl"), ("Lyon", "fr"), ("Deutschland", "de"), ("Madrid", "es"),
    ("Milano", "it"), ("Rotterdam", "nl"), ("Praha", "cz"), ("Belgique", "be"),
    ("Göteborg", "se"), ("Budapest", "hu"), ("Lisboa", "pt"), ("Manchester", "uk"),
    ("Wien", "at"), ("Polska", "pl"), ("Mexico", "mx"),
)
_LABELS = (
    "Skład: cukier, mąka pszenna, olej rzepakowy. Przechowywać w suchym miejscu. Cena 29,99 zł",
    "Zutaten: Zucker, Weizenmehl, Rapsöl. Trocken lagern. Hotline +49 30 1234567",
    "Ingrédients : sucre, farine de blé. À conserver au sec. www.boutique.fr",
    "100% cotton. Machine wash 40°C. Made in Bangladesh. RN 12345",
    "Ingredienser: socker, vetemjöl, rapsolja. Förvaras torrt. Pris 29 kr",
    "Složení: cukr, pšeničná mouka. Skladujte v suchu. Cena 59 Kč, tel. 212 345 678",
)
_STATES = ("new", "new", "useful", "not_useful", "new", "spam")


def make_tips(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    tips = []
    for _ in range(n):
        place, tld = rng.choice(_PLACES)
        tips.append(rng.choice(_TEMPLATES).format(place=place, tld=tld))
    return tips


def make_clues(tips: list[str], seed: int = 7) -> list[Clue]:
    rng = random.Random(seed)
    clues: list[Clue] = []
    for i, text in enumerate(tips):
        clues += clues_from_tip(text, state=rng.choice(_STATES), tip_id=i)
    return clues


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Seconds per call: the best of ``repeat`` calls (after the caller warmed up)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tips", type=int, default=10_000, help="tips on the object")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--smoke", action="store_true", help="tiny inputs (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.tips, args.rounds = 500, 2
    n = args.tips

    start = time.perf_counter()
    gazetteer.warm_up()
    textscan.warm_up()
    detect_languages("Ein kurzer deutscher Satz zum Aufwärmen des Modells.")
    warm_up_s = time.perf_counter() - start

    tips = make_tips(n)
    clues = make_clues(tips)
    clusters = {f"tip:{i}": i // 3 for i in range(n)}
    labels = list(_LABELS) * (2 if args.smoke else 10)
    first_start = time.perf_counter()
    result = estimate(clues)
    first_s = time.perf_counter() - first_start

    def iterate() -> float:
        return sum(c.weight for c in clues)

    def read_tips() -> int:
        return sum(len(t.split()) for t in tips)

    def read_labels() -> int:
        return sum(len(t.split()) for t in labels)

    def extract_tips() -> int:
        return sum(len(clues_from_tip(t, tip_id=i)) for i, t in enumerate(tips))

    def extract_labels() -> int:
        return sum(len(clues_from_text(t)) for t in labels)

    rounds: dict[str, list[float]] = {k: [] for k in (
        "iterate", "estimate", "estimate_clustered", "read_tips", "extract_tips",
        "read_labels", "extract_labels")}
    for r in range(args.rounds):
        pairs = [
            ("iterate", iterate, 20), ("estimate", lambda: estimate(clues), 3),
            ("estimate_clustered", lambda: estimate(clues, cluster_of=clusters), 3),
            ("read_tips", read_tips, 5), ("extract_tips", extract_tips, 1),
            ("read_labels", read_labels, 20), ("extract_labels", extract_labels, 1),
        ]
        if r % 2:
            pairs.reverse()
        for name, fn, repeat in pairs:
            rounds[name].append(timed(fn, repeat))
    med = {k: statistics.median(v) for k, v in rounds.items()}

    rows: list[tuple[str, str, str, str]] = []

    def row(figure: str, value: float, baseline: tuple[str, float] | None, fmt: str) -> None:
        if baseline is None:
            rows.append((figure, fmt.format(value), "-", "-"))
        else:
            name, base = baseline
            ratio = f"{value / base:.4f}" if base else "-"
            rows.append((figure, fmt.format(value), f"{name}={fmt.format(base)}", ratio))

    iterate_rate = ("iterate_clues_per_s", 1 / med["iterate"])
    row(f"estimate_{n}_tips_per_s", 1 / med["estimate"], iterate_rate, "{:.1f}")
    row(f"estimate_{n}_tips_clustered_per_s", 1 / med["estimate_clustered"], iterate_rate,
        "{:.1f}")
    row(f"estimate_{n}_tips_ms", med["estimate"] * 1000,
        ("iterate_clues_ms", med["iterate"] * 1000), "{:.2f}")
    row(f"estimate_{n}_tips_first_call_ms", first_s * 1000, None, "{:.1f}")
    row("tip_extraction_tips_per_s", n / med["extract_tips"],
        ("read_tips_per_s", n / med["read_tips"]), "{:.0f}")
    row("text_extraction_texts_per_s", len(labels) / med["extract_labels"],
        ("read_texts_per_s", len(labels) / med["read_labels"]), "{:.0f}")
    row("warm_up_s", warm_up_s, None, "{:.2f}")

    print(f"# {n} tips -> {len(clues)} clues ({sum(c.weight > 0 for c in clues)} counted); "
          f"best {result.best} {result.probability(result.best or 'PL'):.3f}; "
          f"{len(labels)} label texts; {args.rounds} interleaved rounds, medians of best-of")
    print("# ratios are value / baseline: for the estimate, the fraction of a bare pass over "
          "the clues it runs at (time ratio = 1 / ratio)")
    print("figure\tvalue\tbaseline\tratio")
    for r in rows:
        print("\t".join(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
