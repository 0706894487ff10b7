"""The network page in the browser: with no stored run it says how to make one and runs it as a job; then the
channel graph renders (nodes coloured by a chosen attribute, edges filtered by relation), and clicking an edge
shows exactly the evidence messages the stored analysis holds for it, each opening its message page; at 1366 and
390 px wide."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from narrascope import Corpus
from narrascope.network import load_network, set_channel_attributes
from tests.web.pages import Watch, screenshot
from tests.web.server import start_server, stop_server

pytestmark = pytest.mark.slow
ARABIC = re.compile("[\u0600-\u06ff]")

# An edge's midpoint where the edge itself (its wide transparent hit line) is what a click there reaches.
CLICKABLE_EDGE = """() => {
  const out = [];
  for (const a of document.querySelectorAll('#network-svg .edge')) {
    const r = a.querySelector('line.hit').getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    if (hit && hit.closest('.edge') === a) {
      out.push({x: x, y: y, relation: a.dataset.relation, source: a.dataset.source, target: a.dataset.target,
                weight: Number(a.dataset.weight)});
    }
  }
  out.sort((p, q) => q.weight - p.weight);
  return out[0] || null;
}"""


def test_network_page_runs_renders_and_opens_edge_evidence(browser, demo_copy):
    from playwright.sync_api import expect

    db, manifest = demo_copy
    with Corpus.open(db) as corpus:
        set_channel_attributes(corpus, manifest.channels_csv)
    proc, url = start_server(db)
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        watch = Watch(page)
        page.goto(url + "/network")
        # no run yet: the page says how to make one, and makes one as a background job
        expect(page.locator("#no-network")).to_contain_text("narrascope network")
        assert page.locator("#network-svg").count() == 0
        assert page.locator("select[name=group]").input_value() == "location"
        page.click("#network-run button[type=submit]")
        page.wait_for_selector("#network-svg", timeout=180_000)  # the job ends, the page reloads with the graph

        # what the analysis stored (read with the server stopped: it holds the store), then the page again
        stop_server(proc)
        with Corpus.open(db, read_only=True) as corpus:
            result = load_network(corpus)
            assert result is not None and result.group == "location"
            # an edge whose first evidence message is Persian, for the right-to-left check below
            first = result.graph.evidence.group_by(["relation", "source", "target"], maintain_order=True).first()
            texts = dict(corpus.connection.execute(
                "SELECT uid, text FROM messages WHERE uid IN (SELECT unnest(?))", [first["uid"].to_list()]).fetchall())
        persian = next(r for r in first.iter_rows(named=True) if ARABIC.search(texts.get(r["uid"]) or ""))
        proc, url = start_server(db)
        page.goto(url + "/network")
        summary = page.locator("#network-summary")
        assert summary.get_attribute("data-edges") == str(result.graph.edges.height)
        drawn = page.locator("#network-svg .edge")
        relations = set(result.graph.edges["relation"].to_list())
        assert drawn.count() == result.graph.edges.height  # a small graph: every edge is drawn
        assert {drawn.nth(i).get_attribute("data-relation") for i in range(drawn.count())} == relations
        # coloured by the run's group: every drawn node carries its location's colour class, as the legend says
        nodes = page.locator("#network-svg .node")
        location = dict(zip(result.nodes["node"].to_list(), result.nodes["location"].to_list(), strict=True))
        legend = {li.split(" (")[0]: li for li in page.locator("ul.legend li").all_inner_texts()}
        assert set(legend) == {v for v in (location[nodes.nth(i).get_attribute("data-node")]
                                           for i in range(nodes.count())) if v is not None} | (
            {"(none)"} if any(location[nodes.nth(i).get_attribute("data-node")] is None
                              for i in range(nodes.count())) else set())
        by_class: dict[str, set[str]] = {}
        for i in range(nodes.count()):
            node = nodes.nth(i)
            colour = next(c for c in (node.get_attribute("class") or "").split() if c.startswith("g"))
            by_class.setdefault(colour, set()).add(node.get_attribute("data-group") or "")
        assert all(len(groups) == 1 for groups in by_class.values()), by_class  # one colour, one group

        # another colour attribute re-renders the view in place
        page.select_option("select[name=colour]", "kind")
        expect(page.locator("#network-svg")).to_have_attribute("data-colour", "kind")
        page.select_option("select[name=colour]", "location")
        expect(page.locator("#network-svg")).to_have_attribute("data-colour", "location")

        # filter edges by relation: only the chosen relation is drawn, and the address says so
        if len(relations) > 1:
            keep = "forward" if "forward" in relations else sorted(relations)[0]
            for other in relations - {keep}:
                page.uncheck(f"#network-form input[name=relation][value={other}]")
            page.wait_for_function("() => [...document.querySelectorAll('#network-svg .edge')]"
                                   f".every(e => e.dataset.relation === '{keep}')")
            assert f"relation={keep}" in page.url
            expected = result.graph.edges.filter(result.graph.edges["relation"] == keep).height
            assert page.locator("#network-svg .edge").count() == expected

        # clicking an edge (a real mouse click on the drawing) opens its evidence messages in the side panel
        edge = page.evaluate(CLICKABLE_EDGE)
        assert edge is not None, "no edge can be clicked"
        page.mouse.click(edge["x"], edge["y"])
        panel = page.locator("#evidence #edge-evidence")
        expect(panel).to_be_visible()
        evidence = result.graph.evidence.filter(
            (result.graph.evidence["relation"] == edge["relation"]) & (result.graph.evidence["source"] == edge["source"])
            & (result.graph.evidence["target"] == edge["target"]))
        assert panel.get_attribute("data-total") == str(evidence.height) == str(edge["weight"])
        links = page.locator("#evidence a.evidence-message")
        shown = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert shown == [f"/message/{u}" for u in evidence["uid"].to_list()[:50]]
        screenshot(page, "network", 1366)
        screenshot(page, "network", 390)
        # on a phone the view fits the screen and the panel stacks under the drawing
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        svg_box = page.locator("#network-svg").bounding_box()
        panel_box = page.locator("#evidence").bounding_box()
        assert svg_box is not None and panel_box is not None
        assert svg_box["width"] <= 390 and panel_box["y"] >= svg_box["y"] + svg_box["height"]
        page.set_viewport_size({"width": 1366, "height": 900})
        # an evidence message opens its message page
        links.first.click()
        page.wait_for_url(f"**/message/{evidence['uid'][0]}")
        assert page.locator("body").inner_text().count(evidence["uid"][0]) >= 1

        # the edge's own page (without script) lists the same messages
        query = urlencode({"relation": edge["relation"], "source": edge["source"], "target": edge["target"]})
        page.goto(url + f"/network/edge?{query}")
        assert page.locator("#edge-evidence").get_attribute("data-total") == str(evidence.height)
        # Persian evidence reads right to left inside the left-to-right interface
        query = urlencode({k: persian[k] for k in ("relation", "source", "target")})
        page.goto(url + f"/network/edge?{query}")
        text = page.locator("#edge-evidence p.preview-text").first
        assert ARABIC.search(text.inner_text())
        assert text.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert page.evaluate("() => getComputedStyle(document.body).direction") == "ltr"
        screenshot(page, "network-edge", 390)
        assert watch.clean(), watch.errors
    finally:
        stop_server(proc)
