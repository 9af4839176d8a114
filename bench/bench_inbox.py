"""Tip inbox at scale: 100,000 tips on one object (SQLite in a temporary TRACEOBJECT_HOME).

    python bench/bench_inbox.py [--tips 100000] [--rounds 5] [--smoke]

Measured side by side, in interleaved rounds (medians), in one process on the same database:

* ``inbox_first_page_ms``: ``GET /internal/objects/<ref>/tips/`` through the Django test
  client as a signed-in investigator (session, roles, the selector with its count and state
  counts, the template with 50 highlighted rows), against fetching the same 50 rows by
  primary key (``Tip.objects.filter(pk__in=...)``).
* ``inbox_all_objects_page_ms``, ``inbox_search_page_ms``: the inbox across objects, and
  with a full-text search (``q=kaufhof``, icontains) and a state filter, same baseline.
* ``triage_action_ms``: ``tip_state_set`` on one tip (the update, the public status, the
  audit entry, one transaction), against fetching that tip by primary key.
* ``recluster_tips_per_s``: the batch clusterer ``tips_recluster`` over every tip of the
  object (MinHash-LSH, exact comparisons, writing clusters and the LSH index), against
  reading the same tips' fingerprints alone.
* ``opening_analysis_tips_per_s`` (informational): what opening adds per tip (entities,
  score, fingerprint, language), on a sample, against reading the texts.

Tips are inserted with bulk_create; their texts are made from a few thousand paraphrases of
claims (shops, cities in several languages, web shops, phone numbers) with a random extra word,
so there are clusters of every size, floods of near-identical tips and lone tips.
Prints ``figure<TAB>value<TAB>baseline<TAB>ratio`` lines (bench/README.md) and ``#`` notes.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

_TEMPLATES = (
    "I saw this bag at {brand} in {city}, next to the station.",
    "This bag is sold in the {brand} shop in {city}.",
    "Ich habe diese Tasche bei {brand} in {city} gesehen.",
    "J'ai vu ce sac chez {brand} à {city}.",
    "Widziałem tę torbę w {brand} w {city}.",
    "They sell it at {brand}, {city}. Same bag on the shelf.",
    "It is on www.{shop}.{tld}, I ordered one last year.",
    "You can buy it online at {shop}.{tld} for 20 euros.",
    "Call the seller on +{cc} {phone}, they have more of these.",
    "Lo compré en {brand} en {city} hace dos años.",
    "Ho visto questa borsa da {brand} a {city}.",
)
_VAGUE = ("I think I have seen this before somewhere.", "No idea, sorry.", "asdf qwer zxcv",
          "Looks familiar but I cannot remember where.", "")
_BRANDS = ("KAUFHOF", "LIDL", "ALDI", "BIEDRONKA", "TESCO", "CARREFOUR", "PEPCO", "ACTION",
           "KIK", "TEDI", "WOOLWORTH", "PRIMARK", "ROSSMANN", "NETTO", "PENNY", "BILLA",
           "SPAR", "AUCHAN", "DECATHLON", "MEDIA MARKT", "JYSK", "OBI", "HEMA", "XENOS")
_CITIES = ("Krakau", "Kraków", "Cracow", "Warszawa", "Warschau", "Berlin", "München",
           "Munich", "Wien", "Vienna", "Praha", "Prague", "Madrid", "Milano", "Mailand", "Lyon",
           "Gdańsk", "Danzig", "Rotterdam", "Budapest", "Lisboa", "Göteborg", "Brno", "Köln")
_TLDS = ("pl", "de", "cz", "com", "fr", "nl")


def _word(rng: random.Random) -> str:
    syllables = ("ka", "lo", "mi", "ter", "zu", "qo", "vax", "rin", "bel", "tor", "fyn")
    return "".join(rng.choice(syllables) for _ in range(3))


def make_texts(n_base: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    texts = set()
    while len(texts) < n_base:
        texts.add(rng.choice(_TEMPLATES).format(
            brand=rng.choice(_BRANDS), city=rng.choice(_CITIES),
            shop=f"{rng.choice(('torby', 'bags', 'taschen', 'sacs'))}-{rng.randint(1, 60)}",
            tld=rng.choice(_TLDS), cc=rng.choice((48, 49, 33, 420)),
            phone=f"{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                  f"{rng.randint(10, 99)}"))
    return sorted(texts)


def setup_django(home: Path) -> None:
    os.environ["TRACEOBJECT_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_investigator() -> Any:
    from django.contrib.auth.models import Group, User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.create_user("bench-ivy", password=None)  # signs in by force_login
    user.groups.add(Group.objects.get_or_create(name="investigator")[0])
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def signed_in_client(user: Any) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session["traceobject_reauth_at"] = time.time()
    session.save()
    return client


def insert_tips(obj: Any, n: int, base: list[str], seed: int = 3) -> float:
    """bulk_create n tips; return the seconds the analysis of the base texts took."""
    from django.utils import timezone

    from traceobject.tips import analysis
    from traceobject.tips.models import Tip

    started = time.perf_counter()
    analysed = {}
    for text in base + list(_VAGUE):
        found = analysis.analyse(analysis.TipText(text=text), language=False)
        analysed[text] = ([e.as_dict() for e in found.entities], found.fingerprint,
                          found.score)
    took = time.perf_counter() - started
    rng = random.Random(seed)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    batch: list[Tip] = []
    languages = ("en", "de", "pl", "fr", "", "es")
    for i in range(n):
        text = rng.choice(_VAGUE) if rng.random() < 0.1 else rng.choice(base)
        entities, fingerprint, score = analysed[text]
        if text and rng.random() < 0.5:  # a word more: near-duplicates, not copies
            word = _word(rng)
            text = f"{text} {word}"
            fingerprint = sorted({*fingerprint, f"w:{analysis.stem(word)}"})
        batch.append(Tip(
            intake_id=i + 1, object=obj, text=text, country=rng.choice(("", "PL", "DE")),
            language=rng.choice(languages), detected_language=rng.choice(languages),
            received_at=now - timezone.timedelta(hours=rng.randint(0, 24 * 90)),
            opened_at=now, entities=entities, fingerprint=fingerprint,
            score=score + rng.random() / 10))
        if len(batch) >= 5000:
            Tip.objects.bulk_create(batch)
            batch = []
    Tip.objects.bulk_create(batch)
    return took


def median_of(rounds: int, figure: Callable[[], float], baseline: Callable[[], float]
              ) -> tuple[float, float, list[float]]:
    """Interleaved rounds (A B, B A, ...): medians of both and the per-round ratios."""
    values, bases, ratios = [], [], []
    for n in range(rounds):
        if n % 2:
            b = baseline()
            a = figure()
        else:
            a = figure()
            b = baseline()
        values.append(a)
        bases.append(b)
        ratios.append(a / b if b else float("nan"))
    return statistics.median(values), statistics.median(bases), ratios


def timed(fn: Callable[[], object], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=3000, help="distinct base texts")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="a few hundred tips, 1 round")
    args = parser.parse_args(argv)
    if args.smoke:
        args.tips, args.base, args.rounds = 300, 60, 1
    home = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    try:
        return run(args, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(args: argparse.Namespace, home: Path) -> int:
    setup_django(home)
    from traceobject.catalog import services as catalog
    from traceobject.tips import analysis, services
    from traceobject.tips.models import Tip, TipCluster

    user = make_investigator()
    campaign = catalog.campaign_create(slug="bench", names={"en": "Bench"})
    obj = catalog.object_create(user=user, category="packaging", campaign=campaign,
                                texts={"en": {"title": "Blue shop bag"}})
    other = catalog.object_create(user=user, category="packaging", campaign=campaign,
                                  texts={"en": {"title": "Red cap"}})
    base = make_texts(args.base)
    started = time.perf_counter()
    analysis_s = insert_tips(obj, args.tips, base)
    Tip.objects.create(intake_id=10**9, object=other, text="Another object's tip.",
                       received_at=Tip.objects.first().received_at,
                       opened_at=Tip.objects.first().opened_at)
    insert_s = time.perf_counter() - started
    print(f"# {args.tips} tips on one object ({len(base)} base texts) inserted in "
          f"{insert_s:.1f} s (analysis of the base texts {analysis_s:.1f} s); SQLite, "
          f"{args.rounds} interleaved rounds, medians")

    # Clustering first: the inbox shows cluster sizes.
    def recluster() -> float:
        started = time.perf_counter()
        services.tips_recluster(obj=obj)
        return args.tips / (time.perf_counter() - started)

    def read_fingerprints() -> float:
        started = time.perf_counter()
        count = sum(1 for _ in Tip.objects.filter(object=obj).values_list(
            "id", "fingerprint").iterator(chunk_size=2000))
        return count / (time.perf_counter() - started)

    cluster_rounds = max(1, min(args.rounds, 3))
    recluster_rate, read_rate, cluster_ratios = median_of(cluster_rounds, recluster,
                                                          read_fingerprints)
    clusters = TipCluster.objects.filter(object=obj)
    sizes = sorted(clusters.values_list("size", flat=True), reverse=True)
    in_clusters = sum(sizes)
    print(f"# clusters: {len(sizes)}, holding {in_clusters} tips; largest "
          f"{sizes[:5]}; recluster ratios per round "
          f"{', '.join(f'{r:.3f}' for r in cluster_ratios)}")

    client = signed_in_client(user)
    page_url = f"/internal/objects/{obj.ref}/tips/"
    urls = {"inbox_first_page_ms": page_url, "inbox_all_objects_page_ms": "/internal/tips/",
            "inbox_search_page_ms": f"{page_url}?q=kaufhof&state=new"}
    first_ids = list(Tip.objects.filter(object=obj).order_by("-score", "-id")
                     .values_list("id", flat=True)[:50])
    assert client.get(page_url).status_code == 200  # warm up (templates, sessions)

    def pk_fetch() -> float:
        return timed(lambda: list(Tip.objects.filter(pk__in=first_ids)), 20) * 1000

    rows: list[tuple[str, float, str, float]] = []
    for figure, url in urls.items():
        def page(url: str = url) -> float:
            def get() -> None:
                response = client.get(url)
                assert response.status_code == 200, response.status_code
            return timed(get, 3) * 1000

        value, baseline, ratios = median_of(args.rounds, page, pk_fetch)
        rows.append((figure, value, f"pk_fetch_50_rows_ms={baseline:.2f}", value / baseline))
        print(f"# {figure} ratios per round: {', '.join(f'{r:.0f}' for r in ratios)}")

    one = Tip.objects.filter(object=obj).order_by("id").values_list("id", flat=True)[
        args.tips // 2]
    tip = Tip.objects.get(pk=one)
    states = iter(["useful", "new"] * 1000)

    def triage() -> float:
        return timed(lambda: services.tip_state_set(tips=[tip], state=next(states),
                                                    user=user), 10) * 1000

    def pk_one() -> float:
        return timed(lambda: Tip.objects.get(pk=one), 50) * 1000

    value, baseline, ratios = median_of(args.rounds, triage, pk_one)
    rows.append(("triage_action_ms", value, f"pk_fetch_1_row_ms={baseline:.3f}",
                 value / baseline))

    sample = list(base[:200])
    analysis.analyse(analysis.TipText(text="Warm up: Kraków, KAUFHOF"))  # load the models

    def analyse() -> float:
        started = time.perf_counter()
        for text in sample:
            analysis.analyse(analysis.TipText(text=text))
        return len(sample) / (time.perf_counter() - started)

    def read_texts() -> float:
        started = time.perf_counter()
        count = sum(len(t.split()) > -1 for t in sample)
        return count / max(time.perf_counter() - started, 1e-9)

    analysis_rate, read_text_rate, _r = median_of(1, analyse, read_texts)

    print("figure\tvalue\tbaseline\tratio")
    for figure, value, baseline_text, ratio in rows:
        print(f"{figure}\t{value:.2f}\t{baseline_text}\t{ratio:.0f}")
    print(f"recluster_tips_per_s\t{recluster_rate:.0f}\tread_fingerprints_per_s="
          f"{read_rate:.0f}\t{recluster_rate / read_rate:.3f}")
    print(f"opening_analysis_tips_per_s\t{analysis_rate:.0f}\tread_texts_per_s="
          f"{read_text_rate:.0f}\t{analysis_rate / read_text_rate:.5f}")
    print("# ratios: pages and the triage action are value / baseline (how many times a "
          "plain primary-key fetch); throughputs are value / baseline (the fraction of a "
          "bare read)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
