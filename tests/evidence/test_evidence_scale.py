"""The evidence database at scale: the known-hash import streamed from a file (all rows
checked before anything is kept), the compact KnownMatcher against the dictionaries it
replaced, and the case grid's pages against the query it replaced (same images, same order,
same marks) for every sort and filter."""

from __future__ import annotations

import hashlib
import posixpath
import random
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When

from traceobject import cli
from traceobject.evidence import known
from traceobject.evidence.known import KnownMatcher, known_hashes_import
from traceobject.evidence.models import (
    Case,
    Crop,
    EvidenceFile,
    EvidenceImage,
    EvidenceView,
    KnownHash,
)
from traceobject.evidence.selectors import GRID_FILTERS, GRID_SORTS, case_grid

pytestmark = pytest.mark.django_db


def _sha(n: int, salt: str = "k") -> str:
    return hashlib.sha256(f"{salt}{n}".encode()).hexdigest()


def _md5(n: int, salt: str = "m") -> str:
    return hashlib.md5(f"{salt}{n}".encode()).hexdigest()  # noqa: S324 - a test value


def _write_list(path: Path, rows: int, tail: str = "") -> Path:
    """A list of ``rows`` lines (SHA-256, an MD5 on every 10th, a label), then ``tail``."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("sha256,md5,label\n")
        for n in range(rows):
            md5 = _md5(n) if n % 10 == 0 else ""
            out.write(f"{_sha(n)},{md5},series {n % 97}\n")
        out.write(tail)
    return path


def _stored() -> list[tuple[str, str, str, str]]:
    return list(KnownHash.objects.order_by("kind", "value", "list_name")
                .values_list("kind", "value", "label", "list_name"))


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Chunks of 2,000 rows instead of 20,000: a list of 20,000 rows crosses 11 chunk
    boundaries, as 200,000 rows do with the real size, for a tenth of the work."""
    monkeypatch.setattr(known, "CHUNK", 2_000)
    return 2_000


def test_a_list_of_many_chunks_is_streamed_from_the_file(tmp_path: Path,
                                                          small_chunks: int) -> None:
    path = _write_list(tmp_path / "big.csv", 20_000,
                       tail=f"{_sha(5)},,another label\n")  # repeated: the first label wins
    with open(path, encoding="utf-8", newline="") as source:
        result = known_hashes_import(source=source, list_name="national list")
    assert result.errors == [] and result.imported == 22_001
    assert KnownHash.objects.count() == 22_000
    assert KnownHash.objects.filter(kind="md5").count() == 2_000
    assert KnownHash.objects.get(kind="sha256", value=_sha(5)).label == "series 5"
    assert KnownHash.objects.get(kind="md5", value=_md5(19_990)).list_name == "national list"
    # importing it again changes nothing (the hashes are in the list already)
    with open(path, encoding="utf-8", newline="") as source:
        assert known_hashes_import(source=source, list_name="national list").imported == 22_001
    assert KnownHash.objects.count() == 22_000


def test_a_malformed_last_row_after_many_chunks_imports_nothing(tmp_path: Path,
                                                                small_chunks: int) -> None:
    assert known_hashes_import(text=f"sha256,label\n{_sha(1)},kept\n",
                               list_name="earlier").imported == 1
    before = _stored()
    path = _write_list(tmp_path / "bad.csv", 20_000, tail=f"{_sha(1)[:63]}z,,bad\n")
    with open(path, encoding="utf-8", newline="") as source:
        result = known_hashes_import(source=source, list_name="national list")
    assert result.imported == 0 and result.errors == ["line 20002: malformed sha256"]
    assert _stored() == before


HOSTILE_TAILS = {
    "malformed md5": f"{_sha(1)},{'a' * 31},x\n",
    "label too long": f"{_sha(1)},,{'L' * 201}\n",
    "no hash": ",,a label\n",
    "no label": f"{_sha(1)},,\n",
    "a line of 1 MB without an end": "a" * 1_000_000,
    "a long line": f"{_sha(1)},,{'x' * 5000}\n",
    "an unclosed quote swallowing the rows after it": f'{_sha(1)},,"open\n'
    + "".join(f"{_sha(n, 'q')},,row {n}\n" for n in range(300)),
    "a control-only label": f"{_sha(1)},,\x00\u202e\n",
}


@pytest.mark.parametrize("tail", HOSTILE_TAILS.values(), ids=HOSTILE_TAILS.keys())
def test_hostile_rows_after_many_good_ones_import_nothing(tmp_path: Path, tail: str) -> None:
    assert known_hashes_import(text=f"sha256,label\n{_sha(1)},kept\n",
                               list_name="earlier").imported == 1
    before = _stored()
    path = _write_list(tmp_path / "bad.csv", 30_000, tail=tail)
    with open(path, encoding="utf-8", newline="") as source:
        result = known_hashes_import(source=source, list_name="national list")
    assert result.imported == 0 and result.errors, result
    assert all(e.startswith("line 3000") for e in result.errors), result.errors
    assert _stored() == before


def test_a_header_line_too_long_and_too_many_hashes_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = known_hashes_import(text="sha256," + "x" * 10_000 + ",label\n", list_name="l")
    assert result.imported == 0 and "longer than" in result.errors[0]
    monkeypatch.setattr(known, "MAX_ROWS", 1000)
    path = _write_list(tmp_path / "many.csv", 1500)
    with open(path, encoding="utf-8", newline="") as source:
        result = known_hashes_import(source=source, list_name="national list")
    assert result == known.ImportResult(0, ["more than 1000 hashes"])
    assert not KnownHash.objects.exists()


def test_the_command_streams_the_file_and_refuses_a_bad_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_list(tmp_path / "list.csv", 5000)
    assert cli.main(["known-import", str(path), "--list", "interpol"]) == 0
    assert "imported 5500 hashes" in capsys.readouterr().out
    before = _stored()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_write_list(tmp_path / "x.csv", 5000).read_bytes().replace(
        b"\n", b"\n", 1) + _sha(9).encode() + b",,caf\xe9 latin-1\n")
    assert cli.main(["known-import", str(bad), "--list", "other"]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert _stored() == before


# KnownMatcher ------------------------------------------------------------------------------


def _old_exact(sha256: str, md5: str) -> str:
    """The dictionaries KnownMatcher kept before (first row of a hash wins)."""
    exact: dict[tuple[str, str], str] = {}
    for kind, value, label in KnownHash.objects.order_by("id").values_list("kind", "value",
                                                                          "label"):
        if kind != "pdq":
            exact.setdefault((kind, value), label)
    return exact.get(("sha256", sha256)) or exact.get(("md5", md5)) or ""


def test_the_matcher_answers_as_the_dictionaries_did() -> None:
    rng = random.Random(4)
    rows = []
    for n in range(600):
        for list_name in ("a", "b", "c")[:rng.randint(1, 3)]:  # a hash on several lists
            rows.append(KnownHash(kind="sha256", value=_sha(n), label=f"s{rng.randint(0, 40)}",
                                  list_name=list_name))
        if n % 3 == 0:
            rows.append(KnownHash(kind="md5", value=_md5(n), label=f"m{n % 7}", list_name="a"))
    rows.append(KnownHash(kind="sha256", value="00" * 32, label="zeros", list_name="a"))
    rows.append(KnownHash(kind="md5", value="ff" * 16, label="ones", list_name="a"))
    rows.append(KnownHash(kind="pdq", value="ab" * 32, label="pdq entry", list_name="a"))
    rng.shuffle(rows)
    KnownHash.objects.bulk_create(rows)
    matcher = KnownMatcher()
    probes = [(_sha(n), _md5(n)) for n in range(0, 700)]  # known and unknown, both kinds
    probes += [(_sha(n), _md5(n + 1)) for n in range(0, 700, 5)]
    probes += [("00" * 32, ""), ("", "ff" * 16), ("", ""), (_sha(1).upper(), ""),
               (_sha(1)[:63], _md5(3)[:31]), ("zz" * 32, "zz" * 16), ("ab" * 32, "")]
    for sha256, md5 in probes:
        assert matcher.match(sha256=sha256, md5=md5, pdq="", quality=0) == _old_exact(
            sha256, md5), (sha256, md5)
    assert matcher.exact_count == 602 + 200
    assert matcher.nbytes < 602 * 40 + 200 * 24 + 60 * 60


def test_an_empty_matcher_matches_nothing() -> None:
    matcher = KnownMatcher()
    assert matcher.match(sha256=_sha(1), md5=_md5(1), pdq="", quality=0) == ""
    assert matcher.exact_count == 0


def test_a_worker_keeps_its_matcher_until_the_lists_change() -> None:
    from traceobject.evidence.known import known_matcher

    KnownHash.objects.create(kind="sha256", value=_sha(1), label="first", list_name="a")
    first = known_matcher()
    assert known_matcher() is first  # nothing imported since: not loaded again
    assert first.match(sha256=_sha(1), md5="", pdq="", quality=0) == "first"
    assert first.match(sha256=_sha(2), md5="", pdq="", quality=0) == ""
    result = known_hashes_import(text=f"sha256,label\n{_sha(2)},second\n", list_name="b")
    assert result.imported == 1
    second = known_matcher()
    assert second is not first
    assert second.match(sha256=_sha(2), md5="", pdq="", quality=0) == "second"
    # a row replaced by another: the same count, a new highest id
    KnownHash.objects.filter(value=_sha(2)).delete()
    KnownHash.objects.create(kind="sha256", value=_sha(3), label="third", list_name="b")
    assert known_matcher().match(sha256=_sha(3), md5="", pdq="", quality=0) == "third"


# The case grid -----------------------------------------------------------------------------


def _old_grid(case: Case, user: Any, sort: str, filters: list[str], page: int,
              per_page: int) -> tuple[int, list[tuple[Any, ...]]]:
    """The grid's query before it was split: every mark a subquery of every image."""
    here = EvidenceFile.objects.filter(image=OuterRef("pk"), case=case).order_by("path")
    copies = (EvidenceFile.objects.filter(image=OuterRef("pk")).order_by()
              .values("image").annotate(n=Count("id")).values("n")[:1])
    known_list = KnownHash.objects.filter(
        Q(kind="sha256", value=OuterRef("sha256")) | Q(kind="md5", value=OuterRef("md5"))
    ).order_by("id").values("label")[:1]
    images: Any = (
        EvidenceImage.objects
        .filter(pk__in=EvidenceFile.objects.filter(case=case).values("image_id"))
        .annotate(
            path=Subquery(here.values("path")[:1]),
            copies=Subquery(copies, output_field=IntegerField()),
            known_list=Subquery(known_list),
            cropped=Exists(Crop.objects.filter(image=OuterRef("pk"))),
            viewed=Exists(EvidenceView.objects.filter(image=OuterRef("pk"), user=user)),
            undated=SqlCase(When(captured_at="", then=Value(1)), default=Value(0),
                            output_field=IntegerField()),
        )
    )
    if "duplicate" in filters:
        images = images.filter(copies__gt=1)
    if "known" in filters:
        images = images.exclude(known_label="", known_list__isnull=True)
    if "cropped" in filters:
        images = images.filter(cropped=True)
    if "unviewed" in filters:
        images = images.filter(viewed=False)
    if "near" in filters:
        images = images.none()  # no PDQ index here: nothing is near
    chosen = Paginator(images.order_by(*GRID_SORTS[sort]), per_page).get_page(page)
    return chosen.paginator.count, [
        (i.pk, i.path, posixpath.basename(i.path), i.copies or 1,
         i.known_label or i.known_list or "", i.cropped, i.viewed)
        for i in chosen.object_list]


@pytest.fixture
def grid_world() -> tuple[Case, Case, User]:
    """Two cases: images in one, the other or both, some under two paths in a case, with
    dates (some missing, some equal), sizes (some equal), known labels and list entries,
    crops and views (of this person and of another)."""
    user = User.objects.create_user("ivy")
    other = User.objects.create_user("olaf")
    big, small = Case.objects.create(ref="BIG"), Case.objects.create(ref="SMALL")
    images = EvidenceImage.objects.bulk_create([EvidenceImage(
        sha256=_sha(n, "img"), md5=_md5(n, "img"), width=10, height=10, format="JPEG",
        file_size=1000 + n % 13, storage_key=f"k{n}",
        captured_at="" if n % 5 == 0 else f"2020-01-{1 + n % 9:02d}T10:00:00",
        known_label="listed at ingest" if n % 23 == 0 else "") for n in range(150)])
    files = []
    for n, image in enumerate(images):
        name = f"/d{n % 4}/{hashlib.md5(str(n).encode()).hexdigest()[:6]}.jpg"  # noqa: S324
        if n % 4:
            files.append(EvidenceFile(image=image, case=big, path=name, size=1, mtime_ns=1))
        else:
            files.append(EvidenceFile(image=image, case=small, path=name, size=1, mtime_ns=1))
        if n % 10 == 1:  # a second path in the big case, first or last by name
            files.append(EvidenceFile(image=image, case=big, path=f"/{'a' if n % 20 else 'z'}"
                                      f"/copy{n}.jpg", size=1, mtime_ns=1))
        if n % 7 == 0:  # in the other case too
            files.append(EvidenceFile(image=image, case=small if n % 4 else big,
                                      path=f"/x/{n}.jpg", size=1, mtime_ns=1))
    EvidenceFile.objects.bulk_create(files)
    KnownHash.objects.bulk_create(
        [KnownHash(kind="sha256", value=_sha(n, "img"), label=f"list {n}", list_name="l")
         for n in range(0, 150, 11)]
        + [KnownHash(kind="md5", value=_md5(n, "img"), label=f"md5 {n}", list_name="l")
           for n in range(0, 150, 17)])
    Crop.objects.bulk_create([Crop(image=images[n], x=0, y=0, w=1, h=1, storage_key="c",
                                   width=1, height=1, created_by=user, gate_verdict="pass")
                              for n in range(0, 150, 6)])
    EvidenceView.objects.bulk_create(
        [EvidenceView(user=user, image=images[n]) for n in range(0, 150, 3)]
        + [EvidenceView(user=other, image=images[n]) for n in range(0, 150, 4)])
    return big, small, user


def test_the_grid_shows_what_the_old_query_showed(grid_world: tuple[Case, Case, User]
                                                  ) -> None:
    big, small, user = grid_world
    choices: list[list[str]] = [[], *([f] for f in GRID_FILTERS), ["known", "unviewed"],
                                ["duplicate", "cropped"]]
    for case in (big, small):
        for sort in GRID_SORTS:
            for filters in choices:
                for page in (1, 4, 9):  # the first, one inside, past the last
                    count, expected = _old_grid(case, user, sort, filters, page, 17)
                    chosen, rows = case_grid(case=case, user=user, sort=sort, filters=filters,
                                             page=page, per_page=17)
                    got = [(r.image.pk, r.path, r.name, r.copies, r.known, r.cropped, r.viewed)
                           for r in rows]
                    assert chosen.paginator.count == count, (case, sort, filters)
                    assert got == expected, (case, sort, filters, page)
    assert case_grid(case=big, user=user)[0].paginator.count == 118
