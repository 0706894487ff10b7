"""Frame shares: the share of messages carrying each frame, per group, with Wilson intervals and the counts behind them.

Pure functions over polars frames (``messages`` with uid/posted_at/channel…; ``hits`` with uid/frame), so any engine
can run them; :func:`frame_shares` is the glue that reads the store and the cached matches. The pseudo-frame
:data:`ANY` ("any frame") is added to every table. Weighted shares (``weight="views"``) use Kish's effective sample
size n_eff = (Σw)²/Σw² inside the Wilson interval, which keeps the interval honest when a few messages carry most of
the weight; messages without a weight (no view count) are left out of weighted shares and counted in ``n_unweighted``,
and ``w_note`` says so in every group where that happens (Telegram Desktop exports carry no view counts at all: there
``w_share`` is null in every group and :func:`weight_warnings` gives the one line a user should read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ..errors import UsageError
from ..stats.intervals import wilson_interval
from .groups import ANY, ENTITY_GROUPS, GROUPS, PERIODS

if TYPE_CHECKING:
    from ..store.corpus import Corpus
    from .lexicon import Lexicon

__all__ = ["ANY", "GROUPS", "PERIODS", "add_period_columns", "channel_reach", "frame_hits", "frame_message_batches",
           "frame_messages", "frame_shares", "shares_table", "weight_warnings"]

MESSAGE_COLUMNS = ["uid", "platform", "channel_id", "channel", "author", "kind", "lang", "script", "posted_at",
                   "views"]


def _period_expr(period: str) -> pl.Expr:
    ts = pl.col("posted_at").dt.convert_time_zone("UTC")
    if period == "day":
        return ts.dt.strftime("%Y-%m-%d")
    if period == "week":  # ISO week, labelled by its Monday
        return ts.dt.truncate("1w").dt.strftime("%Y-%m-%d")
    if period == "month":
        return ts.dt.strftime("%Y-%m")
    if period == "quarter":
        return ts.dt.year().cast(pl.Utf8) + "Q" + ts.dt.quarter().cast(pl.Utf8)
    if period == "year":
        return ts.dt.year().cast(pl.Utf8)
    raise UsageError(f"unknown period {period!r}: choose one of {', '.join(PERIODS)}")


def check_groups(by: Sequence[str], attributes: Sequence[str] = ()) -> list[str]:
    """``by`` as a list, checked: built-in groups, or channel attributes already joined to the messages."""
    bad = [b for b in by if b not in GROUPS and b not in attributes]
    if bad:
        extra = f" or a channel attribute ({', '.join(attributes)})" if attributes else ""
        raise UsageError(f"cannot group by {', '.join(bad)}: choose from {', '.join(GROUPS)}{extra}")
    repeated = sorted({b for b in by if list(by).count(b) > 1})
    if repeated:
        raise UsageError(f"group by {', '.join(repeated)} once only (it is named twice)")
    if sum(b in PERIODS for b in by) > 1:
        raise UsageError("group by at most one period (day, week, month, quarter or year)")
    return list(by)


def add_period_columns(messages: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Add a string column for each period named in ``by`` (UTC calendar periods)."""
    exprs = [_period_expr(b).alias(b) for b in by if b in PERIODS]
    return messages.with_columns(exprs) if exprs else messages


#: Group labels for messages without a value: an undated article has no month, English text no ``lang``.
UNDATED = "(undated)"
NONE = "(none)"


def label_missing(messages: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Replace missing group keys by visible labels, so those messages form their own group (joins never match
    nulls, and a null group would silently lose its carrying messages)."""
    exprs = [pl.col(k).cast(pl.Utf8).fill_null(UNDATED if k in PERIODS else NONE) for k in keys if k in messages.columns]
    return messages.with_columns(exprs) if exprs else messages


def _pairs(hits: pl.DataFrame, frames: Sequence[str]) -> pl.DataFrame:
    """One row per (uid, frame) carried, plus (uid, ANY)."""
    pairs = hits.select("uid", "frame").unique()
    pairs = pairs.filter(pl.col("frame").is_in(list(frames)))
    any_rows = pairs.select("uid").unique().with_columns(pl.lit(ANY).alias("frame"))
    return pl.concat([pairs, any_rows])


def shares_table(
    messages: pl.DataFrame | Iterable[pl.DataFrame],
    hits: pl.DataFrame,
    frames: Sequence[str],
    by: Sequence[str] = (),
    *,
    weight: str | None = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Share of messages carrying each frame (and :data:`ANY`) per group.

    Columns: the ``by`` columns, ``frame``, ``n`` (messages in the group), ``k`` (messages carrying the frame),
    ``share`` = k/n, ``lower``/``upper`` (Wilson). With ``weight``: ``w_share``, ``n_eff``, ``w_lower``, ``w_upper``,
    ``n_unweighted``. Every group × frame appears, including k = 0.

    ``messages`` may also be batches of messages (:func:`frame_message_batches`): every column of the result is a
    sum over messages, so the batches' counts are added up and only one batch is in memory at a time.
    """
    batches = [messages] if isinstance(messages, pl.DataFrame) else messages
    pairs = _pairs(hits, frames)
    counts, carrying = [], []
    keys: list[str] = []
    for batch in batches:
        keys, part_counts, part_carrying = _batch_counts(batch, pairs, by, weight)
        counts.append(part_counts)
        carrying.append(part_carrying)
    if not counts:
        raise ValueError("shares_table needs at least one (possibly empty) batch of messages")
    sums = [c for c in counts[0].columns if c not in keys]
    count = pl.concat(counts, how="vertical_relaxed").group_by(keys).agg(_sum(c) for c in sums)
    carry = (pl.concat(carrying, how="vertical_relaxed").group_by([*keys, "frame"])
             .agg(_sum(c) for c in carrying[0].columns if c not in (*keys, "frame")))
    frame_list = [*frames, ANY]
    grid = count.join(pl.DataFrame({"frame": frame_list}), how="cross")
    out = grid.join(carry, on=[*keys, "frame"], how="left").with_columns(pl.col("k").fill_null(0))
    k = out["k"].to_numpy().astype(float)
    n = out["n"].to_numpy().astype(float)
    lo, hi = wilson_interval(k, n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, k / n, np.nan)
    out = out.with_columns(pl.Series("share", share), pl.Series("lower", lo), pl.Series("upper", hi))
    cols = [*keys, "frame", "n", "k", "share", "lower", "upper"]
    if weight is not None:
        wsum = out["_w"].fill_null(0).to_numpy()
        w2 = out["_w2"].fill_null(0).to_numpy()
        wk = out["_wk"].fill_null(0).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            w_share = np.where(wsum > 0, wk / wsum, np.nan)
            n_eff = np.where(w2 > 0, wsum * wsum / w2, 0.0)
        wlo, whi = wilson_interval(np.nan_to_num(w_share) * n_eff, n_eff, confidence)
        out = out.with_columns(pl.Series("w_share", w_share), pl.Series("n_eff", n_eff),
                               pl.Series("w_lower", wlo), pl.Series("w_upper", whi))
        out = out.with_columns(_weight_note(weight))
        cols += ["w_share", "n_eff", "w_lower", "w_upper", "n_unweighted", "w_note"]
    out = out.select(cols).sort([*keys, "frame"])
    return out.drop("_all") if "_all" in out.columns else out


def _sum(column: str) -> pl.Expr:
    """A batch count added up, with the type of a count over all messages at once (``pl.len()``: UInt32)."""
    total = pl.col(column).sum()
    return (total.cast(pl.UInt32) if column in ("n", "k", "n_unweighted") else total).alias(column)


def _batch_counts(messages: pl.DataFrame, pairs: pl.DataFrame, by: Sequence[str],
                  weight: str | None) -> tuple[list[str], pl.DataFrame, pl.DataFrame]:
    """One batch's group keys, its messages per group (``n``, weight sums) and its carrying messages per group and
    frame (``k``, weight sum)."""
    keys = check_groups(by, [c for c in messages.columns if c not in MESSAGE_COLUMNS])
    m = label_missing(add_period_columns(messages, keys), keys)
    if not keys:
        m = m.with_columns(pl.lit("all").alias("_all"))
        keys = ["_all"]
    aggs = [pl.len().alias("n")]
    carry_aggs = [pl.len().alias("k")]
    if weight is not None:
        if weight not in m.columns:
            raise UsageError(f"cannot weight by {weight!r}: not a message column")
        w = pl.col(weight).cast(pl.Float64)
        aggs += [w.sum().alias("_w"), (w * w).sum().alias("_w2"), w.is_null().sum().alias("n_unweighted")]
        carry_aggs.append(w.sum().alias("_wk"))
    counts = m.group_by(keys).agg(aggs)
    carrying = m.join(pairs, on="uid").group_by([*keys, "frame"]).agg(carry_aggs)
    return keys, counts, carrying


def _weight_note(weight: str) -> pl.Expr:
    """Why ``w_share`` is missing or rests on fewer messages than ``share``: null when every message has a weight."""
    missing, n = pl.col("n_unweighted"), pl.col("n")
    return (
        pl.when(missing == 0).then(None)
        .when(missing >= n).then(pl.lit(f"no message in this group has {weight}: no weighted share"))
        .otherwise(pl.format(f"{{}} of {{}} messages without {weight} left out of the weighted share", missing, n))
        .alias("w_note")
    )


def weight_warnings(table: pl.DataFrame, weight: str | None) -> list[str]:
    """One line per problem with the weighted columns of a :func:`shares_table` result, for the user to read: no
    message has the weight (w_share is null everywhere), or some messages lack it (left out of w_share)."""
    if weight is None or "n_unweighted" not in table.columns or table.is_empty():
        return []
    per_group = table.filter(pl.col("frame") == ANY)  # one row per group: n and n_unweighted are per group
    n, missing = int(per_group["n"].sum()), int(per_group["n_unweighted"].sum())
    if missing == 0:
        return []
    if missing >= n:
        return [f"no message in the selection has a {weight} count (Telegram Desktop JSON and HTML exports carry "
                f"none; Telethon and 4CAT dumps do): w_share is null and only the unweighted share is given"]
    return [f"{missing:,} of {n:,} messages have no {weight} count: they are left out of the weighted share "
            "(column n_unweighted), which therefore describes the others only"]


def channel_reach(
    messages: pl.DataFrame,
    hits: pl.DataFrame,
    frames: Sequence[str],
    *,
    min_messages: int = 1,
    by: Sequence[str] = (),
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Share of channels that carry each frame in at least ``min_messages`` messages (per ``by`` group).

    Columns: the ``by`` columns, ``frame``, ``channels``, ``carrying``, ``share``, ``lower``, ``upper``.
    """
    if min_messages < 1:
        raise UsageError("min_messages must be at least 1")
    keys = check_groups(by)
    if any(b in ENTITY_GROUPS[:2] for b in keys):
        raise UsageError("channel reach already counts channels: group it by platform or a period only")
    per_channel = shares_table(messages, hits, frames, [*keys, *(k for k in ("platform", "channel_id") if k not in keys)])
    gkeys = keys or ["_all"]
    if not keys:
        per_channel = per_channel.with_columns(pl.lit("all").alias("_all"))
    out = per_channel.group_by([*gkeys, "frame"]).agg(
        pl.len().alias("channels"), (pl.col("k") >= min_messages).sum().alias("carrying")
    )
    k = out["carrying"].to_numpy()
    n = out["channels"].to_numpy()
    lo, hi = wilson_interval(k, n, confidence)
    out = out.with_columns((pl.col("carrying") / pl.col("channels")).alias("share"),
                           pl.Series("lower", lo), pl.Series("upper", hi)).sort([*gkeys, "frame"])
    return out.drop("_all") if "_all" in out.columns else out


def frame_messages(corpus: Corpus, *, since: str | datetime | None = None, until: str | datetime | None = None,
                   channel: str | None = None, attributes: Sequence[str] = ()) -> pl.DataFrame:
    """The messages frame shares are about: posts, comments, articles and captions WITH text (a photo without a
    caption cannot carry a textual frame; counting it would dilute every share). ``attributes`` adds those channel
    attributes (``narrascope channels set-attributes``) as columns, so shares can be grouped by them."""
    from .corpus_match import STORE_MEMORY_LIMIT

    # capped: the text filter reads every text, which DuckDB would otherwise keep cached (memory growing with them)
    with corpus.memory_capped(STORE_MEMORY_LIMIT):
        messages = corpus.messages(since=since, until=until, channel=channel, columns=MESSAGE_COLUMNS,
                                   text_only=True)
    return _with_attributes(messages, _attribute_table(corpus, attributes), attributes)


#: messages a batch when shares are counted over a store (:func:`frame_message_batches`)
SHARE_BATCH_ROWS = 500_000


def frame_message_batches(corpus: Corpus, *, since: str | datetime | None = None,
                          until: str | datetime | None = None, attributes: Sequence[str] = (),
                          batch_rows: int | None = None) -> Iterator[pl.DataFrame]:
    """The rows and columns of :func:`frame_messages` in batches of ``batch_rows`` (default
    :data:`SHARE_BATCH_ROWS`; at least one batch, perhaps empty), as the store holds them (no sort: shares are
    sums): what :func:`shares_table` counts over a store,
    so that memory holds one batch, not the corpus's metadata (10 M messages' took 3 GB, and the shares' copies of
    them 5.7 GB at the peak: docs/benchmarks.md)."""
    from .corpus_match import STORE_MEMORY_LIMIT

    table = _attribute_table(corpus, attributes)
    empty = True
    for batch in corpus.message_batches(MESSAGE_COLUMNS, since=since, until=until,
                                        batch_rows=batch_rows or SHARE_BATCH_ROWS,
                                        memory_limit=STORE_MEMORY_LIMIT, text_only=True, ordered=False):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        empty = False
        yield _with_attributes(frame, table, attributes)
    if empty:
        yield frame_messages(corpus, since=since, until=until, attributes=attributes)


def _attribute_table(corpus: Corpus, attributes: Sequence[str]) -> pl.DataFrame | None:
    """The channels' ``attributes`` (None for none), refused when one is neither a group nor a stored attribute."""
    if not attributes:
        return None
    table = corpus.channel_attributes.wide(in_store=True)
    stored = [c for c in table.columns if c not in ("platform", "channel_id", "channel")]
    bad = [a for a in attributes if a not in stored]
    if bad:
        have = f"the store has {', '.join(stored)}" if stored else "none are set: `narrascope channels set-attributes FILE`"
        raise UsageError(f"--by {','.join(bad)}: neither a built-in group ({', '.join(GROUPS)}) nor a channel "
                         f"attribute ({have})")
    return table


def _with_attributes(messages: pl.DataFrame, table: pl.DataFrame | None, attributes: Sequence[str]) -> pl.DataFrame:
    if table is None:
        return messages
    return messages.join(table.select("platform", "channel_id", *attributes), on=["platform", "channel_id"],
                         how="left")


def frame_hits(corpus: Corpus, lexicon: Lexicon, *, since: str | datetime | None = None,
               until: str | datetime | None = None,
               progress: Callable[[int, int], None] | None = None) -> pl.DataFrame:
    """The lexicon's matches in the stored corpus (uid, frame, term, start, end; spans in the original text), from
    the store's cache when the same lexicon and corpus were matched before. Load them once and pass them as
    ``hits=`` to the other corpus functions (shares, trends, examples) to match only once."""
    from .corpus_match import match_corpus

    hits = pl.from_arrow(match_corpus(corpus, lexicon, since=since, until=until, progress=progress))
    assert isinstance(hits, pl.DataFrame)
    return hits


def frame_shares(
    corpus: Corpus,
    lexicon: Lexicon,
    by: Sequence[str] = ("channel", "month"),
    *,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    weight: str | None = None,
    confidence: float = 0.95,
    reach: int | None = None,
    hits: pl.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pl.DataFrame:
    """Frame shares of the stored corpus (service messages excluded), matching with the cached matcher.

    ``reach=K``: instead, the share of channels carrying each frame in at least K messages (:func:`channel_reach`,
    grouped by the period and platform keys of ``by``). ``hits``: the lexicon's matches when already loaded with
    :func:`frame_hits` for the same range. With ``weight``, :func:`weight_warnings` of the result says when the
    weighted columns are empty or partial."""
    attributes = [b for b in by if b not in GROUPS]
    check_groups(by, attributes)
    _attribute_table(corpus, attributes)  # a bad attribute is refused before matching
    if hits is None:
        hits = frame_hits(corpus, lexicon, since=since, until=until, progress=progress)
    frames = [f.id for f in lexicon.frames]
    if reach is not None:
        messages = frame_messages(corpus, since=since, until=until, attributes=attributes)
        periods = [g for g in by if g in PERIODS or g == "platform"]
        return channel_reach(messages, hits, frames, min_messages=reach, by=periods, confidence=confidence)
    batches = frame_message_batches(corpus, since=since, until=until, attributes=attributes)
    return shares_table(batches, hits, frames, by, weight=weight, confidence=confidence)
