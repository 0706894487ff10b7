"""What actors act on: each dated message becomes one *action* per object it carries.

Objects (kinds in :data:`~.options.OBJECT_KINDS`):

- ``url``: every link, normalised (:func:`normalise_urls`): scheme and ``www.`` dropped, host lower-cased,
  fragment and tracking parameters (``utm_*``, ``fbclid`` …) removed, trailing slash dropped, ``telegram.me`` and
  ``t.me/s/`` folded to ``t.me``;
- ``text``: the message's matching form (narrascope.text.normalize), when at least ``min_text_chars`` long;
- ``forward``: the forwarded source message — source channel (id, else name) plus its message id, else its original
  time, else the text — so co-forwarding one post is one object (like a co-retweet);
- ``near_duplicate``: the reuse cluster (cascade) a message belongs to, from a reuse run;
- ``hashtags``: the message's set of hashtags (lower-cased, sorted);
- ``media``: a ``media_hash`` column, when the messages carry one (no reader stores one yet).

Objects are 64-bit hashes of ``kind + key`` (collisions are negligible at corpus sizes); :func:`object_labels`
recomputes the readable key for the few messages shown as evidence. Work is batched so that text columns of
millions of messages are never normalised all at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..errors import UsageError
from ..text.normalize import normalize_many

__all__ = ["Actions", "action_keys", "extract_actions", "normalise_url", "normalise_urls", "object_labels", "text_keys"]

KIND_CODES = {k: i for i, k in enumerate(("url", "text", "forward", "near_duplicate", "hashtags", "media"))}
_BATCH = 200_000
_TRACKING = r"(?:utm_[a-z0-9_]*|fbclid|gclid|dclid|yclid|igshid|igsh|mc_cid|mc_eid|_ga|ref_src|si|s_cid)"


def normalise_urls(urls: pl.Series) -> pl.Series:
    """The normalised form of each URL (see the module docstring); nulls and empty hosts give null.

    Computed once per distinct URL, in stages (host and the rest as columns), then mapped back."""
    distinct = urls.unique().drop_nulls()
    frame = pl.DataFrame({"url": distinct}).with_columns(
        pl.col("url").str.strip_chars().str.replace(r"(?i)^[a-z][a-z0-9+.\-]*://", "").alias("_u"))
    frame = frame.with_columns(
        pl.col("_u").str.extract(r"^([^/?#]*)", 1).str.to_lowercase().str.replace(r"^www\.", "")
        .str.replace(r":(?:80|443)$", "").str.replace(r"^telegram\.me$", "t.me").alias("_host"),
        pl.col("_u").str.extract(r"^[^/?#]*(.*)$", 1).str.replace(r"#.*$", "").alias("_rest"))
    rest = pl.when(pl.col("_host") == "t.me").then(pl.col("_rest").str.replace(r"^/s/", "/")).otherwise(pl.col("_rest"))
    rest = (rest.str.replace_all(rf"(?i)([?&]){_TRACKING}=[^&]*", "${1}")
            .str.replace_all(r"&{2,}", "&").str.replace(r"\?&+", "?").str.replace(r"[?&]+$", "")
            .str.replace(r"/+(\?|$)", "${1}"))
    frame = frame.select("url", pl.when(pl.col("_host").str.len_chars() > 0).then(pl.col("_host") + rest)
                         .otherwise(None).alias("norm"))
    return (pl.DataFrame({"url": urls}).join(frame, on="url", how="left", maintain_order="left")["norm"]
            .alias(urls.name))


def normalise_url(url: str) -> str | None:
    """One URL's normalised form (:func:`normalise_urls` on a single value)."""
    out = normalise_urls(pl.Series([url], dtype=pl.String)).item()
    return None if out is None else str(out)


def text_keys(texts: pl.Series, min_chars: int) -> pl.Series:
    """Matching form of each text, or null when shorter than ``min_chars`` (batched normalisation)."""
    parts = []
    for start in range(0, max(texts.len(), 1), _BATCH):
        chunk = texts.slice(start, _BATCH).fill_null("")
        parts.append(pl.Series(normalize_many(chunk.to_arrow()), dtype=pl.String))
    norm = pl.concat(parts) if parts else pl.Series([], dtype=pl.String)
    return pl.select(pl.when(norm.str.len_chars() >= min_chars).then(norm).otherwise(None)).to_series()


@dataclass
class Actions:
    """Actions of one corpus as parallel arrays (one row per message × object), plus the posts they come from.

    ``posts`` holds one row per dated message: ``post`` (row number), ``uid``, ``actor`` (code), ``t`` (Unix
    seconds). ``actors``/``labels``: code → actor id (channel id or author pseudonym) and display label."""

    actor: np.ndarray  # int32, per action
    post: np.ndarray  # int64, per action: index into posts
    obj: np.ndarray  # uint64 object hash
    kind: np.ndarray  # int8, KIND_CODES
    t: np.ndarray  # int64 Unix seconds
    posts: pl.DataFrame
    actors: list[str]
    labels: list[str]

    @property
    def size(self) -> int:
        return int(self.actor.size)


def _keys(frame: pl.DataFrame, kind: str, min_text_chars: int, clusters: pl.DataFrame | None) -> pl.DataFrame:
    """(post, key) rows of one object kind for a batch of messages (``post`` is the batch's global row number)."""
    empty = pl.DataFrame(schema={"post": pl.Int64, "key": pl.String})
    if kind == "url":
        if "links" not in frame.columns:
            return empty
        rows = frame.select("post", pl.col("links").alias("key")).explode("key", empty_as_null=True).drop_nulls("key")
        return rows.with_columns(normalise_urls(rows["key"])).drop_nulls("key").unique(maintain_order=True)
    if kind == "text":
        if "text" not in frame.columns:
            return empty
        return frame.select("post", text_keys(frame["text"], min_text_chars).alias("key")).drop_nulls("key")
    if kind == "forward":
        cols = frame.columns
        src = pl.coalesce(*(pl.col(c).cast(pl.String) for c in ("fwd_from_id",) if c in cols),
                          *(("name:" + pl.col(c)) for c in ("fwd_from_name",) if c in cols), pl.lit(None, pl.String))
        fwd = frame.with_columns(src.alias("_src")).filter(pl.col("_src").is_not_null())
        ident: list[pl.Expr] = []
        if "fwd_from_message_id" in cols:
            ident.append(pl.col("fwd_from_message_id").cast(pl.String))
        if "fwd_posted_at" in cols:
            ident.append("t:" + pl.col("fwd_posted_at").dt.epoch("s").cast(pl.String))
        if "text" in cols:  # the text identifies the source message when the export gives neither id nor time
            fwd = fwd.with_columns(text_keys(fwd["text"], 1).alias("_text"))
            ident.append("x:" + pl.col("_text"))
        which = pl.coalesce(*ident, pl.lit(None, pl.String))
        return fwd.select("post", (pl.col("_src") + "\x1f" + which).alias("key")).drop_nulls("key")
    if kind == "hashtags":
        if "hashtags" not in frame.columns:
            return empty
        tags = pl.col("hashtags").list.eval(pl.element().str.to_lowercase().str.strip_chars_start("#")).list.unique()
        return (frame.select("post", tags.list.sort().list.join(" ").alias("key"))
                .filter(pl.col("key").str.len_chars() > 0))
    if kind == "near_duplicate":
        assert clusters is not None
        return frame.select("post", "uid").join(clusters, on="uid").select("post", pl.col("cluster").alias("key"))
    if kind == "media":
        if "media_hash" not in frame.columns:
            raise UsageError("media objects need a media_hash column; no narrascope reader stores media file hashes "
                             "yet: leave media out of --objects")
        return frame.select("post", pl.col("media_hash").cast(pl.String).alias("key")).drop_nulls("key")
    raise UsageError(f"unknown object kind {kind!r}")


def action_keys(batch: pl.DataFrame, kinds: Iterable[str], min_text_chars: int = 20,
                clusters: pl.DataFrame | None = None) -> pl.DataFrame:
    """(post, kind, obj) of a batch of messages with a ``post`` column: per kind in order, each message's objects
    in message order — the per-message kernel of :func:`extract_actions` (an engine may run it per partition)."""
    parts = []
    for kind in kinds:
        keys = _keys(batch, kind, min_text_chars, clusters)
        code = KIND_CODES[kind]
        parts.append(keys.select("post", pl.lit(code, pl.Int8).alias("kind"),
                                 (pl.lit(f"{code}\x1f") + pl.col("key")).hash(seed=7).alias("obj")))
    if not parts:
        return pl.DataFrame(schema={"post": pl.Int64, "kind": pl.Int8, "obj": pl.UInt64})
    return pl.concat(parts)


def extract_actions(messages: pl.DataFrame, objects: Iterable[str], *, actors: str = "channel",
                    min_text_chars: int = 20, clusters: pl.DataFrame | None = None) -> Actions:
    """Actions of ``messages`` (the store's columns; at least uid, channel_id, posted_at) on ``objects``.

    ``actors="author"`` makes pseudonymous authors the actors (messages without an author are left out).
    ``clusters`` (uid, cluster) is required for ``near_duplicate``. Undated messages cannot co-act: left out."""
    actor_col, label_col = ("channel_id", "channel") if actors == "channel" else ("author", "author")
    needed = ["uid", "posted_at", actor_col]
    missing = [c for c in needed if c not in messages.columns]
    if missing:
        raise UsageError(f"messages frame lacks column(s) {', '.join(missing)}: pass the store's message columns")
    kinds = tuple(objects)
    if "near_duplicate" in kinds and clusters is None:
        raise UsageError("near_duplicate objects need a reuse run: run `narrascope reuse` first")
    # Only narrow columns are filtered, joined or sorted: a corpus of millions of texts is never copied; object keys
    # are computed batch by batch on slices of the caller's frame, rows mapped to posts by index.
    meta = messages.select(pl.col("uid"), pl.col(actor_col).cast(pl.String).alias("_actor"),
                           (pl.col(label_col) if label_col in messages.columns else pl.col(actor_col))
                           .cast(pl.String).alias("_label"), pl.col("posted_at"))
    keep = (meta["posted_at"].is_not_null() & meta["_actor"].is_not_null()).to_numpy()
    meta = meta.with_row_index("_row").filter(pl.Series(keep))
    table = (meta.group_by("_actor").agg(pl.col("_label").drop_nulls().mode().sort().first())
             .sort("_actor").with_row_index("code"))
    actor_ids = table["_actor"].to_list()
    labels = [lab if lab is not None else a for a, lab in zip(actor_ids, table["_label"].to_list(), strict=True)]
    meta = (meta.join(table.select("_actor", pl.col("code").cast(pl.Int32)), on="_actor", maintain_order="left")
            .with_row_index("post").with_columns(pl.col("post").cast(pl.Int64)))
    posts = meta.select("post", "uid", pl.col("code").alias("actor"), pl.col("posted_at").dt.epoch("s").alias("t"))
    post_of_row = np.full(messages.height, -1, np.int64)
    post_of_row[meta["_row"].to_numpy()] = meta["post"].to_numpy()
    post_actor = posts["actor"].to_numpy()
    post_t = posts["t"].to_numpy()
    parts: list[pl.DataFrame] = []
    for start in range(0, messages.height, _BATCH):
        batch = messages.slice(start, _BATCH).with_columns(
            pl.Series("post", post_of_row[start : start + _BATCH], dtype=pl.Int64))
        parts.append(action_keys(batch.filter(pl.col("post") >= 0), kinds, min_text_chars, clusters))
    acts = pl.concat(parts) if parts else pl.DataFrame(schema={"post": pl.Int64, "kind": pl.Int8, "obj": pl.UInt64})
    post = acts["post"].to_numpy().astype(np.int64)
    return Actions(actor=post_actor[post].astype(np.int32), post=post, obj=acts["obj"].to_numpy().astype(np.uint64),
                   kind=acts["kind"].to_numpy().astype(np.int8), t=post_t[post].astype(np.int64), posts=posts,
                   actors=actor_ids, labels=labels)


def object_labels(messages: pl.DataFrame, posts: pl.DataFrame, kinds: Iterable[str], min_text_chars: int,
                  clusters: pl.DataFrame | None) -> pl.DataFrame:
    """(obj, kind, label) for the objects of a few messages (``posts``: post, uid): the readable key of each hash,
    recomputed for the evidence only, cut to 120 characters. A text object is labelled with the original text of
    one of its messages (its key, the matching form, reads oddly: no ZWNJ, folded letters)."""
    frame = messages.join(posts.select("uid", "post"), on="uid")
    out = []
    for kind in kinds:
        code = KIND_CODES[kind]
        keys = _keys(frame, kind, min_text_chars, clusters)
        label = pl.col("key")
        if kind == "text":
            keys = keys.join(frame.select("post", pl.col("text").alias("_original")), on="post", how="left")
            label = pl.col("_original").str.replace_all(r"\s+", " ").str.strip_chars()
        out.append(keys.select((pl.lit(f"{code}\x1f") + pl.col("key")).hash(seed=7).alias("obj"),
                               pl.lit(kind).alias("kind"), label.str.slice(0, 120).alias("label")))
    if not out:
        return pl.DataFrame(schema={"obj": pl.UInt64, "kind": pl.String, "label": pl.String})
    return pl.concat(out).unique(["obj"], keep="first")
