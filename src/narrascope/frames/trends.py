"""Did it change? Change points on a frame's share and on activity, and a comparison of two periods.

- Change points: PELT (Killick, Fearnhead & Eckley 2012) via ``ruptures`` with an L2 cost on a standardised series,
  so one penalty fits every corpus. Shares go through the variance-stabilising angular transform
  2·sqrt(n̄)·arcsin(sqrt(p)) (variance ≈ 1 whatever p), counts through Anscombe's 2·sqrt(x + 3/8) (variance ≈ 1 for
  Poisson counts). The noise scale is then the larger of 1 and a robust estimate from the
  data (median absolute first difference / (0.6745·√2)), which is insensitive to the change points themselves and
  absorbs over-dispersion. On unit-variance noise the penalty 3·log(T) is a BIC-style choice that rarely fires on noise.
- Period comparison ("the last 12 months vs the 12 before"): the difference of shares with Newcombe's interval and a
  pooled two-proportion z-test; activity as a rate ratio (messages per day) with its log-scale interval.

:func:`trend_report` is what ``narrascope trends`` prints and the report charts: the pure functions below run on the
stored corpus, plus a count of the undated messages a time axis cannot show.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ..errors import UsageError
from ..stats.intervals import newcombe_diff_interval, rate_ratio_interval, two_proportion_test
from .prevalence import (
    ANY,
    PERIODS,
    add_period_columns,
    check_groups,
    frame_hits,
    frame_messages,
    label_missing,
    shares_table,
)

if TYPE_CHECKING:
    from ..store.corpus import Corpus
    from .lexicon import Lexicon

__all__ = ["TrendOptions", "TrendReport", "activity_series", "change_points", "compare_periods", "share_series",
           "trend_report", "undated_counts"]


def change_points(values: Sequence[float] | np.ndarray, *, penalty: float | None = None, min_size: int = 2) -> list[int]:
    """Indices where a new segment starts in an already variance-stabilised series (PELT, L2 cost)."""
    import ruptures

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)] if np.isnan(x).any() else x
    if len(x) < 2 * min_size:
        return []
    pen = 3 * np.log(len(x)) if penalty is None else penalty
    algo = ruptures.Pelt(model="l2", min_size=min_size, jump=1).fit(x.reshape(-1, 1))
    return [int(b) for b in algo.predict(pen=pen)[:-1]]  # the last breakpoint is the series end


def _noise_scale(x: np.ndarray, model_scale: float) -> float:
    """max(model scale, robust scale of first differences): see the module docstring."""
    if len(x) < 3:
        return max(model_scale, 1e-9)
    robust = float(np.median(np.abs(np.diff(x)))) / (0.6745 * np.sqrt(2))
    return max(model_scale, robust, 1e-9)


def share_series(messages: pl.DataFrame, hits: pl.DataFrame, frame: str, *, period: str = "month",
                 confidence: float = 0.95) -> pl.DataFrame:
    """A frame's share per period with intervals, and ``change`` = True where a new segment starts."""
    frames = [frame] if frame != ANY else hits["frame"].unique().to_list()  # ANY = at least one frame of the hits
    dated = messages.filter(pl.col("posted_at").is_not_null())  # a time series has no place for undated messages
    table = shares_table(dated, hits, frames, [period], confidence=confidence)
    s = table.filter(pl.col("frame") == frame).sort(period)
    n = s["n"].to_numpy().astype(float)
    shares = np.nan_to_num(s["share"].to_numpy())
    # One n̄ for all points: a busy month should not look like a level shift of the transformed series.
    x = 2 * np.sqrt(max(float(np.median(n)) if len(n) else 1.0, 1.0)) * np.arcsin(np.sqrt(shares))
    cps = change_points(x / _noise_scale(x, 1.0))
    flags = np.zeros(len(s), dtype=bool)
    flags[cps] = True
    return s.with_columns(pl.Series("change", flags))


def activity_series(messages: pl.DataFrame, *, period: str = "month", by: Sequence[str] = ()) -> pl.DataFrame:
    """Messages per period (per ``by`` group, e.g. channel) and change points on each group's series."""
    keys = check_groups([*by, period])
    m = label_missing(add_period_columns(messages.filter(pl.col("posted_at").is_not_null()), keys), keys)
    counts = m.group_by(keys).agg(pl.len().alias("messages")).sort(keys)
    groups = list(by)
    parts = counts.partition_by(groups, maintain_order=True) if groups else [counts]
    out = []
    for part in parts:
        part = part.sort(period)
        x = 2 * np.sqrt(part["messages"].to_numpy().astype(float) + 3 / 8)
        flags = np.zeros(len(part), dtype=bool)
        flags[change_points(x / _noise_scale(x, 1.0))] = True
        out.append(part.with_columns(pl.Series("change", flags)))
    return pl.concat(out) if out else counts.with_columns(pl.lit(False).alias("change"))


def _shift_months(ts: datetime, months: int) -> datetime:
    """``ts`` moved back ``months`` calendar months (the day clipped to the target month's length)."""
    y, m = divmod(ts.month - 1 - months, 12)
    year, month = ts.year + y, m + 1
    return ts.replace(year=year, month=month, day=min(ts.day, calendar.monthrange(year, month)[1]))


def compare_periods(
    messages: pl.DataFrame,
    hits: pl.DataFrame,
    frames: Sequence[str],
    *,
    months: int = 12,
    end: datetime | None = None,
    by: Sequence[str] = (),
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Compare the last ``months`` before ``end`` (default: just after the latest message) with the ``months`` before.

    The earlier period starts at the first message's day when the data begin later than ``months`` × 2 before
    ``end`` (``start_clipped`` is then true and ``start`` the clipped start), so that unobserved months do not count
    as quiet ones in the activity rate.

    Columns: the ``by`` columns, ``frame``, ``start``, ``start_clipped``, ``recent_start``, ``end``, ``n1``, ``k1``, ``share1`` (earlier period),
    ``n2``, ``k2``, ``share2`` (recent period), ``diff`` = share2 − share1 with ``diff_lower``/``diff_upper``, ``z``,
    ``p_value``, and activity: ``rate1``/``rate2`` (messages per day), ``rate_ratio`` with its interval.
    """
    if months < 1:
        raise UsageError("--compare needs a positive number of months, e.g. 12m")
    if messages.is_empty():
        raise UsageError("no messages in the selected range: nothing to compare")
    keys = check_groups(by)
    if end is None:
        latest: datetime = messages["posted_at"].max()  # type: ignore[assignment]
        end = latest + timedelta(seconds=1)
    mid = _shift_months(end, months)
    start = _shift_months(end, 2 * months)
    # A window that begins before the data does is not a quiet period, only an unobserved one: the earlier
    # period's exposure starts at the day of the first message, or the rate before looks lower than it was.
    first: datetime = messages["posted_at"].min()  # type: ignore[assignment]
    first_day = first.replace(hour=0, minute=0, second=0, microsecond=0)
    clipped = first_day > start
    start = min(max(start, first_day), mid)
    days1 = (mid - start).total_seconds() / 86400
    days2 = (end - mid).total_seconds() / 86400
    ts = pl.col("posted_at")
    labelled = messages.filter((ts >= start) & (ts < end)).with_columns(
        pl.when(ts < mid).then(pl.lit("1")).otherwise(pl.lit("2")).alias("_half")
    )
    table = _half_table(labelled, hits, frames, keys, confidence)
    k1, n1, k2, n2 = (table[c].to_numpy().astype(float) for c in ("k1", "n1", "k2", "n2"))
    d, lo, hi = newcombe_diff_interval(k1, n1, k2, n2, confidence)
    z, p = two_proportion_test(k1, n1, k2, n2)
    if days1 <= 0:  # the data begin inside the recent period: nothing to compare activity with
        days1 = float("nan")
    rr, rlo, rhi = rate_ratio_interval(n1, days1, n2, days2, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        share1 = np.where(n1 > 0, k1 / n1, np.nan)
        share2 = np.where(n2 > 0, k2 / n2, np.nan)
    return table.with_columns(
        pl.lit(start).alias("start"), pl.lit(clipped).alias("start_clipped"), pl.lit(mid).alias("recent_start"),
        pl.lit(end).alias("end"),
        pl.Series("share1", share1), pl.Series("share2", share2),
        pl.Series("diff", d), pl.Series("diff_lower", lo), pl.Series("diff_upper", hi),
        pl.Series("z", z), pl.Series("p_value", p),
        pl.Series("rate1", n1 / days1), pl.Series("rate2", n2 / days2),
        pl.Series("rate_ratio", rr), pl.Series("rate_ratio_lower", rlo), pl.Series("rate_ratio_upper", rhi),
    )


def _half_table(labelled: pl.DataFrame, hits: pl.DataFrame, frames: Sequence[str], keys: list[str],
                confidence: float) -> pl.DataFrame:
    """Per group and frame: (n1, k1) for the earlier half and (n2, k2) for the recent one, zeros included."""
    parts = []
    for half in ("1", "2"):
        sub = labelled.filter(pl.col("_half") == half).drop("_half")
        t = shares_table(sub, hits, frames, keys, confidence=confidence).select(
            [*keys, "frame", pl.col("n").alias(f"n{half}"), pl.col("k").alias(f"k{half}")]
        )
        parts.append(t)
    join_keys = [*keys, "frame"]
    out = parts[0].join(parts[1], on=join_keys, how="full", coalesce=True)
    return out.with_columns([pl.col(c).fill_null(0) for c in ("n1", "k1", "n2", "k2")]).sort(join_keys)


@dataclass(frozen=True)
class TrendOptions:
    """What :func:`trend_report` computes; the flags of ``narrascope trends``. ``frame``: one frame id or
    :data:`~narrascope.frames.prevalence.ANY` (default: every frame and ANY); ``months``: the comparison's length
    (the last ``months`` against the ``months`` before); ``since``/``until``: the messages considered."""

    frame: str | None = None
    period: str = "month"
    months: int = 12
    since: str | datetime | None = None
    until: str | datetime | None = None
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise UsageError(f"unknown period {self.period!r}: choose one of {', '.join(PERIODS)}")
        if self.months < 1:
            raise UsageError("the comparison needs a positive number of months, e.g. 12m")


@dataclass(frozen=True)
class TrendReport:
    """Did it change? ``series``: per frame, its share per period with intervals and ``change`` flags (periods with
    dated messages only); ``activity``: messages per period per channel with ``change`` flags; ``comparison``: per
    frame, the last ``months`` against the ``months`` before (:func:`compare_periods`); ``activity_comparison``: the
    same for the number of messages (one row). ``undated``: messages without a date, which no time axis can place,
    and the hits among them (:func:`undated_counts`); ``dated``: the messages with a date (when 0, every table is
    empty)."""

    frames: tuple[str, ...]
    period: str
    months: int
    series: dict[str, pl.DataFrame]
    activity: pl.DataFrame
    comparison: pl.DataFrame
    activity_comparison: pl.DataFrame
    undated: dict[str, int] = field(default_factory=dict)
    dated: int = 0

    @property
    def undated_messages(self) -> int:
        return int(self.undated.get("messages", 0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (what ``narrascope trends --json`` prints)."""
        return {
            "period": self.period,
            "months": self.months,
            "series": {f: _records(s) for f, s in self.series.items()},
            "activity_change_points": _records(self.activity.filter(pl.col("change"))),
            "comparison": _records(self.comparison),
            "activity_comparison": _records(self.activity_comparison),
            "dated_messages": self.dated,
            "undated": dict(self.undated),
        }


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in df.iter_rows(named=True)]


def undated_counts(messages: pl.DataFrame, hits: pl.DataFrame, frames: Sequence[str]) -> dict[str, int]:
    """``{"messages": undated messages, frame: undated messages carrying it, …, ANY: …}``: what a time axis drops."""
    undated = messages.filter(pl.col("posted_at").is_null()).select("uid")
    carrying = hits.join(undated, on="uid", how="semi").select("uid", "frame").unique()
    out = {"messages": undated.height}
    for f in frames:
        out[f] = int((carrying["frame"] == f).sum())
    out[ANY] = carrying["uid"].n_unique()
    return out


def trend_report(corpus: Corpus, lexicon: Lexicon, options: TrendOptions | None = None, *,
                 hits: pl.DataFrame | None = None,
                 progress: Callable[[int, int], None] | None = None) -> TrendReport:
    """Change points in each frame's share and in each channel's activity, and the last ``options.months`` against
    the months before, for the stored corpus (service messages and messages without text left out). ``hits``: the
    lexicon's matches when already loaded (:func:`~narrascope.frames.prevalence.frame_hits`, same range);
    ``progress(done, total)`` is called while matching."""
    options = options or TrendOptions()
    ids = [f.id for f in lexicon.frames]
    if options.frame is not None and options.frame not in ids and options.frame != ANY:
        raise UsageError(f"no frame {options.frame!r} in lexicon {lexicon.name or ''}: it has {', '.join(ids)}"
                         f" (or {ANY!r})")
    chosen = [options.frame] if options.frame else [*ids, ANY]
    if hits is None:
        hits = frame_hits(corpus, lexicon, since=options.since, until=options.until, progress=progress)
    messages = frame_messages(corpus, since=options.since, until=options.until)
    if messages.is_empty():
        raise UsageError("no messages in the selected range")
    undated = undated_counts(messages, hits, ids)
    dated = messages.filter(pl.col("posted_at").is_not_null())
    if dated.is_empty():  # nothing to place on a time axis: empty tables, the undated count says why
        empty = shares_table(dated, hits.clear(), [], [options.period]).with_columns(pl.lit(False).alias("change"))
        return TrendReport(tuple(chosen), options.period, options.months, {f: empty for f in chosen},
                           empty.head(0), pl.DataFrame(), pl.DataFrame(), undated, dated=0)
    series = {f: share_series(dated, hits, f, period=options.period, confidence=options.confidence)
              for f in chosen}
    activity = activity_series(dated, period=options.period, by=["channel"])
    comparison = compare_periods(dated, hits, ids, months=options.months, confidence=options.confidence)
    comparison = comparison.filter(pl.col("frame").is_in(chosen))
    activity_total = compare_periods(dated, hits.clear(), [], months=options.months,
                                     confidence=options.confidence).filter(pl.col("frame") == ANY)
    activity_total = activity_total.select("start", "start_clipped", "recent_start", "end", "n1", "n2", "rate1",
                                           "rate2", "rate_ratio", "rate_ratio_lower", "rate_ratio_upper")
    return TrendReport(tuple(chosen), options.period, options.months, series, activity, comparison, activity_total,
                       undated, dated=dated.height)
