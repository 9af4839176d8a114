"""An edge and a core as two real servers with two databases, joined by the real sync:
everything the public does on the edge reaches the core, and back, and nothing readable is
left on the edge."""

from __future__ import annotations

import html
import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from tests.sync.nodes import Node, http


def _pair(make_node) -> tuple[Node, Node]:
    # The core's retention periods differ from the defaults: the edge's privacy notice must
    # state the core's (the sync carries them).
    edge = make_node("edge", "edge-a")
    core = make_node("core", "core-a", TRACEOBJECT_RETENTION_DAYS=170,
                     TRACEOBJECT_SPAM_RETENTION_DAYS=20)
    edge.peers(core)
    core.peers(edge)
    edge.run("migrate")
    core.run("migrate")
    edge.start()
    return edge, core


def _form_tip(edge: Node, ref: str, text: str, email: str) -> str:
    """Send a tip through the edge's HTML form as a browser would; return the receipt."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{edge.url}en/objects/{ref}/tip/", timeout=20).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    once = html.unescape(re.search(r'name="form_token" value="([^"]+)"', page).group(1))
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "text": text,
                                   "contact_email": email, "country": "PL",
                                   "form_token": once}).encode()
    url = f"{edge.url}en/objects/{ref}/tip/"
    receipts = []
    for _send in range(2):  # the form sent twice (a reload after the browser's question)
        request = urllib.request.Request(url, data=data, headers={"Referer": url})
        with opener.open(request, timeout=20) as answer:  # follows the 303 to the receipt
            assert "/en/receipt/" in answer.url, answer.url
            found = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}",
                              answer.read().decode())
        assert found
        receipts.append(found.group(0))
    assert receipts[0] == receipts[1]  # the first receipt again, nothing stored twice
    return receipts[0]


def _files_text(root: Path) -> bytes:
    out = []
    for path in root.rglob("*"):
        if path.is_file():
            out.append(path.read_bytes())
    return b"\n".join(out)


def test_tips_questions_answers_and_publications_cross_between_edge_and_core(make_node):
    edge, core = _pair(make_node)
    evidence = core.run("ingest_evidence", "CASE-SECRET-4242", "IMG_EVIDENCE_7731.jpg")
    assert evidence["ingested"] == 1
    ref = core.run("publish", "Blue shop bag")["ref"]
    hidden = core.run("publish", "Striped towel")["ref"]

    # Nothing reaches the edge without the sync; the sync publishes both objects.
    assert http("GET", f"{edge.url}api/v1/objects")[1]["count"] == 0
    report = core.run("sync")["reports"][0]
    assert report["error"] == "" and report["objects"] == 2
    status, listing = http("GET", f"{edge.url}api/v1/objects")
    assert status == 200 and sorted(i["ref"] for i in listing["items"]) == sorted([ref, hidden])
    picture = listing["items"][0]["images"][0]
    image_url = next(iter(picture.values())) if isinstance(picture, dict) else picture
    assert image_url  # the pictures came over too
    page = urllib.request.urlopen(f"{edge.url}en/objects/{ref}/", timeout=20).read().decode()
    assert "Blue shop bag" in page

    # A tip through the API (sent twice with one Idempotency-Key) and one through the form
    # (sent twice too) reach the core's inbox, once each.
    answers = [http("POST", f"{edge.url}api/v1/objects/{ref}/tips", {
        "text": "Sold by ZAKUPY-EDGE-7781 in Gdansk", "contact_email": "anna.k@example.org"},
        headers={"Idempotency-Key": "edge-core-test-1"}) for _send in range(2)]
    assert [status for status, _body in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    api_receipt = answers[0][1]["receipt"]
    form_receipt = _form_tip(edge, ref, "The form tip: FORM-TIP-5512, a Polish shop",
                             "form.sender@example.org")
    assert core.run("tips")["sealed"] == 0
    report = core.run("sync")["reports"][0]
    assert report["error"] == "" and report["tips"] == 2, report
    assert core.run("open_tips")["tips"] == 2
    texts = core.run("tips")["texts"]
    assert any("ZAKUPY-EDGE-7781" in t for t in texts)
    assert any("FORM-TIP-5512" in t for t in texts)
    # The edge dropped the sealed copies the core acknowledged; the tipsters' own copies of
    # their tips stay there (sealed to their receipts), and so do the one-time keys, a day.
    counts = edge.run("edge_counts")
    assert counts["waiting"] == 0 and counts["tip_copies"] == 2 and counts["once_keys"] == 2
    edge.run("once_keys_age", "26")
    core.run("sync")  # the edge purges them with the next round
    assert edge.run("edge_counts")["once_keys"] == 0

    # A question from the core reaches the tipster's mailbox on the edge, and the answer
    # comes back to the core; the coarse status follows the triage.
    core.run("ask", "ZAKUPY-EDGE-7781", "Which street was the shop in?", "en")
    core.run("triage", "ZAKUPY-EDGE-7781", "useful")
    assert core.run("sync")["reports"][0]["questions"] == 1
    status, mailbox = http("GET", f"{edge.url}api/v1/mailbox", headers={"X-Receipt": api_receipt})
    assert status == 200, mailbox
    assert [(m["text"], m["language"]) for m in mailbox["messages"]
            if m["direction"] == "to_tipster"] == [("Which street was the shop in?", "en")]
    assert mailbox["tips"][0]["status"] == "checking"
    status, _ = http("POST", f"{edge.url}api/v1/mailbox/replies",
                     {"text": "Ulica Dluga ANSWER-3319"}, headers={"X-Receipt": api_receipt})
    assert status in (201, 204)
    assert core.run("sync")["reports"][0]["answers"] == 1
    core.run("open_tips")
    assert any("ANSWER-3319" in a for a in core.run("tips")["answers"])
    # The form tipster's mailbox works on the edge too (no question for them).
    status, mailbox = http("GET", f"{edge.url}api/v1/mailbox",
                           headers={"X-Receipt": form_receipt})
    assert status == 200 and mailbox["messages"] == []

    # A withdrawn object disappears from the edge, its pictures with it.
    core.run("withdraw", hidden)
    core.run("sync")
    assert http("GET", f"{edge.url}api/v1/objects/{hidden}")[0] == 404
    assert [i["ref"] for i in http("GET", f"{edge.url}api/v1/objects")[1]["items"]] == [ref]

    # Retention reaches the edge (it runs no worker): the API tip closed 171 days ago (the
    # core keeps 170), the form tip spam 21 days ago (20): the core purges its own, and its
    # next round purges the tipsters' copies on the edge: the question, the answer, the copy of
    # the tip; the spam tip whole with its receipt.
    privacy = urllib.request.urlopen(f"{edge.url}en/privacy/", timeout=20).read().decode()
    assert "170 days" in privacy and "180 days" not in privacy
    before = edge.run("edge_counts")
    assert (before["sealed"], before["tip_copies"], before["receipts"]) == (2, 2, 2), before
    core.run("closed_ago", "ZAKUPY-EDGE-7781", "not_useful", "171")
    core.run("closed_ago", "FORM-TIP-5512", "spam", "21")
    assert core.run("retention")["edge_notices"] == 2
    report = core.run("sync")["reports"][0]
    assert report["error"] == "" and report["purges"] == 2, report
    after = edge.run("edge_counts")
    assert (after["sealed"], after["messages"], after["receipts"]) == (1, 0, 1), after
    status, mailbox = http("GET", f"{edge.url}api/v1/mailbox", headers={"X-Receipt": api_receipt})
    assert status == 200 and mailbox["messages"] == [] and len(mailbox["tips"]) == 1
    assert http("GET", f"{edge.url}api/v1/mailbox",
                headers={"X-Receipt": form_receipt})[0] == 404
    assert core.run("sync")["reports"][0]["purges"] == 0  # told once

    # Nothing readable on the edge: its database, its files and its server's log output.
    edge.stop()
    everything = _files_text(edge.home)
    if edge.database:  # PostgreSQL: dump the edge's database as text
        import subprocess

        dump = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", edge.database],
                              capture_output=True, check=True).stdout
        everything += dump
    for secret in ("ZAKUPY-EDGE-7781", "FORM-TIP-5512", "ANSWER-3319", "anna.k@example.org",
                   "form.sender@example.org", "Which street", api_receipt, form_receipt,
                   api_receipt.replace("-", ""), "Ulica Dluga", "CASE-SECRET-4242",
                   "IMG_EVIDENCE_7731", "ivy.investigator", "rita.reviewer"):
        assert secret.encode() not in everything, f"{secret!r} readable on the edge"
    # ...while the core holds them (the check above can fail: the same scan of the core's
    # home finds the case and the evidence file name in its database).
    assert "ZAKUPY" in " ".join(core.run("tips")["texts"])
    core_files = _files_text(core.home)
    if not core.database:
        assert b"CASE-SECRET-4242" in core_files and b"IMG_EVIDENCE_7731" in core_files
