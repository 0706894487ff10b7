"""narrascope frames | trends | show — frame shares with intervals, change over time, matched examples."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import polars as pl
from rich.table import Table
from rich.text import Text

from ..errors import UsageError
from ..frames import load_lexicon, match_corpus
from ..frames.prevalence import ANY, GROUPS, PERIODS, channel_reach, frame_messages, shares_table
from ..frames.trends import activity_series, compare_periods, share_series
from ..safe_csv import write_csv
from .common import db_option, emit_json, err_console, json_option, message_progress, open_corpus, out_console

_LEXICON = click.argument("lexicon", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_SINCE = click.option("--since", help="Only messages posted at or after this date (ISO, UTC), e.g. 2024-01-01.")
_UNTIL = click.option("--until", help="Only messages posted before this date (ISO, UTC).")


def _opts(*decorators: Callable[..., Any]) -> Callable[..., Any]:
    def apply(f: Callable[..., Any]) -> Callable[..., Any]:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply


def parse_by(text: str) -> list[str]:
    by = [b.strip() for b in text.split(",") if b.strip()] if text else []
    bad = [b for b in by if b not in GROUPS]
    if bad:
        raise UsageError(f"--by {','.join(bad)}: choose from {', '.join(GROUPS)}")
    return by


def parse_months(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*(m|mo|months?|y|years?)?\s*", text or "")
    if not m or int(m.group(1)) < 1:
        raise UsageError(f"--compare {text!r}: write a number of months or years, e.g. 12m or 1y")
    n = int(m.group(1))
    months = n * 12 if (m.group(2) or "m").startswith("y") else n
    if months > 1200:
        raise UsageError(f"--compare {text!r}: at most 100 years (1200 months)")
    return months


def _hits(corpus: Any, lexicon: Any, since: str | None, until: str | None, quiet: bool) -> pl.DataFrame:
    """Matches of the lexicon (from the store's cache when present), with a progress bar on a terminal."""
    with message_progress(not quiet, "matching") as progress:
        table = match_corpus(corpus, lexicon, since=since, until=until, progress=progress)
    hits = pl.from_arrow(table)
    assert isinstance(hits, pl.DataFrame)
    return hits


def _pct(x: Any) -> str:
    return "" if x is None or x != x else f"{100 * x:.1f}"


def _print_shares(table: pl.DataFrame, by: list[str], corrected: bool) -> None:
    t = Table(show_lines=False)
    for c in [*by, "frame"]:
        t.add_column(c)
    for c in ("n", "k", "share %", "95% CI"):
        t.add_column(c, justify="right")
    if corrected:
        t.add_column("Rogan–Gladen %", justify="right")
        t.add_column("95% CI", justify="right")
        t.add_column("PPI %", justify="right")
        t.add_column("95% CI", justify="right")
        t.add_column("note")
    for r in table.iter_rows(named=True):
        cells = [str(r[c]) if r[c] is not None else "" for c in [*by, "frame"]]
        cells += [str(r["n"]), str(r["k"]), _pct(r["share"]), f"{_pct(r['lower'])}–{_pct(r['upper'])}"]
        if corrected:
            cells += [_pct(r.get("corrected")), f"{_pct(r.get('corrected_lower'))}–{_pct(r.get('corrected_upper'))}",
                      _pct(r.get("ppi")), f"{_pct(r.get('ppi_lower'))}–{_pct(r.get('ppi_upper'))}",
                      r.get("warning") or ""]
        t.add_row(*cells)
    out_console().print(t)


def _print_reach(table: pl.DataFrame, k: int) -> None:
    keys = [c for c in table.columns if c not in {"frame", "channels", "carrying", "share", "lower", "upper"}]
    t = Table(title=f"channels carrying each frame in at least {k} message(s)", title_justify="left")
    for c in [*keys, "frame"]:
        t.add_column(c)
    for c in ("channels", "carrying", "share %", "95% CI"):
        t.add_column(c, justify="right")
    for r in table.iter_rows(named=True):
        t.add_row(*[str(r[c]) for c in [*keys, "frame"]], str(r["channels"]), str(r["carrying"]), _pct(r["share"]),
                  f"{_pct(r['lower'])}–{_pct(r['upper'])}")
    out_console().print(t)


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in df.iter_rows(named=True)]


def register(group: click.Group) -> None:
    @group.command("frames")
    @_LEXICON
    @click.option("--by", default="channel,month", show_default=True,
                  help=f"Group by any of: {', '.join(GROUPS)} (comma-separated; '' for one overall share).")
    @_opts(_SINCE, _UNTIL)
    @click.option("--weight", type=click.Choice(["views", "forwards", "reactions"]),
                  help="Also give shares weighted by this count (Kish effective n in the interval).")
    @click.option("--validated", "coded", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Coded validation sample(s) (from `validate sample`): add Rogan–Gladen and PPI corrected shares.")
    @click.option("--coder-error", "coder_error", type=float, default=0.0, show_default=True,
                  help="With --validated: known rate at which the (majority) labels are wrong, in [0, 0.5).")
    @click.option("--reach", type=click.IntRange(min=1),
                  help="Instead: the share of channels carrying each frame in at least this many messages.")
    @click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
    @click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the table as CSV.")
    @db_option
    @json_option
    def frames(lexicon: Path, by: str, since: str | None, until: str | None, weight: str | None,
               coded: tuple[Path, ...], coder_error: float, reach: int | None, confidence: float,
               csv_path: Path | None, db: Path, as_json: bool) -> None:
        """Share of messages carrying each frame of LEXICON, per group, with Wilson 95% intervals.

        Service messages are left out. Matches are cached in the store: a second run with the same lexicon and
        corpus is instant; an edited lexicon recomputes. 'any frame' counts messages with at least one frame.
        """
        if coder_error and not coded:
            raise UsageError("--coder-error corrects coded labels: give the coded sample with --validated CODED.csv")
        lex = load_lexicon(lexicon)
        groups = parse_by(by)
        with open_corpus(db, read_only=False) as corpus:
            if coded:
                from ..validate import validated_frame_shares

                table, sample = validated_frame_shares(corpus, lex, list(coded), groups, since=since, until=until,
                                                       confidence=confidence, coder_error=coder_error)
                for w in getattr(sample, "warnings", []):
                    err_console.print(f"warning: {w}", markup=False)
            else:
                hits = _hits(corpus, lex, since, until, as_json)
                messages = frame_messages(corpus, since=since, until=until)
                ids = [f.id for f in lex.frames]
                if reach:
                    periods = [g for g in groups if g in PERIODS or g == "platform"]
                    table = channel_reach(messages, hits, ids, min_messages=reach, by=periods, confidence=confidence)
                else:
                    table = shares_table(messages, hits, ids, groups, weight=weight, confidence=confidence)
        if csv_path:
            write_csv(table, csv_path)  # formulas in channel names neutralised
        if as_json:
            emit_json({"lexicon": str(lexicon), "lexicon_hash": lex.content_hash, "by": groups,
                       "rows": _records(table)})
        elif reach:
            _print_reach(table, reach)
        else:
            _print_shares(table, groups, bool(coded))

    @group.command("trends")
    @_LEXICON
    @click.option("--frame", "frame", help=f"One frame id (default: every frame and '{ANY}').")
    @click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True)
    @click.option("--compare", "compare", default="12m", show_default=True,
                  help="Compare the last N months with the N before (e.g. 12m, 1y).")
    @_opts(_SINCE, _UNTIL)
    @db_option
    @json_option
    def trends(lexicon: Path, frame: str | None, period: str, compare: str, since: str | None, until: str | None,
               db: Path, as_json: bool) -> None:
        """Did it change? Change points in each frame's share and in activity, and the last N months vs the N before."""
        lex = load_lexicon(lexicon)
        months = parse_months(compare)
        ids = [f.id for f in lex.frames]
        if frame and frame not in ids and frame != ANY:
            raise UsageError(f"no frame {frame!r} in {lexicon}: it has {', '.join(ids)}")
        chosen = [frame] if frame else [*ids, ANY]
        with open_corpus(db) as corpus:
            hits = _hits(corpus, lex, since, until, as_json)
            messages = frame_messages(corpus, since=since, until=until)
        if messages.is_empty():
            raise UsageError("no messages in the selected range")
        series = {f: share_series(messages, hits, f, period=period) for f in chosen}
        activity = activity_series(messages, period=period, by=["channel"])
        comparison = compare_periods(messages, hits, ids, months=months)
        comparison = comparison.filter(pl.col("frame").is_in(chosen))
        activity_total = compare_periods(messages, hits.clear(), [], months=months).filter(pl.col("frame") == ANY)
        if as_json:
            emit_json({
                "period": period,
                "series": {f: _records(s) for f, s in series.items()},
                "activity_change_points": _records(activity.filter(pl.col("change"))),
                "comparison": _records(comparison),
                "activity_comparison": _records(activity_total.select(
                    "start", "start_clipped", "recent_start", "end", "n1", "n2", "rate1", "rate2", "rate_ratio",
                    "rate_ratio_lower", "rate_ratio_upper")),
            })
            return
        out = out_console()
        for f, s in series.items():
            cps = s.filter(pl.col("change"))[period].to_list()
            out.print(Text.assemble((f, "bold"), f": change points at {', '.join(cps) if cps else 'none'}"))
        activity_cps = activity.filter(pl.col("change"))
        out.print(f"activity change points (per channel): {activity_cps.height}")
        for r in activity_cps.iter_rows(named=True):
            out.print(f"  {r['channel']}: {r[period]} ({r['messages']} messages)")
        t = Table(title=f"last {months} months vs the {months} before")
        for c in ("frame", "before %", "recent %", "difference (95% CI), points", "p"):
            t.add_column(c)
        for r in comparison.iter_rows(named=True):
            t.add_row(r["frame"], _pct(r["share1"]), _pct(r["share2"]),
                      f"{100 * r['diff']:+.1f} ({100 * r['diff_lower']:+.1f} … {100 * r['diff_upper']:+.1f})",
                      f"{r['p_value']:.3g}")
        out.print(t)
        a = activity_total.row(0, named=True)
        if a.get("start_clipped"):
            out.print(f"note: the data begin {a['start']:%Y-%m-%d}, after the start of the earlier {months}-month "
                      "period: that period is compared only from its first message on.")
        out.print(f"activity: {a['rate2']:.1f} vs {a['rate1']:.1f} messages/day, rate ratio {a['rate_ratio']:.2f} "
                  f"(95% CI {a['rate_ratio_lower']:.2f}–{a['rate_ratio_upper']:.2f})")

    @group.command("show")
    @_LEXICON
    @click.option("--frame", "frame", required=True, help="Frame id whose matches to show.")
    @click.option("--n", "n", type=click.IntRange(min=1), default=20, show_default=True)
    @click.option("--channel", help="Only this channel (id or name).")
    @_opts(_SINCE, _UNTIL)
    @db_option
    @json_option
    def show(lexicon: Path, frame: str, n: int, channel: str | None, since: str | None, until: str | None,
             db: Path, as_json: bool) -> None:
        """Matched messages with the matched terms highlighted, newest first, for eyeballing the lexicon."""
        lex = load_lexicon(lexicon)
        lex.frame(frame)  # raises a one-line error naming the frames it has
        with open_corpus(db) as corpus:
            hits = _hits(corpus, lex, since, until, as_json).filter(pl.col("frame") == frame)
            msgs = corpus.messages(since=since, until=until, channel=channel,
                                   columns=["uid", "channel", "message_id", "posted_at", "text"])
        if channel and msgs.is_empty():
            raise UsageError(f"no messages of channel {channel!r} in the selection: `narrascope info` lists the channels")
        carrying = msgs.join(hits.select("uid").unique(), on="uid")
        joined = carrying.sort("posted_at", descending=True).head(n)
        spans = hits.filter(pl.col("uid").is_in(joined["uid"].to_list()))
        by_uid: dict[str, list[tuple[int, int, str]]] = {}
        for r in spans.iter_rows(named=True):
            by_uid.setdefault(r["uid"], []).append((r["start"], r["end"], r["term"]))
        if as_json:
            emit_json([{**{k: r[k] for k in ("uid", "channel", "message_id", "posted_at", "text")},
                        "spans": [{"start": s, "end": e, "term": t} for s, e, t in sorted(by_uid.get(r["uid"], []))]}
                       for r in joined.iter_rows(named=True)])
            return
        out = out_console()
        out.print(f"{joined.height} messages carrying {frame!r} (of {carrying.height} in the selection)")
        for r in joined.iter_rows(named=True):
            text = Text(r["text"] or "")
            for s, e, _ in by_uid.get(r["uid"], []):
                text.stylize("bold black on yellow", s, e)
            when = f"{r['posted_at']:%Y-%m-%d %H:%M}Z" if r["posted_at"] else "no date"
            out.print(Text(f"— {r['channel']} #{r['message_id']} {when}", style="dim"))
            out.print(text)
