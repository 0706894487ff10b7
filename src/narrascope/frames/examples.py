"""Frame examples: the newest messages carrying a frame, with the matched spans — what a lexicon really catches.

``narrascope show`` prints them and the report quotes them; both call :func:`frame_examples`. Spans are offsets into
the ORIGINAL text (the matcher maps its normalised matches back), so ``text[start:end]`` is what the author wrote —
``آشوب`` even when the lexicon lists it, or the matcher folded it, as ``اشوب``. :func:`mark_spans` marks them in plain
text (``[[like this]]``, the same marks as validation samples) for output without colour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from ..errors import UsageError
from .prevalence import frame_hits

if TYPE_CHECKING:
    from ..store.corpus import Corpus
    from .lexicon import Lexicon

__all__ = ["MARK_CLOSE", "MARK_OPEN", "Example", "FrameExamples", "Span", "frame_examples", "mark_spans",
           "merge_spans"]

MARK_OPEN, MARK_CLOSE = "[[", "]]"


@dataclass(frozen=True)
class Span:
    """One match: ``start``/``end`` offsets into the original text, the lexicon ``term`` that matched, and
    ``text``, the original characters it matched."""

    start: int
    end: int
    term: str
    text: str


@dataclass(frozen=True)
class Example:
    """A message carrying the frame, with every span of the frame's matches in it (sorted by position)."""

    uid: str
    channel: str | None
    message_id: str | None
    posted_at: datetime | None
    text: str
    spans: tuple[Span, ...]

    @property
    def matched(self) -> list[str]:
        """The distinct original forms matched, in order of first appearance (for a 'terms:' line)."""
        seen: dict[str, None] = {}
        for s in self.spans:
            seen.setdefault(s.text, None)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {"uid": self.uid, "channel": self.channel, "message_id": self.message_id,
                "posted_at": self.posted_at, "text": self.text,
                "spans": [{"start": s.start, "end": s.end, "term": s.term, "text": s.text} for s in self.spans]}


@dataclass(frozen=True)
class FrameExamples:
    """Up to ``n`` examples of ``frame``, newest first (undated messages last), and ``carrying``, how many messages
    of the selection carry the frame."""

    frame: str
    carrying: int
    examples: tuple[Example, ...]

    def to_dicts(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.examples]


def merge_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans covering the same characters (overlapping or touching spans are joined)."""
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def mark_spans(text: str, spans: Sequence[tuple[int, int]], open_mark: str = MARK_OPEN,
               close_mark: str = MARK_CLOSE) -> str:
    """``text`` with each (merged) span wrapped in ``open_mark``/``close_mark`` (default ``[[``/``]]``)."""
    out, pos = [], 0
    for s, e in merge_spans(spans):
        out += [text[pos:s], open_mark, text[s:e], close_mark]
        pos = e
    out.append(text[pos:])
    return "".join(out)


def frame_examples(
    corpus: Corpus,
    lexicon: Lexicon,
    frame: str,
    *,
    n: int = 20,
    channel: str | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    hits: pl.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FrameExamples:
    """The ``n`` newest messages carrying ``frame`` (of ``channel``, id or name, when given) with their matched spans.
    ``hits``: the lexicon's matches when already loaded (:func:`~narrascope.frames.prevalence.frame_hits`)."""
    lexicon.frame(frame)  # a one-line error naming the frames the lexicon has
    if n < 1:
        raise UsageError("ask for at least one example")
    if hits is None:
        hits = frame_hits(corpus, lexicon, since=since, until=until, progress=progress)
    hits = hits.filter(pl.col("frame") == frame)
    messages = corpus.messages(since=since, until=until, channel=channel,
                               columns=["uid", "channel", "message_id", "posted_at"])
    if channel and messages.is_empty():
        raise UsageError(f"no messages of channel {channel!r} in the selection: `narrascope info` lists the channels")
    carrying = messages.join(hits.select("uid").unique(), on="uid", how="semi")
    picked = carrying.sort(["posted_at", "uid"], descending=[True, False], nulls_last=True).head(n)
    texts = corpus.by_uid(picked["uid"].to_list(), ("uid", "text"))
    text_of = dict(zip(texts["uid"].to_list(), texts["text"].to_list(), strict=True))
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for r in hits.filter(pl.col("uid").is_in(picked["uid"].to_list())).iter_rows(named=True):
        spans.setdefault(r["uid"], []).append((r["start"], r["end"], r["term"]))
    examples = []
    for r in picked.iter_rows(named=True):
        text = text_of.get(r["uid"]) or ""
        found = tuple(Span(s, e, t, text[s:e]) for s, e, t in sorted(spans.get(r["uid"], [])))
        examples.append(Example(r["uid"], r["channel"], None if r["message_id"] is None else str(r["message_id"]),
                                r["posted_at"], text, found))
    return FrameExamples(frame, carrying.height, tuple(examples))
