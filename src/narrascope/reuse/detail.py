"""One cascade in detail: its posts in time order and its most informative member–parent pairs, aligned.

``narrascope cascade`` prints it and the report shows the pair of the cascade it charts; both call
:func:`cascade_detail`. Which pairs are worth a reader's time: a rewrite's shared passages say more than a forward's
identical text, so pairs are picked one of each relation kind first, in :data:`SHOW_FIRST` order (rewrite, partial,
near-duplicate, copy, forward), then the rest in the same order. Pairs name both posts the way the timeline does
(channel and message id), never by internal uid prefixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from ..errors import UsageError
from .align import align
from .pipeline import ReuseResult, load_reuse

if TYPE_CHECKING:
    from ..store.corpus import Corpus

__all__ = ["SHOW_FIRST", "AlignedPassage", "CascadeDetail", "PairDetail", "boilerplate_originals", "cascade_detail",
           "informative_pairs", "post_label", "preview", "resolve_cascade"]

#: What a reader learns most from seeing side by side, first.
SHOW_FIRST = ("rewrite", "partial", "near_duplicate", "copy", "forward")


@dataclass(frozen=True)
class AlignedPassage:
    """A passage both texts share: offsets into the parent's and the member's original text, and the texts."""

    parent_start: int
    parent_end: int
    start: int
    end: int
    tokens: int
    parent_text: str
    text: str


@dataclass(frozen=True)
class PairDetail:
    """A member and its inferred parent: relation, who (channel and message id), both texts, shared passages
    (empty when they share no passage of five or more words, as short near-duplicates may not)."""

    relation: str
    parent_uid: str
    uid: str
    parent_channel: str
    channel: str
    parent_message_id: str
    message_id: str
    parent_posted_at: datetime | None
    posted_at: datetime | None
    parent_text: str
    text: str
    passages: tuple[AlignedPassage, ...]

    @property
    def parent_label(self) -> str:
        return post_label(self.parent_channel, self.parent_message_id)

    @property
    def label(self) -> str:
        return post_label(self.channel, self.message_id)

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation, "parent_uid": self.parent_uid, "uid": self.uid,
                "parent_channel": self.parent_channel, "channel": self.channel,
                "parent_message_id": self.parent_message_id, "message_id": self.message_id,
                "parent_posted_at": self.parent_posted_at, "posted_at": self.posted_at,
                "passages": [vars(p) for p in self.passages], "parent_text": self.parent_text, "text": self.text}


@dataclass(frozen=True)
class CascadeDetail:
    """``cascade``: the cascade's summary row; ``members``: its posts in time order; ``pairs``: up to the requested
    number of member–parent pairs, most informative first (:func:`informative_pairs`)."""

    cascade: dict[str, Any]
    members: pl.DataFrame
    pairs: tuple[PairDetail, ...]

    @property
    def cascade_id(self) -> str:
        return str(self.cascade["cascade_id"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (what ``narrascope cascade --json`` prints)."""
        return {"cascade": self.cascade, "members": self.members.to_dicts(), "pairs": [p.to_dict() for p in self.pairs]}


def post_label(channel: str | None, message_id: str | None) -> str:
    """How a post is named everywhere a person reads it: ``channel #message_id``."""
    return f"{channel or '?'} #{message_id if message_id is not None else '?'}"


def preview(text: str | None, width: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``width`` characters with "…" when shortened."""
    flat = " ".join(str(text or "").split())
    if len(flat) <= width:
        return flat
    cut = flat[: max(1, width - 1)]
    space = cut.rfind(" ")
    if flat[len(cut)] != " " and space >= width // 2:  # back to a boundary not too far back; a very long word
        cut = cut[:space]                                 # is cut inside it (still marked with "…")
    return cut.rstrip(" ,;:.،؛") + "…"


def resolve_cascade(result: ReuseResult, cascade_id: str) -> str:
    """The full id of the one cascade whose id starts with ``cascade_id``; a UsageError otherwise."""
    ids = sorted({c for c in result.cascades["cascade_id"].to_list() if c.startswith(cascade_id)})
    if len(ids) != 1:
        hint = "no cascade has that id" if not ids else f"{len(ids)} cascades start with it"
        raise UsageError(f"cascade {cascade_id!r}: {hint}; list them with `narrascope cascades`")
    return ids[0]


def informative_pairs(members: pl.DataFrame, max_pairs: int) -> pl.DataFrame:
    """Up to ``max_pairs`` directly linked members (with ``parent_uid``): one of each relation kind first, in
    :data:`SHOW_FIRST` order, then the others in that order (ties by time). A cascade of 40 forwards and one
    rewrite shows the rewrite first, whatever ``max_pairs``."""
    linked = members.filter(pl.col("direct_parent").fill_null(False) & pl.col("parent_uid").is_not_null())
    if linked.is_empty() or max_pairs < 1:
        return linked.head(0)
    rank = {r: i for i, r in enumerate(SHOW_FIRST)}
    ranked = linked.with_row_index("_order").with_columns(
        pl.col("relation").replace_strict(rank, default=len(rank), return_dtype=pl.Int32).alias("_rank"))
    ranked = ranked.with_columns(pl.int_range(pl.len()).over("_rank", order_by="_order").alias("_nth"))
    picked = ranked.with_columns((pl.col("_nth") > 0).alias("_repeat")).sort(["_repeat", "_rank", "_order"])
    return picked.head(max_pairs).drop("_order", "_rank", "_nth", "_repeat")


def _text_of(corpus: Corpus, uids: list[str]) -> dict[str, str]:
    frame = corpus.by_uid(uids, ("uid", "text"))
    return {u: t or "" for u, t in zip(frame["uid"].to_list(), frame["text"].to_list(), strict=True)}


def cascade_detail(corpus: Corpus, cascade_id: str, max_pairs: int = 3, *,
                   result: ReuseResult | None = None) -> CascadeDetail:
    """One cascade of the last ``narrascope reuse`` run (any unique prefix of its id): its members in time order and
    up to ``max_pairs`` member–parent pairs, most informative first, with the passages they share aligned.
    ``result``: the reuse result when already loaded (:func:`~narrascope.reuse.load_reuse`)."""
    if result is None:
        result = load_reuse(corpus)
    if result is None:
        raise UsageError(f"no reuse results in {corpus.path}: run `narrascope reuse --db {corpus.path}` first")
    full_id = resolve_cascade(result, cascade_id)
    members = result.cascade(full_id)
    chosen = informative_pairs(members, max_pairs)
    by_uid = {r["uid"]: r for r in members.iter_rows(named=True)}
    texts = _text_of(corpus, [u for r in chosen.iter_rows(named=True) for u in (r["parent_uid"], r["uid"])])
    pairs = []
    for row in chosen.iter_rows(named=True):
        parent = by_uid.get(row["parent_uid"], {})
        a, b = texts.get(row["parent_uid"], ""), texts.get(row["uid"], "")
        passages = tuple(AlignedPassage(p.a_start, p.a_end, p.b_start, p.b_end, p.tokens, a[p.a_start:p.a_end],
                                        b[p.b_start:p.b_end]) for p in align(a, b).passages)
        pairs.append(PairDetail(
            relation=row["relation"], parent_uid=row["parent_uid"], uid=row["uid"],
            parent_channel=str(parent.get("channel") or parent.get("channel_id") or "?"),
            channel=str(row["channel"] or row["channel_id"]),
            parent_message_id=str(parent.get("message_id", "?")), message_id=str(row["message_id"]),
            parent_posted_at=parent.get("posted_at"), posted_at=row["posted_at"],
            parent_text=a, text=b, passages=passages))
    summary = result.cascades.filter(pl.col("cascade_id") == full_id).to_dicts()[0]
    return CascadeDetail(summary, members, tuple(pairs))


def boilerplate_originals(corpus: Corpus, boilerplate: pl.DataFrame, *, scan: int = 2000) -> pl.DataFrame:
    """``boilerplate`` (channel_id, line, … of a reuse result) with ``original``: the line as the channel wrote it.

    Boilerplate is detected on the matching form (``اشوب`` for ``آشوب``, folded digits and letters); a reader should
    see what the channel posted. The channel's first ``scan`` messages are split into lines and the first line whose
    matching form equals the stored one is taken; ``original`` is null when none of them holds it."""
    from ..text.normalize import normalize_many

    originals: list[str | None] = []
    for row in boilerplate.iter_rows(named=True):
        found = None
        texts = corpus.messages(channel=row["channel_id"], columns=["text"], text_only=True, limit=scan)
        candidates = [ln for t in texts["text"].to_list() for ln in (t or "").split("\n") if ln.strip()]
        if candidates:
            norms = normalize_many(candidates).to_pylist()
            found = next((c.strip() for c, n in zip(candidates, norms, strict=True) if n == row["line"]), None)
        originals.append(found)
    return boilerplate.with_columns(pl.Series("original", originals, dtype=pl.String))
