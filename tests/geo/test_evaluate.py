"""The generated evaluation set (bench/tools/geo_evaluate.py): the estimate should get the
country in the top 3."""

from __future__ import annotations

from bench.tools.geo_evaluate import build_cases, evaluate


def test_evaluation_set_is_sensible() -> None:
    report = evaluate()
    print("\n" + "\n".join(report.lines()))
    for failure in report.failures:
        print("miss:", failure)
    assert len(build_cases()) >= 100
    assert report.clean_top3 >= 0.8
    assert report.clean_top1 >= 0.7
    assert report.groups["conflict"].top1 == report.groups["conflict"].cases
    assert report.groups["noise"].flat == report.groups["noise"].cases
