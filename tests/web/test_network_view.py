"""The network page as a client sees it (in-process): no run yet, a run as a job, the view's colours and relation
filter, an edge's evidence, exports; and the drawing's geometry (web/graph_view.py)."""

from __future__ import annotations

import io
import re

import polars as pl
import pytest

from narrascope.network import ChannelGraph, load_network, set_channel_attributes
from narrascope.web.graph_view import COLOURS, colour_attributes, draw
from tests.web.conftest import csrf, wait_job

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_network_page_without_a_run_offers_one_and_shows_it_after(client, demo_copy):
    _, manifest = demo_copy
    with client.app.state.web.store.writer() as corpus:
        set_channel_attributes(corpus, manifest.channels_csv)
    html = client.get("/network").text
    assert 'id="no-network"' in html and "narrascope network" in html and 'id="network-svg"' not in html
    token = csrf(client, "/network")
    fragment = client.post("/network/run", data={"csrf_token": token, "relation": ["forward", "mention"],
                                                 "group": "location"}, headers={"hx-request": "true"}).text
    wait_job(client, fragment)
    result = load_network(client.app.state.web.store.reader())
    assert result is not None and result.group == "location"
    assert set(result.graph.edges["relation"].unique().to_list()) <= {"forward", "mention"}
    html = client.get("/network").text
    assert f'data-edges="{result.graph.edges.height}"' in html
    assert len(re.findall(r'<a class="edge rel-', html)) == result.graph.edges.height
    # the view alone (htmx), one relation, coloured by kind
    view = client.get("/network", params={"relation": "forward", "colour": "kind"},
                      headers={"hx-request": "true", "hx-target": "network-view"}).text
    assert "<html" not in view and 'data-colour="kind"' in view
    forward = result.graph.edges.filter(pl.col("relation") == "forward")
    assert set(re.findall(r'<a class="edge rel-(\w+)"', view)) == {"forward"}
    assert len(re.findall(r'<a class="edge rel-', view)) == forward.height
    # an edge's evidence: every message behind it, linked to its page
    edge = forward.row(0, named=True)
    page = client.get("/network/edge", params={k: edge[k] for k in ("relation", "source", "target")})
    evidence = result.graph.evidence.filter((pl.col("relation") == "forward") & (pl.col("source") == edge["source"])
                                            & (pl.col("target") == edge["target"]))
    assert evidence.height == edge["weight"] and f'data-total="{evidence.height}"' in page.text
    assert re.findall(r'class="evidence-message" href="/message/([^"]+)"', page.text) == evidence["uid"].to_list()[:50]
    assert client.get("/network/edge", params={"relation": "forward", "source": "x", "target": "y"}).status_code == 400
    exported = pl.read_csv(io.BytesIO(client.get("/network/export/evidence.csv").content), infer_schema=False)
    assert exported.height == result.graph.evidence.height
    assert client.get("/network/export/secrets.csv").status_code == 400


def test_unknown_group_is_refused(client):
    token = csrf(client, "/network")
    response = client.post("/network/run", data={"csrf_token": token, "group": "no-such-attribute"})
    assert response.status_code == 400 and "set-attributes" in response.text


def _graph(n_nodes: int, groups: list[str | None]) -> tuple[ChannelGraph, pl.DataFrame]:
    nodes = pl.DataFrame({"node": [f"n{i}" for i in range(n_nodes)], "label": [f"N{i}" for i in range(n_nodes)],
                          "kind": ["channel"] * n_nodes, "in_store": [True] * n_nodes,
                          "location": [groups[i % len(groups)] for i in range(n_nodes)]})
    src = [f"n{i}" for i in range(n_nodes - 1)] + ["n0"]
    dst = [f"n{i + 1}" for i in range(n_nodes - 1)] + ["n2"]
    edges = pl.DataFrame({"relation": ["forward"] * (n_nodes - 1) + ["mention"], "source": src, "target": dst,
                          "weight": list(range(1, n_nodes + 1))})
    return ChannelGraph(nodes, edges, pl.DataFrame()), nodes


def test_view_colours_one_class_per_group_and_filters_relations():
    groups = [f"place{i}" for i in range(COLOURS + 3)] + [None]
    graph, nodes = _graph(40, groups)
    view = draw(graph, nodes, ["forward"], "location")
    assert {e["relation"] for e in view.edges} == {"forward"} and len(view.edges) == 39
    by_class: dict[str, set[str | None]] = {}
    for n in view.nodes:
        by_class.setdefault(n["colour"], set()).add(n["group"])
        assert 0 <= n["x"] <= view.size and 0 <= n["y"] <= view.size
    assert all(len(v) == 1 for c, v in by_class.items() if c != f"g{COLOURS}")  # "other" gathers the rest
    assert sum(g["nodes"] for g in view.legend) == len(view.nodes)
    assert "(none)" in {n["group"] for n in view.nodes}
    both = draw(graph, nodes, ["forward", "mention"], "location")
    assert len(both.edges) == 40
    assert draw(graph, nodes, ["forward"], "location").nodes == view.nodes  # a fixed seed: the same drawing


def test_view_keeps_the_most_connected_nodes(monkeypatch):
    import narrascope.web.graph_view as gv

    monkeypatch.setattr(gv, "MAX_NODES", 5)
    graph, nodes = _graph(12, ["a", "b"])
    view = gv.draw(graph, nodes, ["forward"], "location")
    strength: dict[str, int] = {}
    for e in graph.edges.filter(pl.col("relation") == "forward").iter_rows(named=True):
        strength[e["source"]] = strength.get(e["source"], 0) + e["weight"]
        strength[e["target"]] = strength.get(e["target"], 0) + e["weight"]
    top = sorted(strength, key=lambda n: (-strength[n], n))[:5]
    assert [n["node"] for n in view.nodes] == top
    assert all(e["source"] in top and e["target"] in top for e in view.edges)
    assert view.notes and "5" in view.notes[0]


def test_colour_attributes_are_text_columns_and_communities():
    nodes = pl.DataFrame({"node": ["a"], "label": ["A"], "kind": ["channel"], "location": ["x"], "messages": [3],
                          "pagerank": [0.5], "community": [1]})
    assert colour_attributes(nodes) == ["kind", "location", "community"]


def test_coordinated_groups_and_their_evidence(client):
    from narrascope.coordination import find_coordination, load_coordination

    assert "narrascope coordination" in client.get("/network").text  # no run yet: how to make one
    with client.app.state.web.store.writer() as corpus:
        find_coordination(corpus)
    result = load_coordination(client.app.state.web.store.reader())
    assert result is not None and result.groups.height > 0
    html = client.get("/network").text
    assert re.findall(r'class="group-link" href="/network/group/([^"]+)"', html) == result.groups["group_id"].to_list()
    gid = result.groups["group_id"][0]
    page = client.get(f"/network/group/{gid}").text
    evidence = result.group(gid)
    assert f'data-total="{evidence.height}"' in page
    links = re.findall(r'class="evidence-message" href="/message/([^"]+)"', page)
    first = evidence.head(50)
    assert links == [u for a, b in zip(first["uid_a"], first["uid_b"], strict=True) for u in (a, b)]
    pages = (evidence.height + 49) // 50
    last = evidence.slice((pages - 1) * 50, 50)
    for asked, rows in ((pages, last), ("nonsense", first), (-3, first)):
        text = client.get(f"/network/group/{gid}", params={"page": asked}).text
        assert re.findall(r'class="evidence-message" href="/message/([^"]+)"', text) == [
            u for a, b in zip(rows["uid_a"], rows["uid_b"], strict=True) for u in (a, b)], asked
    assert client.get("/network/group/g999").status_code == 400
