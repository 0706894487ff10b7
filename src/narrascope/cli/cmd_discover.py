"""narrascope discover — terms over-represented in a frame's hits, or in one group of channels/periods."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..errors import UsageError
from .common import db_option, emit_json, err_console, json_option, open_corpus, out_console


def register(group: click.Group) -> None:
    @group.command("discover")
    @click.argument("lexicon", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--frame", default=None, help="Compare this frame's hit messages with the rest (or, with "
                  "--compare, limit both groups to its hits).")
    @click.option("--compare", nargs=2, default=None, metavar="GROUP_A GROUP_B",
                  help="Compare two groups, each KEY=VALUE[,VALUE…] (e.g. channel=A,B channel=C).")
    @click.option("--top", type=click.IntRange(min=1), default=30, show_default=True, help="Terms to show.")
    @click.option("--max-words", type=click.IntRange(1, 5), default=3, show_default=True, help="Longest phrase.")
    @click.option("--min-count", type=click.IntRange(min=1), default=5, show_default=True,
                  help="Minimum messages of group A containing the term.")
    @click.option("--prior", type=click.FloatRange(min=0, min_open=True), default=500.0, show_default=True,
                  help="Weight α₀ of the informative Dirichlet prior, in pseudo-counts.")
    @click.option("--include-listed", is_flag=True, help="Also show terms the lexicon already lists.")
    @click.option("--keep-function-words", is_flag=True,
                  help="Also rank function words (روی, بود, the, في …), numbers and phrases edged by them.")
    @click.option("--keep-boilerplate", is_flag=True,
                  help="Keep each channel's boilerplate lines (signatures, 'join us' lines) in the texts.")
    @click.option("--append-to", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Write a copy of the lexicon with candidates added to --frame (see --take).")
    @click.option("--take", type=click.IntRange(min=1), default=None,
                  help="With --append-to: add the top N candidates (default: all shown).")
    @click.option("--since", default=None, help="Only messages posted on or after this date (UTC).")
    @click.option("--until", default=None, help="Only messages posted before this date (UTC).")
    @db_option
    @json_option
    def discover(lexicon: Path, frame: str | None, compare: tuple[str, str] | None, top: int, max_words: int,
                 min_count: int, prior: float, include_listed: bool, keep_function_words: bool,
                 keep_boilerplate: bool, append_to: Path | None, take: int | None,
                 since: str | None, until: str | None, db: Path, as_json: bool) -> None:
        """Find words and phrases over-represented in a frame's hits (log-odds ratio with an informative Dirichlet
        prior, Monroe et al. 2008), to grow the lexicon; or compare how two groups talk (--compare).

        Function words and each channel's boilerplate lines are left out first; --append-to copies the lexicon file
        with the new terms inserted, keeping its comments, version and layout."""
        from ..frames.discover import DiscoverOptions, append_terms, discover_corpus
        from ..frames.lexicon import load_lexicon

        if append_to is not None and frame is None:
            raise UsageError("--append-to needs --frame: the frame the new terms are added to")
        lex = load_lexicon(lexicon)
        options = DiscoverOptions(max_words=max_words, min_count=min_count, prior=prior, top=top,
                                  include_listed=include_listed, stopwords=not keep_function_words,
                                  boilerplate=not keep_boilerplate)
        with open_corpus(db, read_only=True) as corpus:
            table, desc = discover_corpus(corpus, lex, frame=frame, compare=compare, since=since, until=until,
                                          options=options)
        written = None
        if append_to is not None and frame is not None:
            chosen = [t for t, listed in zip(table["term"].to_list(), table["listed"].to_list(), strict=True)
                      if not listed][: take or len(table)]
            written = append_terms(lex, frame, chosen, append_to)
            desc["appended"] = chosen
            desc["lexicon_written"] = str(written)
        if as_json:
            emit_json({**desc, "terms": table.to_dicts()})
            return
        out = out_console()
        if table.is_empty():
            err_console.print(f"no word or phrase occurs at least {min_count} times in A ({desc['messages_a']} "
                              "messages) with a positive log-odds: lower --min-count, or widen A", markup=False)
            return
        t = Table(title=f"A: {desc['a']} ({desc['messages_a']} messages) vs B: {desc['b']} "
                        f"({desc['messages_b']})", title_justify="left")
        for c in ("#", "term", "A", "B", "A share", "B share", "log-odds", "z"):
            t.add_column(c, justify="left" if c == "term" else "right")
        for i, r in enumerate(table.iter_rows(named=True), 1):
            t.add_row(str(i), r["term"] + (" (listed)" if r["listed"] else ""), str(r["count_a"]),
                      str(r["count_b"]), f"{100 * r['share_a']:.1f}%", f"{100 * r['share_b']:.1f}%",
                      f"{r['log_odds']:.2f}", f"{r['z']:.1f}")
        out.print(t)
        if written is not None:
            err_console.print(f"wrote {written} with {len(desc['appended'])} new term(s) in frame {frame}; draw a "
                              "new validation sample with it to measure each new term's precision", markup=False)
