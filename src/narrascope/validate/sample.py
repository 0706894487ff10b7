"""Draw a validation sample for coders: stratified by the dictionary's decision (hit / no hit), optionally by
channel and period, with inclusion probabilities recorded.

Why stratify by hit: hits are usually rare, so a simple random sample holds too few of them to estimate precision,
and too few false negatives to estimate recall. Oversampling hits (half the sample by default) makes both
estimable; the known stratum sizes N_h turn the within-stratum shares back into population quantities
(:mod:`.score`). Within the hit and the non-hit side, ``by`` cells (e.g. channel × month) get n ∝ √N_c — between
proportional allocation (best for the overall estimate) and equal allocation (best for per-group estimates) — with
at least one item per non-empty cell, and never more than the cell holds.

The file (:func:`write_sample_csv`) is made for a spreadsheet: UTF-8 with BOM and CRLF (Excel opens it as UTF-8;
Persian and Arabic text stays intact and right-to-left), rows in random order so hits and non-hits are mixed,
matched spans marked ``[[like this]]``, a blank ``label`` column, and ids that cannot be confused (S0001 … with a
check code). Columns are listed in :data:`~narrascope.validate.coded.SAMPLE_COLUMNS`.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ..errors import UsageError
from ..frames.examples import MARK_CLOSE, MARK_OPEN, mark_spans
from ..frames.prevalence import add_period_columns, check_groups, frame_hits, label_missing
from ..safe_csv import neutralise
from .coded import HIT, MISS, SAMPLE_COLUMNS, check_code

if TYPE_CHECKING:
    from ..frames.lexicon import Lexicon
    from ..store.corpus import Corpus

__all__ = ["MARK_CLOSE", "MARK_OPEN", "allocate", "corpus_hits", "draw_sample", "mark_spans", "sample_corpus",
           "write_sample_csv"]

EXCEL_CELL_LIMIT = 32_000  # Excel truncates cells at 32,767 characters; leave room for the marks


def corpus_hits(corpus: Corpus, lexicon: Lexicon, *, since: str | datetime | None = None,
                until: str | datetime | None = None) -> pl.DataFrame:
    """Hits (uid, frame, term, start, end) of the stored corpus, from the cached matcher
    (:func:`narrascope.frames.prevalence.frame_hits`)."""
    return frame_hits(corpus, lexicon, since=since, until=until)


def allocate(sizes: Sequence[int], total: int) -> list[int]:
    """Split ``total`` over cells ∝ √size, at least 1 per non-empty cell, capped at each size (largest remainder)."""
    size = np.asarray(sizes, dtype=float)
    nonempty = int((size > 0).sum())
    total = int(min(total, size.sum()))
    if total < nonempty:
        raise UsageError(f"{total} items cannot cover {nonempty} non-empty strata (at least one each): raise --n "
                         "or group by fewer columns")
    alloc = np.where(size > 0, 1.0, 0.0)
    left = total - nonempty
    while left > 0:
        room = size - alloc
        open_ = room > 0
        weight = np.where(open_, np.sqrt(size), 0.0)
        share = weight / weight.sum() * left
        add = np.minimum(np.floor(share), room)
        if add.sum() == 0:  # hand out the remainder one by one, largest fractional share first
            order = np.argsort(-(share - np.floor(share)) - open_ * 1e-9, kind="stable")
            for i in order:
                if left == 0:
                    break
                if room[i] > 0:
                    alloc[i] += 1
                    left -= 1
            continue
        alloc += add
        left -= int(add.sum())
    return [int(a) for a in alloc]


def draw_sample(
    messages: pl.DataFrame,
    hits: pl.DataFrame,
    frame: str,
    n: int,
    *,
    lexicon_hash: str,
    by: Sequence[str] = (),
    seed: int = 0,
    hit_share: float = 0.5,
) -> pl.DataFrame:
    """Sample rows for ``frame`` (columns of :data:`SAMPLE_COLUMNS`), in random order.

    ``messages`` needs uid, text, channel, posted_at (and url — else platform, channel_id and message_id for a
    fallback link —, the ``by`` columns or posted_at for periods);
    ``hits`` uid, frame, term, start, end with spans in the original text.
    """
    if n < 2:
        raise UsageError("--n must be at least 2 (one hit and one non-hit)")
    if not 0 < hit_share < 1:
        raise UsageError("the hit share of the sample must be between 0 and 1")
    keys = check_groups(by)
    rng = np.random.default_rng(seed)
    fh = hits.filter(pl.col("frame") == frame)
    hit_uids = fh.select(pl.col("uid").unique(), pl.lit(True).alias("_hit"))
    pop = label_missing(add_period_columns(messages, keys), keys).join(hit_uids, on="uid", how="left").with_columns(
        pl.col("_hit").fill_null(False))
    cell = pl.concat_str([pl.lit(""), *[pl.lit(f"|{k}=") + pl.col(k).cast(pl.Utf8).fill_null("") for k in keys]])
    pop = pop.with_columns(pl.when(pl.col("_hit")).then(pl.lit(HIT)).otherwise(pl.lit(MISS)).alias("_side"))
    pop = pop.with_columns((pl.col("_side") + cell).alias("stratum"))
    n_hit_pop = int(pop["_hit"].sum())
    n_miss_pop = len(pop) - n_hit_pop
    if n_hit_pop == 0:
        raise UsageError(f"frame {frame!r} has no hit in these messages: nothing to validate (check the lexicon "
                         "and the since/until range)")
    want_hit = min(n_hit_pop, max(1, round(n * hit_share)))
    want_miss = min(n_miss_pop, n - want_hit)
    want_hit = min(n_hit_pop, n - want_miss)  # give what one side cannot use to the other
    chosen: list[pl.DataFrame] = []
    for side, want in ((HIT, want_hit), (MISS, want_miss)):
        strata = pop.filter(pl.col("_side") == side).group_by("stratum").agg(pl.len().alias("size")).sort("stratum")
        if strata.is_empty() or want == 0:
            continue
        counts = allocate(strata["size"].to_list(), want)
        for j, (stratum, size, k) in enumerate(zip(strata["stratum"].to_list(), strata["size"].to_list(), counts,
                                                   strict=True)):
            rows = pop.filter(pl.col("stratum") == stratum)
            pick = np.sort(rng.choice(len(rows), size=k, replace=False))
            # an ASCII key first ("hit#003"), so a spreadsheet that mangles channel names cannot merge strata
            label = f"{side}#{j + 1:03d}" + stratum[len(side):]
            chosen.append(rows[pick.tolist()].with_columns(pl.lit(size).alias("stratum_size"),
                                                          pl.lit(k).alias("stratum_sampled"),
                                                          pl.lit(label).alias("stratum")))
    sample = pl.concat(chosen, how="diagonal_relaxed")
    sample = sample[rng.permutation(len(sample)).tolist()]
    spans = fh.group_by("uid").agg(pl.col("term").unique().sort().alias("terms"),
                                   pl.struct("start", "end").alias("spans"))
    sample = sample.join(spans, on="uid", how="left", maintain_order="left")
    return pl.DataFrame([_row(i, r, frame, lexicon_hash) for i, r in enumerate(sample.iter_rows(named=True))],
                        schema={c: pl.Utf8 for c in SAMPLE_COLUMNS})


def _row(i: int, r: dict[str, Any], frame: str, lexicon_hash: str) -> dict[str, str]:
    sid = f"S{i + 1:04d}"
    text = r.get("text") or ""
    spans = [(s["start"], s["end"]) for s in (r.get("spans") or []) if s["start"] is not None]
    marked = mark_spans(text, spans)
    if len(marked) > EXCEL_CELL_LIMIT:
        marked = marked[:EXCEL_CELL_LIMIT] + " …[truncated: open the message by its link]"
    posted = r.get("posted_at")
    return {
        "sample_id": sid, "label": "", "coder": "", "note": "", "text": neutralise(marked),
        "channel": neutralise(r.get("channel") or r.get("channel_id") or ""),
        "posted_at": posted.strftime("%Y-%m-%d %H:%M UTC") if posted is not None else "",
        "link": neutralise(r.get("url") or _fallback_link(r)), "matched_terms": " | ".join(r.get("terms") or []),
        "dictionary": "hit" if r["_hit"] else "no hit", "frame": frame, "stratum": r["stratum"],
        "stratum_size": str(r["stratum_size"]), "stratum_sampled": str(r["stratum_sampled"]),
        "inclusion_probability": f"{r['stratum_sampled'] / r['stratum_size']:.6f}", "uid": r["uid"],
        "lexicon": f"sha256:{lexicon_hash}", "check": check_code(sid, r["uid"], frame, lexicon_hash),
    }


def _fallback_link(r: dict[str, Any]) -> str:
    """Where the store has no URL (Telegram Desktop exports carry none), a pointer a coder can still follow:
    Telegram's t.me/c/<channel id>/<message id> link for numeric channel ids, else platform:channel/message."""
    channel, message = r.get("channel_id"), r.get("message_id")
    if not channel or not message:
        return ""
    if r.get("platform") == "telegram" and str(channel).isdigit() and str(message).isdigit():
        return f"https://t.me/c/{channel}/{message}"
    return f"{r.get('platform') or 'message'}:{channel}/{message}"


def write_sample_csv(sample: pl.DataFrame, path: str | Path) -> Path:
    """Write the sample as UTF-8 with BOM and CRLF line ends, every field quoted where needed."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(SAMPLE_COLUMNS)
        for row in sample.select(list(SAMPLE_COLUMNS)).iter_rows():
            writer.writerow([neutralise(v) for v in row])  # no cell may open as a spreadsheet formula
    tmp.replace(p)
    return p


def sample_corpus(
    corpus: Corpus,
    lexicon: Lexicon,
    frame: str,
    n: int = 400,
    *,
    by: Sequence[str] = (),
    seed: int = 0,
    hit_share: float = 0.5,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
) -> pl.DataFrame:
    """Draw a validation sample of ``frame`` from the stored corpus (the messages frame shares are computed on)."""
    if frame not in lexicon.frame_ids:
        raise UsageError(f"frame {frame!r} is not in the lexicon: choose one of {', '.join(lexicon.frame_ids)}")
    check_groups(by)
    cols = ["uid", "platform", "channel_id", "message_id", "channel", "author", "kind", "lang", "script", "posted_at",
            "views", "text", "url"]
    messages = corpus.messages(since=since, until=until, columns=cols, text_only=True)
    hits = corpus_hits(corpus, lexicon, since=since, until=until)
    return draw_sample(messages, hits, frame, n, lexicon_hash=lexicon.content_hash, by=by, seed=seed,
                       hit_share=hit_share)
