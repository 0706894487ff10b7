"""narrascope frames | trends | show — frame shares with intervals, change over time, matched examples."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table
from rich.text import Text

from ..engines import get_engine
from ..errors import UsageError
from ..frames.groups import ANY, GROUPS, PERIODS
from .common import (
    ENGINE_OPTION,
    db_option,
    emit_json,
    err_console,
    json_option,
    message_progress,
    open_corpus,
    out_console,
)
from .greedy import ManyValues, ManyValuesCommand

if TYPE_CHECKING:  # the analysis modules are imported when a command runs, not for --help (start-up stays fast)
    import polars as pl

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
    """Group names; names other than the built-in groups are channel attributes, checked against the store."""
    return [b.strip() for b in text.split(",") if b.strip()] if text else []


def parse_months(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*(m|mo|months?|y|years?)?\s*", text or "")
    if not m or int(m.group(1)) < 1:
        raise UsageError(f"--compare {text!r}: write a number of months or years, e.g. 12m or 1y")
    n = int(m.group(1))
    months = n * 12 if (m.group(2) or "m").startswith("y") else n
    if months > 1200:
        raise UsageError(f"--compare {text!r}: at most 100 years (1200 months)")
    return months


def _pct(x: Any) -> str:
    return "" if x is None or x != x else f"{100 * x:.1f}"


def _print_shares(table: pl.DataFrame, by: list[str], corrected: bool, weight: str | None = None) -> None:
    if weight and not table["w_share"].fill_nan(None).is_not_null().any():
        weight = None  # no message has the weight: the warning above says so; empty columns would only crowd
    t = Table(show_lines=False)
    for c in [*by, "frame"]:
        t.add_column(c)
    for c in ("n", "k", "share %", "95% CI"):
        t.add_column(c, justify="right")
    if weight:
        for c in (f"{weight}-weighted %", "95% CI", "n_eff"):
            t.add_column(c, justify="right")
        t.add_column("weight note")
    if corrected:
        t.add_column("Rogan–Gladen %", justify="right")
        t.add_column("95% CI", justify="right")
        t.add_column("PPI %", justify="right")
        t.add_column("95% CI", justify="right")
        t.add_column("note")
    for r in table.iter_rows(named=True):
        cells = [str(r[c]) if r[c] is not None else "" for c in [*by, "frame"]]
        cells += [str(r["n"]), str(r["k"]), _pct(r["share"]), f"{_pct(r['lower'])}–{_pct(r['upper'])}"]
        if weight:
            has = r.get("w_share") is not None and r["w_share"] == r["w_share"]
            cells += [_pct(r.get("w_share")), f"{_pct(r.get('w_lower'))}–{_pct(r.get('w_upper'))}" if has else "",
                      f"{r['n_eff']:.0f}", r.get("w_note") or ""]
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
    @group.command("frames", cls=ManyValuesCommand)
    @_LEXICON
    @click.option("--by", default="channel,month", show_default=True,
                  help=f"Group by any of: {', '.join(GROUPS)} or a channel attribute (comma-separated; '' for one "
                       "overall share).")
    @_opts(_SINCE, _UNTIL)
    @click.option("--weight", type=click.Choice(["views", "forwards", "reactions"]),
                  help="Also give shares weighted by this count (Kish effective n in the interval).")
    @click.option("--validated", "coded", cls=ManyValues, metavar="CODED.csv [CODED2.csv …]",
                  type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Coded validation sample(s) from `validate sample`, one file per coder (list them after the "
                       "flag or repeat it): add Rogan–Gladen and PPI corrected shares.")
    @click.option("--coder-error", "coder_error", type=float, default=0.0, show_default=True,
                  help="With --validated: known rate at which each coder's labels are wrong, in [0, 0.5).")
    @click.option("--reach", type=click.IntRange(min=1),
                  help="Instead: the share of channels carrying each frame in at least this many messages.")
    @click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
    @click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the table as CSV.")
    @ENGINE_OPTION
    @db_option
    @json_option
    def frames(lexicon: Path, by: str, since: str | None, until: str | None, weight: str | None,
               coded: tuple[Path, ...], coder_error: float, reach: int | None, confidence: float,
               csv_path: Path | None, engine: str, db: Path, as_json: bool) -> None:
        """Share of messages carrying each frame of LEXICON, per group, with Wilson 95% intervals.

        Service messages are left out. Matches are cached in the store: a second run with the same lexicon and
        corpus is instant; an edited lexicon recomputes. 'any frame' counts messages with at least one frame.
        """
        from ..frames import load_lexicon
        from ..frames.prevalence import frame_shares, weight_warnings
        from ..safe_csv import write_csv

        if coder_error and not coded:
            raise UsageError("--coder-error corrects coded labels: give the coded sample with --validated CODED.csv")
        if coded and (reach or weight):
            raise UsageError(f"--validated corrects plain shares: it cannot be combined with "
                             f"{'--reach' if reach else '--weight'}")
        lex = load_lexicon(lexicon)
        groups = parse_by(by)
        warnings: list[str] = []
        with open_corpus(db, read_only=False) as corpus:
            if engine != "duckdb":  # matched elsewhere and saved in the store's cache, where the rest reads it
                get_engine(engine).frame_hits(corpus, lex, since=since, until=until)
            if coded:
                from ..validate import validated_frame_shares

                table, sample = validated_frame_shares(corpus, lex, list(coded), groups, since=since, until=until,
                                                       confidence=confidence, coder_error=coder_error)
                warnings += sample.warnings
            else:
                with message_progress(not as_json, "matching") as progress:
                    table = frame_shares(corpus, lex, groups, since=since, until=until, weight=weight,
                                         confidence=confidence, reach=reach, progress=progress)
                warnings += weight_warnings(table, weight)
        for w in warnings:
            err_console.print(f"warning: {w}", markup=False, soft_wrap=True)
        if csv_path:
            write_csv(table, csv_path)  # formulas in channel names neutralised
        if as_json:
            emit_json({"lexicon": str(lexicon), "lexicon_hash": lex.content_hash, "by": groups,
                       "warnings": warnings, "rows": _records(table)})
        elif reach:
            _print_reach(table, reach)
        else:
            _print_shares(table, groups, bool(coded), weight)

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
        import polars as pl

        from ..frames import load_lexicon
        from ..frames.trends import TrendOptions, trend_report

        lex = load_lexicon(lexicon)
        options = TrendOptions(frame=frame, period=period, months=parse_months(compare), since=since, until=until)
        with open_corpus(db) as corpus, message_progress(not as_json, "matching") as progress:
            result = trend_report(corpus, lex, options, progress=progress)
        if not result.dated:
            n = result.undated_messages
            raise UsageError(f"no dated messages in the selected range: its {n:,} message{'' if n == 1 else 's'} "
                             f"{'has' if n == 1 else 'have'} no date, so nothing can be placed on a time axis; "
                             "`narrascope frames LEXICON --by ''` gives their shares")
        if as_json:
            emit_json(result.to_dict())
            return
        out = out_console()
        for f, s in result.series.items():
            cps = s.filter(pl.col("change"))[period].to_list()
            out.print(Text.assemble((f, "bold"), f": change points at {', '.join(cps) if cps else 'none'}"))
        activity_cps = result.activity.filter(pl.col("change"))
        out.print(f"activity change points (per channel): {activity_cps.height}")
        for r in activity_cps.iter_rows(named=True):
            out.print(Text(f"  {r['channel']}: {r[period]} ({r['messages']} messages)"))
        months = options.months
        t = Table(title=f"last {months} months vs the {months} before")
        for c in ("frame", "before %", "recent %", "difference (95% CI), points", "p"):
            t.add_column(c)
        for r in result.comparison.iter_rows(named=True):
            t.add_row(Text(r["frame"]), _pct(r["share1"]), _pct(r["share2"]),
                      f"{100 * r['diff']:+.1f} ({100 * r['diff_lower']:+.1f} … {100 * r['diff_upper']:+.1f})",
                      f"{r['p_value']:.3g}")
        out.print(t)
        a = result.activity_comparison.row(0, named=True)
        if a.get("start_clipped"):
            out.print(f"note: the data begin {a['start']:%Y-%m-%d}, after the start of the earlier {months}-month "
                      "period: that period is compared only from its first message on.")
        out.print(f"activity: {a['rate2']:.1f} vs {a['rate1']:.1f} messages/day, rate ratio {a['rate_ratio']:.2f} "
                  f"(95% CI {a['rate_ratio_lower']:.2f}–{a['rate_ratio_upper']:.2f})")
        if result.undated_messages:
            hits = result.undated.get(ANY, 0)
            out.print(f"note: {result.undated_messages:,} undated message(s) ({hits:,} carrying a frame) are not in "
                      "the series or the comparison: a time axis cannot place them")

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
        """Matched messages with the matched terms highlighted, newest first, for eyeballing the lexicon.

        On a terminal the matches are highlighted; piped or redirected they are marked [[like this]].
        """
        from ..frames import load_lexicon
        from ..frames.examples import frame_examples, mark_spans

        lex = load_lexicon(lexicon)
        with open_corpus(db) as corpus, message_progress(not as_json, "matching") as progress:
            found = frame_examples(corpus, lex, frame, n=n, channel=channel, since=since, until=until,
                                   progress=progress)
        if as_json:
            emit_json(found.to_dicts())
            return
        out = out_console(soft_wrap=True)  # no line breaks added: piped text stays greppable
        plain = not out.is_terminal or out.no_color  # no highlight to see: mark the matches in the text itself
        out.print(f"{len(found.examples)} messages carrying {frame!r} (of {found.carrying} in the selection)"
                  + (" — matches marked [[like this]]" if plain else ""), markup=False)
        for e in found.examples:
            spans = [(s.start, s.end) for s in e.spans]
            when = f"{e.posted_at:%Y-%m-%d %H:%M}Z" if e.posted_at else "no date"
            out.print(Text(f"— {e.channel} #{e.message_id} {when}", style="dim"))
            if plain:
                out.print(Text(mark_spans(e.text, spans)))
                continue
            text = Text(e.text)
            for start, end in spans:
                text.stylize("bold black on yellow", start, end)
            out.print(text)
