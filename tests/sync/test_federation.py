"""Federation: one edge carrying the objects of two cores (each tip sealed to, and pulled by,
only the core that owns the object), and one core publishing to two edges."""

from __future__ import annotations

import pytest

from tests.sync.nodes import http

pytestmark = pytest.mark.slow


def test_two_cores_one_edge(make_node):
    edge = make_node("edge", "edge-f")
    core_a = make_node("core", "core-a")
    core_b = make_node("core", "core-b", TRACEOBJECT_REF_FIRST=500000)
    edge.peers(core_a, core_b)
    core_a.peers(edge)
    core_b.peers(edge)
    for node in (edge, core_a, core_b):
        node.run("migrate")
    edge.start()
    ref_a = core_a.run("publish", "Bag of core A")["ref"]
    ref_b = core_b.run("publish", "Towel of core B")["ref"]
    assert ref_a != ref_b
    assert core_a.run("sync")["reports"][0]["error"] == ""
    assert core_b.run("sync")["reports"][0]["error"] == ""
    listing = http("GET", f"{edge.url}api/v1/objects")[1]
    assert sorted(i["ref"] for i in listing["items"]) == sorted([ref_a, ref_b])

    for ref, text in ((ref_a, "FOR-CORE-A market in Riga"), (ref_b, "FOR-CORE-B shop in Porto")):
        assert http("POST", f"{edge.url}api/v1/objects/{ref}/tips", {"text": text})[0] == 201
    assert core_a.run("sync")["reports"][0]["tips"] == 1
    assert core_b.run("sync")["reports"][0]["tips"] == 1
    core_a.run("open_tips")
    core_b.run("open_tips")
    assert core_a.run("tips")["texts"] == ["FOR-CORE-A market in Riga"]
    assert core_b.run("tips")["texts"] == ["FOR-CORE-B shop in Porto"]
    # Each core withdrawing its own object leaves the other's in place.
    core_b.run("withdraw", ref_b)
    core_b.run("sync")
    listing = http("GET", f"{edge.url}api/v1/objects")[1]
    assert [i["ref"] for i in listing["items"]] == [ref_a]


def test_one_core_two_edges(make_node):
    edge_1, edge_2 = make_node("edge", "edge-one"), make_node("edge", "edge-two")
    core = make_node("core", "core-x")
    edge_1.peers(core)
    edge_2.peers(core)
    core.peers(edge_1, edge_2)
    for node in (edge_1, edge_2, core):
        node.run("migrate")
    edge_1.start()
    edge_2.start()
    ref = core.run("publish", "Printed mug")["ref"]
    reports = core.run("sync")["reports"]
    assert [r["error"] for r in reports] == ["", ""]
    for edge in (edge_1, edge_2):
        assert [i["ref"] for i in http("GET", f"{edge.url}api/v1/objects")[1]["items"]] == [ref]
    r1 = http("POST", f"{edge_1.url}api/v1/objects/{ref}/tips", {"text": "EDGE-ONE tip"})[1]
    http("POST", f"{edge_2.url}api/v1/objects/{ref}/tips", {"text": "EDGE-TWO tip"})
    reports = core.run("sync")["reports"]
    assert sorted(r["tips"] for r in reports) == [1, 1]
    core.run("open_tips")
    assert core.run("tips")["texts"] == ["EDGE-ONE tip", "EDGE-TWO tip"]
    # A question goes to the edge that holds the tipster's mailbox, and only there.
    core.run("ask", "EDGE-ONE", "What colour was the mug?")
    core.run("sync")
    assert edge_1.run("edge_counts")["questions"] == 1
    assert edge_2.run("edge_counts")["questions"] == 0
    mailbox = http("GET", f"{edge_1.url}api/v1/mailbox", headers={"X-Receipt": r1["receipt"]})[1]
    assert any("What colour" in m.get("text", "") for m in mailbox["messages"])
