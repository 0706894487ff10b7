"""Channel graphs from the store: one edge table per relation, each edge with its weight, first/last time, median lag
and the messages behind it.

Every edge points the way content or attention travelled: **source** is the channel whose post or name was taken up,
**target** the channel whose message did it, so every evidence message belongs to the target channel:

* ``forward``  — origin (``fwd_from_id``, else ``fwd_from_name``) → the forwarding channel; origins not in the store
  become external nodes (``kind = external``; id as given, or ``name:<title>``); lag = forward time − original time
  (where the export gives neither, the original post and lag come from the latest reuse run, which links a forward
  to its original by text);
* ``reuse``    — parent's channel → reusing channel, from the latest ``narrascope reuse`` run (direct parents of relation
  copy, near_duplicate, rewrite or partial; forwards are the ``forward`` relation); lag = lag from the parent;
* ``mention``  — mentioned channel → mentioning channel, for @usernames that resolve to a channel (a ``username``
  attribute, a 4CAT ``name:<username>`` id or a channel named like a username); others are left out (they may be
  individuals);
* ``link``     — linked channel → linking channel, for t.me links that resolve likewise; with ``domains`` web links
  add ``domain:<host>`` nodes (``kind = domain``);
* ``reply``    — replied-to message's channel → replying channel (Telegram replies stay within their chat, so these
  are self-loops, kept only with ``self_loops``).

Tables are polars frames built by joins and group-bys; no Python loop runs over messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from ..dates import parse_bounds
from ..text.normalize import normalize
from .options import GRAPH_VERSION, RELATIONS, NetworkOptions  # noqa: F401 (re-exported: their earlier home)

if TYPE_CHECKING:
    import networkx as nx

    from ..store.corpus import Corpus

__all__ = ["RELATIONS", "REUSE_KINDS", "ChannelGraph", "NetworkOptions", "build_graph", "channel_graph"]

REUSE_KINDS = ("copy", "near_duplicate", "rewrite", "partial")
MESSAGE_COLUMNS = ["uid", "platform", "channel_id", "channel", "message_id", "posted_at", "reply_to", "fwd_from_name",
                   "fwd_from_id", "fwd_from_message_id", "fwd_posted_at", "links", "mentions"]
_TME = r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})(?:/(\d+))?"
_TME_RESERVED = ["joinchat", "addstickers", "addemoji", "share", "proxy", "socks", "iv", "login", "setlanguage",
                 "addlist", "boost", "contact"]
_HOST = r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?([^/:?#\s]+)"


@dataclass(frozen=True)
class ChannelGraph:
    """Nodes, edges and evidence of a channel graph (polars DataFrames).

    ``nodes``: node, label, platform, kind (channel | external | domain), in_store, messages, then the channel
    attributes. ``edges``: relation, source, target, weight (evidence messages), first_at, last_at, median_lag_s.
    ``evidence``: relation, source, target, uid (the target channel's message), source_uid (the original where
    known), detail (reuse kind, @mention or URL), posted_at, lag_s."""

    nodes: pl.DataFrame
    edges: pl.DataFrame
    evidence: pl.DataFrame

    @property
    def attributes(self) -> list[str]:
        fixed = {"node", "label", "platform", "kind", "in_store", "messages"}
        return [c for c in self.nodes.columns if c not in fixed]

    def relation(self, name: str) -> ChannelGraph:
        """The same nodes with one relation's edges and evidence."""
        return ChannelGraph(self.nodes, self.edges.filter(pl.col("relation") == name),
                            self.evidence.filter(pl.col("relation") == name))

    def to_networkx(self, relation: str | None = None) -> nx.DiGraph | nx.MultiDiGraph:
        """A networkx graph with every node attribute; edges carry weight, first/last time (ISO) and median lag.
        One relation (or a graph holding only one) gives a DiGraph, several a MultiDiGraph keyed by relation."""
        import networkx as nx

        graph = self.relation(relation) if relation else self
        relations = graph.edges["relation"].unique().to_list()
        multi = len(relations) > 1
        g: nx.DiGraph | nx.MultiDiGraph = nx.MultiDiGraph() if multi else nx.DiGraph()
        for row in graph.nodes.iter_rows(named=True):
            g.add_node(row["node"], **{k: v for k, v in row.items() if k != "node" and v is not None})
        for row in graph.edges.iter_rows(named=True):
            attrs = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()
                     if k not in ("source", "target") and v is not None}
            if multi:
                g.add_edge(row["source"], row["target"], key=row["relation"], **attrs)
            else:
                g.add_edge(row["source"], row["target"], **attrs)
        return g


# ------------------------------------------------------------------------------------------------ resolution
def _name_key(expr: pl.Expr) -> pl.Expr:
    """Matching form of names without spaces (Persian/Arabic letter variants, case, ZWNJ folded)."""
    return expr.map_elements(lambda s: normalize(s).replace(" ", ""), return_dtype=pl.String)


def _peer_key(expr: pl.Expr) -> pl.Expr:
    """Telegram peer ids in any written form (-1001234, channel1234, 1234) → 1234; other ids unchanged."""
    bare = expr.str.replace(r"^(?i:channel|chat|peer)", "")
    return (pl.when(bare.str.contains(r"^-100\d+$")).then(bare.str.slice(4))
            .when(bare.str.contains(r"^-\d+$")).then(bare.str.slice(1)).otherwise(bare))


def _unique_map(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """key → node for keys naming exactly one node."""
    return (frame.drop_nulls(key).unique([key, "node"]).filter(pl.len().over(key) == 1).select(key, "node"))


@dataclass(frozen=True)
class _Directory:
    ids: pl.DataFrame      # id_key, node
    names: pl.DataFrame    # name_key, node
    users: pl.DataFrame    # username, node


def _directory(channels: pl.DataFrame, attributes: pl.DataFrame) -> _Directory:
    nodes = channels.select("channel_id", "name").with_columns(pl.col("channel_id").alias("node"))
    ids = _unique_map(nodes.with_columns(_peer_key(pl.col("channel_id")).alias("id_key")), "id_key")
    labels = pl.concat([
        nodes.select("node", pl.col("name").alias("label")),
        nodes.filter(pl.col("channel_id").str.starts_with("name:"))
        .select("node", pl.col("channel_id").str.slice(5).alias("label")),
    ]).drop_nulls("label")
    names = _unique_map(labels.with_columns(_name_key(pl.col("label")).alias("name_key")), "name_key")
    like_user = labels.with_columns(pl.col("label").str.to_lowercase().alias("username")).filter(
        pl.col("username").str.contains(r"^[a-z][a-z0-9_]{3,31}$"))
    given = (attributes.select(pl.col("channel_id").alias("node"), "username").drop_nulls()
             if "username" in attributes.columns else pl.DataFrame(schema={"node": pl.String, "username": pl.String}))
    users = _unique_map(pl.concat([given, like_user.select("node", "username")]), "username")
    return _Directory(ids, names, users)


# ------------------------------------------------------------------------------------------------ relations
_EVIDENCE_SCHEMA: dict[str, Any] = {"relation": pl.String, "source": pl.String, "target": pl.String, "uid": pl.String,
                    "source_uid": pl.String, "detail": pl.String, "posted_at": pl.Datetime("us", "UTC"),
                    "lag_s": pl.Float64}


def _evidence(frame: pl.DataFrame, relation: str) -> pl.DataFrame:
    out = frame.with_columns(pl.lit(relation).alias("relation"))
    for name, dtype in _EVIDENCE_SCHEMA.items():
        if name not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return out.select([pl.col(n).cast(t) for n, t in _EVIDENCE_SCHEMA.items()])


def _lookup_uid(messages: pl.DataFrame) -> pl.DataFrame:
    return messages.select(pl.col("channel_id").alias("source"), pl.col("message_id").alias("source_message"),
                           pl.col("uid").alias("source_uid"))


def _forwards(messages: pl.DataFrame, directory: _Directory, members: pl.DataFrame | None) -> pl.DataFrame:
    fw = messages.filter(pl.col("fwd_from_id").is_not_null() | pl.col("fwd_from_name").is_not_null())
    if fw.is_empty():
        return _evidence(pl.DataFrame(), "forward")
    names = fw.select("fwd_from_name").unique().drop_nulls()  # normalise each distinct name once
    names = names.with_columns(_name_key(pl.col("fwd_from_name")).alias("name_key"))
    fw = fw.with_columns(_peer_key(pl.col("fwd_from_id")).alias("id_key")).join(names, on="fwd_from_name",
                                                                                 how="left")
    fw = (fw.join(directory.ids.rename({"node": "by_id"}), on="id_key", how="left")
          .join(directory.names.rename({"node": "by_name"}), on="name_key", how="left")
          .with_columns(pl.coalesce("by_id", "by_name", "id_key", pl.lit("name:") + pl.col("fwd_from_name"))
                        .alias("source"),
                        pl.col("fwd_from_message_id").alias("source_message")))
    fw = fw.join(_lookup_uid(messages), on=["source", "source_message"], how="left")
    fw = fw.with_columns((pl.col("posted_at") - pl.col("fwd_posted_at")).dt.total_seconds().cast(pl.Float64)
                         .alias("lag_s"))
    if members is not None and not members.is_empty():
        # Desktop exports name the origin but not the post: the reuse run linked the forward to it by its text
        linked = members.filter(pl.col("relation") == "forward").select(
            "uid", pl.col("parent_uid").alias("reuse_uid"), pl.col("lag_parent_s").cast(pl.Float64).alias("reuse_lag"))
        fw = fw.join(linked, on="uid", how="left").with_columns(
            pl.coalesce("source_uid", "reuse_uid").alias("source_uid"), pl.coalesce("lag_s", "reuse_lag").alias("lag_s"))
    return _evidence(fw.select(pl.col("channel_id").alias("target"), "source", "uid", "source_uid", "posted_at",
                               "lag_s"), "forward")


def _reuse(members: pl.DataFrame | None) -> pl.DataFrame:
    if members is None or members.is_empty():
        return _evidence(pl.DataFrame(), "reuse")
    linked = members.filter(pl.col("direct_parent").fill_null(False) & pl.col("relation").is_in(REUSE_KINDS))
    return _evidence(linked.select(pl.col("parent_channel_id").alias("source"), pl.col("channel_id").alias("target"),
                                   "uid", pl.col("parent_uid").alias("source_uid"), pl.col("relation").alias("detail"),
                                   "posted_at", pl.col("lag_parent_s").cast(pl.Float64).alias("lag_s")), "reuse")


def _mentions(messages: pl.DataFrame, directory: _Directory) -> pl.DataFrame:
    m = (messages.select("uid", "channel_id", "posted_at", "mentions").explode("mentions", empty_as_null=False)
         .drop_nulls("mentions")
         .with_columns(pl.col("mentions").str.strip_prefix("@").str.to_lowercase().alias("username")))
    m = m.join(directory.users, on="username")
    return _evidence(m.select(pl.col("node").alias("source"), pl.col("channel_id").alias("target"), "uid",
                              ("@" + pl.col("username")).alias("detail"), "posted_at"), "mention")


def _links(messages: pl.DataFrame, directory: _Directory, domains: bool) -> pl.DataFrame:
    links = (messages.select("uid", "channel_id", "posted_at", "links").explode("links", empty_as_null=False).drop_nulls("links")
             .with_columns(pl.col("links").str.extract(_TME, 1).str.to_lowercase().alias("username"),
                           pl.col("links").str.extract(_TME, 2).alias("source_message")))
    tme = links.filter(pl.col("username").is_not_null() & ~pl.col("username").is_in(_TME_RESERVED))
    tme = tme.join(directory.users, on="username").rename({"node": "source"})
    tme = tme.join(_lookup_uid(messages), on=["source", "source_message"], how="left")
    parts = [tme.select("source", pl.col("channel_id").alias("target"), "uid", "source_uid",
                        pl.col("links").alias("detail"), "posted_at")]
    if domains:
        web = (links.filter(pl.col("username").is_null() & ~pl.col("links").str.contains(r"(?i)^(?:https?://)?"
                                                                                         r"(?:www\.)?(?:t|telegram)\.me/"))
               .with_columns(pl.col("links").str.to_lowercase().str.extract(_HOST, 1).alias("host"))
               .drop_nulls("host"))
        parts.append(web.select(("domain:" + pl.col("host")).alias("source"), pl.col("channel_id").alias("target"),
                                "uid", pl.lit(None, dtype=pl.String).alias("source_uid"),
                                pl.col("links").alias("detail"), "posted_at"))
    return _evidence(pl.concat(parts, how="vertical_relaxed"), "link")


def _replies(messages: pl.DataFrame) -> pl.DataFrame:
    r = messages.filter(pl.col("reply_to").is_not_null()).select(
        "uid", "platform", pl.col("channel_id").alias("target"), "posted_at", pl.col("reply_to").alias("message_id"))
    parents = messages.select("platform", "channel_id", "message_id", pl.col("uid").alias("source_uid"),
                              pl.col("posted_at").alias("parent_at"))
    r = r.join(parents, left_on=["platform", "target", "message_id"], right_on=["platform", "channel_id", "message_id"])
    return _evidence(r.select(pl.col("target").alias("source"), "target", "uid", "source_uid", "posted_at",
                              (pl.col("posted_at") - pl.col("parent_at")).dt.total_seconds().alias("lag_s")),
                     "reply")


# ------------------------------------------------------------------------------------------------ assembly
def _edges(evidence: pl.DataFrame) -> pl.DataFrame:
    return (evidence.group_by("relation", "source", "target")
            .agg(pl.len().cast(pl.Int64).alias("weight"), pl.col("posted_at").min().alias("first_at"),
                 pl.col("posted_at").max().alias("last_at"), pl.col("lag_s").median().alias("median_lag_s"))
            .sort(["relation", "weight", "source", "target"], descending=[False, True, False, False]))


def _external_attributes(external: pl.DataFrame, unknown: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Attributes of nodes outside the store from the user's rows that named no stored channel: matched by id,
    username or name, the first that names exactly one row."""
    if unknown.is_empty() or external.is_empty() or not keys:
        return external
    rows = unknown.with_columns(
        _peer_key(pl.col("channel_id")).alias("id_key"), _name_key(pl.col("name")).alias("name_key"),
        (pl.col("username") if "username" in unknown.columns else pl.lit(None, dtype=pl.String)).alias("user_key"))
    ext = external.with_columns(
        pl.when(pl.col("node").str.starts_with("name:")).then(None).otherwise(pl.col("node")).alias("id_key"),
        _name_key(pl.col("label")).alias("name_key"), pl.col("label").str.to_lowercase().alias("user_key"))
    matched = []
    for key in ("id_key", "user_key", "name_key"):
        table = rows.drop_nulls(key).filter(pl.len().over(key) == 1).select(key, *keys)
        matched.append(ext.select("node", key).join(table, on=key).drop(key))
    found = pl.concat(matched).unique("node", keep="first", maintain_order=True)
    return external.drop([k for k in keys if k in external.columns]).join(found, on="node", how="left")


def build_graph(messages: pl.DataFrame, channels: pl.DataFrame, attributes: pl.DataFrame,
                unknown_attributes: pl.DataFrame | None = None, reuse_members: pl.DataFrame | None = None,
                options: NetworkOptions | None = None) -> ChannelGraph:
    """A channel graph from frames: ``messages`` (columns :data:`MESSAGE_COLUMNS`), ``channels`` (platform,
    channel_id, name), ``attributes`` (wide: platform, channel_id, …), the user's unmatched attribute rows, and the
    reuse members of a reuse run."""
    options = options or NetworkOptions()
    directory = _directory(channels, attributes)
    builders = {
        "forward": lambda: _forwards(messages, directory, reuse_members),
        "reuse": lambda: _reuse(reuse_members),
        "mention": lambda: _mentions(messages, directory),
        "link": lambda: _links(messages, directory, options.domains),
        "reply": lambda: _replies(messages),
    }
    evidence = pl.concat([builders[r]() for r in options.relations])
    since, until = parse_bounds(options.since, options.until)
    if since:
        evidence = evidence.filter(pl.col("posted_at") >= since)
    if until:
        evidence = evidence.filter(pl.col("posted_at") < until)
    if not options.self_loops:
        evidence = evidence.filter(pl.col("source") != pl.col("target"))
    evidence = evidence.unique(["relation", "source", "target", "uid", "detail"], maintain_order=True).sort(
        ["relation", "source", "target", "posted_at", "uid"], nulls_last=True)
    keys = [c for c in attributes.columns if c not in ("platform", "channel_id", "channel")]
    counts = messages.group_by("channel_id").agg(pl.len().cast(pl.Int64).alias("messages"))
    stored = (channels.select(pl.col("channel_id").alias("node"), pl.col("name").alias("label"), "platform")
              .with_columns(pl.lit("channel").alias("kind"), pl.lit(True).alias("in_store"))
              .join(counts.rename({"channel_id": "node"}), on="node", how="left")
              .with_columns(pl.col("messages").fill_null(0))
              .join(attributes.select(pl.col("channel_id").alias("node"), *keys), on="node", how="left"))
    ends = pl.concat([evidence.select(pl.col("source").alias("node")), evidence.select(pl.col("target").alias("node"))])
    outside = ends.unique().filter(~pl.col("node").is_in(stored["node"].implode())).sort("node")
    external = outside.with_columns(
        pl.when(pl.col("node").str.starts_with("domain:")).then(pl.col("node").str.slice(7))
        .when(pl.col("node").str.starts_with("name:")).then(pl.col("node").str.slice(5))
        .otherwise(pl.col("node")).alias("label"),
        pl.lit(None, dtype=pl.String).alias("platform"),
        pl.when(pl.col("node").str.starts_with("domain:")).then(pl.lit("domain")).otherwise(pl.lit("external"))
        .alias("kind"),
        pl.lit(False).alias("in_store"), pl.lit(0, dtype=pl.Int64).alias("messages"),
        *[pl.lit(None, dtype=pl.String).alias(k) for k in keys])
    if unknown_attributes is not None:
        external = _external_attributes(external, unknown_attributes, keys)
    nodes = pl.concat([stored, external.select(stored.columns)], how="vertical_relaxed")
    return ChannelGraph(nodes=nodes, edges=_edges(evidence), evidence=evidence)


def latest_reuse(corpus: Corpus) -> tuple[str, pl.DataFrame | None]:
    """(key, members) of the latest reuse run; ("none", None) when reuse was never run."""
    from ..reuse import load_reuse

    runs = corpus.results.list("reuse_cascades")
    if not runs:
        return "none", None
    result = load_reuse(corpus)
    return str(runs[-1]["result_key"]), (result.members if result is not None else None)


def channel_graph(corpus: Corpus, options: NetworkOptions | None = None) -> ChannelGraph:
    """The channel graph of a store (messages, channels, channel attributes and the latest reuse run)."""
    options = options or NetworkOptions()
    messages = corpus.messages(columns=MESSAGE_COLUMNS)
    channels = corpus.channel_attributes.channels()
    attributes = corpus.channel_attributes.wide(in_store=True)
    unknown = corpus.channel_attributes.wide(in_store=False)
    members = latest_reuse(corpus)[1] if {"reuse", "forward"} & set(options.relations) else None
    return build_graph(messages, channels, attributes, unknown, members, options)


def relations_of(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"forward,reuse"`` → ("forward", "reuse"), checked."""
    items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    return NetworkOptions(relations=tuple(items)).relations
