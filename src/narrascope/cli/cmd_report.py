"""narrascope report"""

from __future__ import annotations

from pathlib import Path

import click

from ..report.model import ReportOptions
from .common import db_option, emit_json, err_console, json_option, open_corpus
from .greedy import ManyValues, ManyValuesCommand

_DEFAULTS = ReportOptions()


def register(group: click.Group) -> None:
    @group.command("report", cls=ManyValuesCommand)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
                  show_default=True, help="Where to write the HTML report (replaced atomically).")
    @db_option
    @click.option("--title", default=_DEFAULTS.title, show_default=True, help="Title of the report page.")
    @click.option("--max-channels", type=click.IntRange(min=1), default=_DEFAULTS.max_channels, show_default=True,
                  help="Rows in the channel table (all channels stay in the embedded data).")
    @click.option("--chart-channels", type=click.IntRange(min=1), default=_DEFAULTS.chart_channels, show_default=True,
                  help="Channels drawn as their own series in time charts; the rest are summed as 'other'.")
    @click.option("--lexicon", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Add the frames section: shares over time with intervals and change points, per channel, examples.")
    @click.option("--validated", cls=ManyValues, metavar="CODED.csv [CODED2.csv …]",
                  type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="With --lexicon: coded validation sample(s), one file per coder (list them after the flag or "
                       "repeat it); corrected shares beside the raw ones.")
    @json_option
    def report(output: Path, db: Path, title: str, max_channels: int, chart_channels: int, lexicon: Path | None,
               validated: tuple[Path, ...], as_json: bool) -> None:
        """Write a self-contained HTML report of the store (overview, frames with --lexicon, stored reuse results)."""
        from ..report import write_report  # here: --help imports no analysis library

        options = ReportOptions(title=title, max_channels=max_channels, chart_channels=chart_channels,
                                lexicon=lexicon, validated=validated)
        with open_corpus(db, read_only=True) as corpus:
            sections = write_report(corpus, output, options)
        if as_json:
            emit_json({"report": str(output), "sections": [s.id for s in sections]})
        else:
            err_console.print(f"wrote {output} ({', '.join(s.id for s in sections) or 'no sections'})", markup=False,
                              soft_wrap=True)
