"""Network results stored and reloaded, files that networkx re-reads with weights and attributes intact, the CLI and
the report section — on a copy of the demo store with channel attributes and a reuse run."""

from __future__ import annotations

import csv
import json
import shutil

import networkx as nx
import polars as pl
import pytest
from lxml import etree

from narrascope import Corpus
from narrascope.cli import main
from narrascope.network.analysis import TABLES, analyse_network, load_network
from narrascope.network.export import write_graph
from narrascope.network.graphs import NetworkOptions
from narrascope.network.mixing import MixingOptions
from narrascope.report import ReportOptions, build_report


@pytest.fixture(scope="module")
def store(demo_store, tmp_path_factory):
    db, manifest = demo_store
    work = tmp_path_factory.mktemp("network")
    copy = work / "corpus.duckdb"
    shutil.copy(db, copy)
    channels = json.loads((manifest.folder / "truth" / "truth.json").read_text(encoding="utf-8"))["channels"]
    with open(work / "channels.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["channel_id", "channel", "username", "location"])
        w.writerows([c["channel_id"], c["name"], c["username"], "abroad" if i % 3 == 0 else "inside"]
                     for i, c in enumerate(channels))
    assert main(["reuse", "--db", str(copy), "--json"]) == 0
    assert main(["channels", "set-attributes", str(work / "channels.csv"), "--db", str(copy), "--json"]) == 0
    return copy, work


@pytest.mark.slow
def test_results_are_stored_in_one_key_and_reloaded(store):
    db, _ = store
    with Corpus.open(db) as corpus:
        first = analyse_network(corpus, group="location", mixing_options=MixingOptions(draws=200), refresh=True)
        again = analyse_network(corpus, group="location", mixing_options=MixingOptions(draws=200))
        keys = {r["analysis"]: r["result_key"] for r in corpus.results.list() if r["analysis"].startswith("network_")}
        latest = load_network(corpus)
        other = analyse_network(corpus, group="location", mixing_options=MixingOptions(draws=100))
    assert set(keys) == {f"network_{t}" for t in TABLES} and set(keys.values()) == {first.key}
    assert again.key == first.key and latest is not None and latest.key == first.key
    assert other.key != first.key
    assert latest.graph.edges.equals(first.graph.edges) and latest.graph.evidence.equals(first.graph.evidence)
    assert latest.nodes.equals(first.nodes)
    assert latest.mixing is not None and first.mixing is not None
    assert latest.mixing.matrix.select("count", "share").equals(first.mixing.matrix.select("count", "share"))
    for name, table in first.tables().items():  # every table back as computed: rows, order, types and zones
        assert table.height and latest.tables()[name].equals(table), name
        assert latest.tables()[name].schema == table.schema, name
    assert {"forward", "reuse", "mention"} <= set(first.graph.edges["relation"].to_list())


def test_gexf_and_graphml_reread_with_weights_and_attributes(store, tmp_path):
    db, _ = store
    with Corpus.open(db) as corpus:
        result = analyse_network(corpus, NetworkOptions(relations=("forward", "reuse")), group="location",
                                 mixing_options=MixingOptions(draws=50))
    gexf, graphml = tmp_path / "n.gexf", tmp_path / "n.graphml"
    write_graph(result.graph, gexf, nodes=result.nodes, group="location")
    write_graph(result.graph, graphml, nodes=result.nodes)
    root = etree.parse(str(gexf)).getroot()
    assert root.get("version") == "1.3" and root.tag == "{http://gexf.net/1.3}gexf"
    expected = {(r["relation"], r["source"], r["target"]): r["weight"] for r in result.graph.edges.iter_rows(named=True)}
    nodes = {r["node"]: r for r in result.nodes.iter_rows(named=True)}
    for path, reader in ((gexf, nx.read_gexf), (graphml, nx.read_graphml)):
        g = reader(path)
        assert isinstance(g, nx.MultiDiGraph) and g.number_of_edges() == len(expected)
        got = {(d["relation"], u, v): d["weight"] for u, v, d in g.edges(data=True)}
        assert got == pytest.approx(expected), path
        for node, data in g.nodes(data=True):
            assert data["location"] == nodes[node]["location"]
            assert data["pagerank"] == pytest.approx(nodes[node]["pagerank"])
            assert data["community"] == nodes[node]["community"]
    g = nx.read_gexf(gexf)
    assert all(d.get("spells") for _, _, d in g.edges(data=True))  # Gephi's timeline
    assert all("viz" in d for _, d in g.nodes(data=True))


@pytest.mark.slow
def test_tables_by_suffix_and_their_evidence_points_at_messages(store, tmp_path):
    db, _ = store
    with Corpus.open(db) as corpus:
        result = analyse_network(corpus, group="location", mixing_options=MixingOptions(draws=50))
        uids = set(corpus.sql("SELECT uid FROM messages")["uid"].to_list())
    written = write_graph(result.graph, tmp_path / "net.csv", nodes=result.nodes)
    assert sorted(p.name for p in written) == ["net.edges.csv", "net.evidence.csv", "net.nodes.csv"]
    folder = write_graph(result.graph, tmp_path / "tables", nodes=result.nodes,
                         extra={"mixing": result.mixing.matrix} if result.mixing else None)
    assert {p.name for p in folder} == {"nodes.parquet", "edges.parquet", "evidence.parquet", "mixing.parquet"}
    evidence = pl.read_parquet(tmp_path / "tables" / "evidence.parquet")
    assert evidence.height == result.graph.evidence.height and set(evidence["uid"]) <= uids
    assert set(evidence["source_uid"].drop_nulls()) <= uids


def test_forwards_get_their_original_and_lag_from_the_reuse_run(store):
    db, _ = store
    with Corpus.open(db) as corpus:
        graph = analyse_network(corpus, NetworkOptions(relations=("forward",)), refresh=True).graph
        channel_of = dict(corpus.sql("SELECT uid, channel_id FROM messages").iter_rows())
    forwards = graph.evidence
    # Desktop exports name a forward's origin channel only; the reuse run found each original by its text
    assert forwards.height > 100 and forwards["source_uid"].null_count() == 0
    assert all(channel_of[u] == s for u, s in forwards.select("source_uid", "source").iter_rows())
    assert (forwards["lag_s"] >= 0).all() and graph.edges["median_lag_s"].null_count() == 0


@pytest.mark.slow
def test_cli_network(store, tmp_path, capsys):
    db, work = store
    out = tmp_path / "n.gexf"
    code = main(["network", "--relations", "forward,reuse,mention", "--attributes", str(work / "channels.csv"),
                 "--group", "location", "--draws", "100", "-o", str(out), "--db", str(db), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and out.exists() and data["files"] == [str(out)]
    assert data["headline"]["forward"] and "forwards reaching" in data["headline"]["forward"][0]
    assert {r["relation"] for r in data["mixing"]} == {"forward", "reuse", "mention"}
    assert main(["network", "--group", "colour", "--db", str(db)]) == 2
    assert "no channel attribute 'colour'" in capsys.readouterr().err
    assert main(["network", "-o", str(tmp_path / "x.txt"), "--db", str(db)]) == 2
    assert main(["network", "--relations", "forwards", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "x.txt" in err and "choose from" in err


@pytest.mark.slow
def test_report_section_draws_the_graph_and_the_matrix(store, tmp_path):
    db, _ = store
    with Corpus.open(db) as corpus:
        result = analyse_network(corpus, group="location", mixing_options=MixingOptions(draws=100))
        path = build_report(corpus, tmp_path / "r.html", ReportOptions())
    html = path.read_text(encoding="utf-8")
    section = html[html.index('<section id="network">'):]
    assert 'class="chart-svg network-graph" viewBox=' in section and "<script>" not in section
    assert section.count("<circle") == result.nodes.height > 12 and "mixing" in section and "overflow-x: auto" in section
    data = json.loads(section.split('id="data-network">', 1)[1].split("</script>", 1)[0])
    assert data["group"] == "location" and data["mixing"] and data["headline"]
