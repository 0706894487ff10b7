"""Channel graphs from a store written for the test: forwards (to stored and outside channels), mentions and t.me
links resolved through the username attribute, replies, self-loops; and the demo store's evidence."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from narrascope import Corpus
from narrascope.network.attributes import set_channel_attributes
from narrascope.network.graphs import NetworkOptions, channel_graph
from tests.conftest import desktop_message, write_chat


def _entities(*parts: tuple[str, str]) -> dict:
    return {"text": "".join(t for _, t in parts), "text_entities": [{"type": k, "text": t} for k, t in parts]}


@pytest.fixture
def small_store(tmp_path):
    """Channel A (id 1001) forwards twice from B and once from a channel outside the store, mentions @b_chan and
    itself, links to t.me/b_chan/2 and a web page, and replies to its own post; channel B (id 2002) posts."""
    a = [
        desktop_message(1, "first"),
        desktop_message(2, "forwarded one", forwarded_from="Channel B"),
        desktop_message(3, "forwarded two", forwarded_from="Channel B"),
        desktop_message(4, "from outside", forwarded_from="Elsewhere News"),
        desktop_message(5, **_entities(("plain", "see "), ("mention", "@b_chan"), ("plain", " and "),
                                       ("mention", "@a_chan"))),
        desktop_message(6, **_entities(("plain", "read "), ("link", "https://t.me/b_chan/2"), ("plain", " and "),
                                       ("link", "https://www.example.org/story"))),
        desktop_message(7, "a reply", reply_to_message_id=1),
    ]
    b = [desktop_message(i, f"b post {i}", from_="Channel B") for i in (1, 2)]
    write_chat(tmp_path / "a" / "result.json", a, name="Channel A", chat_id=1001)
    write_chat(tmp_path / "b" / "result.json", b, name="Channel B", chat_id=2002)
    (tmp_path / "attrs.csv").write_text("channel_id,channel,username,side\n1001,,a_chan,x\n2002,,b_chan,y\n"
                                        ",Elsewhere News,,y\n", encoding="utf-8")
    db = tmp_path / "c.duckdb"
    with Corpus.open(db) as corpus:
        assert not corpus.ingest([tmp_path / "a", tmp_path / "b"]).failed
        set_channel_attributes(corpus, tmp_path / "attrs.csv")
    return db


def _edges(graph, relation):
    return {(r["source"], r["target"]): r["weight"] for r in graph.edges.filter(pl.col("relation") == relation)
            .iter_rows(named=True)}


def test_relations_of_a_hand_made_store(small_store):
    with Corpus.open(small_store, read_only=True) as corpus:
        graph = channel_graph(corpus, NetworkOptions(relations=("forward", "mention", "link", "reply"),
                                                     domains=True))
        uids = dict(corpus.sql("SELECT message_id || '@' || channel_id AS k, uid FROM messages").iter_rows())
    assert _edges(graph, "forward") == {("2002", "1001"): 2, ("name:Elsewhere News", "1001"): 1}
    assert _edges(graph, "mention") == {("2002", "1001"): 1}  # the self-mention is a self-loop, left out
    assert _edges(graph, "link") == {("2002", "1001"): 1, ("domain:example.org", "1001"): 1}
    assert _edges(graph, "reply") == {}
    link = graph.evidence.filter((pl.col("relation") == "link") & (pl.col("source") == "2002")).row(0, named=True)
    assert link["uid"] == uids["6@1001"] and link["source_uid"] == uids["2@2002"]
    nodes = {r["node"]: r for r in graph.nodes.iter_rows(named=True)}
    assert nodes["name:Elsewhere News"]["kind"] == "external" and not nodes["name:Elsewhere News"]["in_store"]
    assert nodes["name:Elsewhere News"]["side"] == "y"  # the attribute row naming no stored channel
    assert nodes["domain:example.org"]["kind"] == "domain"
    assert nodes["1001"]["side"] == "x" and nodes["1001"]["messages"] == 7
    assert graph.evidence.filter(pl.col("relation") == "forward")["uid"].sort().to_list() == sorted(
        [uids["2@1001"], uids["3@1001"], uids["4@1001"]])


def test_self_loops_when_asked(small_store):
    with Corpus.open(small_store, read_only=True) as corpus:
        graph = channel_graph(corpus, NetworkOptions(relations=("mention", "reply"), self_loops=True))
    assert _edges(graph, "reply") == {("1001", "1001"): 1}
    assert _edges(graph, "mention") == {("2002", "1001"): 1, ("1001", "1001"): 1}


def test_without_the_username_attribute_mentions_do_not_resolve(small_store, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(small_store, copy)
    (tmp_path / "plain.csv").write_text("channel_id,side\n1001,x\n", encoding="utf-8")
    with Corpus.open(copy) as corpus:
        set_channel_attributes(corpus, tmp_path / "plain.csv")
        graph = channel_graph(corpus, NetworkOptions(relations=("mention",)))
    assert graph.edges.is_empty()


def test_demo_evidence_points_at_real_messages_and_adds_up(demo_store):
    db, _ = demo_store
    with Corpus.open(db, read_only=True) as corpus:
        graph = channel_graph(corpus, NetworkOptions(relations=("forward", "mention", "link", "reply")))
        uids = set(corpus.sql("SELECT uid FROM messages")["uid"].to_list())
        forwards = corpus.sql("SELECT count(*) AS n FROM messages WHERE fwd_from_name IS NOT NULL "
                              "AND kind <> 'service'")["n"][0]
        channel_of = dict(corpus.sql("SELECT uid, channel_id FROM messages").iter_rows())
    ev = graph.evidence
    assert ev.height > 100
    assert set(ev["uid"].to_list()) <= uids
    assert set(ev["source_uid"].drop_nulls().to_list()) <= uids
    assert all(channel_of[u] == t for u, t in ev.select("uid", "target").iter_rows())  # evidence is the target's
    counted = ev.group_by("relation", "source", "target").len().sort("relation", "source", "target")
    edges = graph.edges.select("relation", "source", "target", pl.col("weight").cast(pl.UInt32).alias("len"))
    assert counted.equals(edges.sort("relation", "source", "target"))
    assert graph.edges.filter(pl.col("relation") == "forward")["weight"].sum() == forwards  # every demo forward


def test_unknown_relation_is_a_usage_error():
    from narrascope.errors import UsageError

    with pytest.raises(UsageError, match="choose from"):
        NetworkOptions(relations=("forwards",))


def test_a_store_without_relations_gives_an_empty_analysis(tmp_path):
    from narrascope.network.analysis import analyse_network
    from narrascope.network.mixing import MixingOptions

    write_chat(tmp_path / "a" / "result.json", [desktop_message(i) for i in range(1, 4)], name="Solo", chat_id=5)
    (tmp_path / "attrs.csv").write_text("channel_id,side\n5,x\n", encoding="utf-8")
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        corpus.ingest([tmp_path / "a"])
        set_channel_attributes(corpus, tmp_path / "attrs.csv")
        for backend in ("networkx", "auto"):
            from narrascope.network.structure import StructureOptions

            result = analyse_network(corpus, group="side", mixing_options=MixingOptions(draws=10),
                                     structure_options=StructureOptions(backend=backend), refresh=True)
            assert result.graph.edges.is_empty() and result.nodes["node"].to_list() == ["5"]
            assert result.structure.summary["communities"] == 1
            assert result.mixing is not None and result.mixing.matrix["count"].sum() == 0


def test_time_bounds_take_every_form_the_options_accept(small_store):
    """The options' check and the filter parse alike: `--since 20231115T0130` once passed the check and crashed."""
    with Corpus.open(small_store, read_only=True) as corpus:
        later = channel_graph(corpus, NetworkOptions(relations=("forward",), since="20231115T0130"))
        earlier = channel_graph(corpus, NetworkOptions(relations=("forward",), until="2023-11-15T05:00:00+03:30"))
    # forwards 2 and 3 (from B) were posted at 00:13 and 01:13 UTC, the one from outside at 02:13
    assert _edges(later, "forward") == {("name:Elsewhere News", "1001"): 1}
    assert _edges(earlier, "forward") == {("2002", "1001"): 2}
