"""narrascope demo — generate the demo corpus, ingest it, write the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from ..errors import UsageError
from ..ingest.base import IngestOptions
from ..store.corpus import Corpus
from .common import echo, emit_json, err_console, json_option, progress_bar


def register(group: click.Group) -> None:
    @group.command("demo")
    @click.option("-o", "--out", "out", type=click.Path(file_okay=False, path_type=Path),
                  default=Path("narrascope-demo"), show_default=True, help="Folder for exports, store and report.")
    @click.option("--messages", type=click.IntRange(min=100), default=6000, show_default=True,
                  help="Posts across all channels (millions are fine, for benchmarks).")
    @click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same corpus, byte for byte.")
    @click.option("--force", is_flag=True, help="Replace OUT even if it is not an earlier demo folder.")
    @json_option
    def demo(out: Path, messages: int, seed: int, force: bool, as_json: bool) -> None:
        """Generate a deterministic demo corpus (Telegram Desktop JSON and HTML exports with ground truth),
        ingest it into OUT/corpus.duckdb, find reuse cascades, and write OUT/report.html (overview, frame shares
        measured with the planted lexicon OUT/lexicon.yaml, top cascades)."""
        from ..demo import DemoConfig, generate_demo
        from ..frames import load_lexicon
        from ..frames.prevalence import frame_shares
        from ..report import ReportOptions, build_report
        from ..reuse import ReuseOptions, find_reuse

        if out.exists() and any(out.iterdir()):
            # An earlier demo's folder is ours to replace; anything else needs --force.
            if not force and not (out / "truth" / "truth.json").is_file():
                raise UsageError(f"{out} already exists and is not a demo folder: pass --force to replace it, "
                                 "or -o another folder")
            shutil.rmtree(out)
        out.mkdir(parents=True, exist_ok=True)
        quiet = as_json or not err_console.is_terminal
        if not quiet:
            err_console.print(f"generating {messages} posts (seed {seed}) …")
        manifest = generate_demo(out, DemoConfig(seed=seed, messages=messages))
        db = out / "corpus.duckdb"
        with Corpus.open(db) as corpus, progress_bar(not quiet) as progress:
            report = corpus.ingest([out / "exports"], IngestOptions(strict=True), progress=progress)
            info = corpus.info()
            shares = frame_shares(corpus, load_lexicon(manifest.lexicon_path), by=())
            reuse = find_reuse(corpus, ReuseOptions(workers=1))
            # The demo's own planted lexicon drives the frames section: the page shows what the toolkit measures.
            report_path = build_report(corpus, out / "report.html", ReportOptions(lexicon=manifest.lexicon_path))
        summary = {
            "folder": str(out),
            "store": str(db),
            "report": str(report_path),
            "truth": str(manifest.truth_path),
            "lexicon": str(manifest.lexicon_path),
            "files_ingested": len(report.files),
            "messages": info["messages"],
            "channels": len(info["by_channel"]),
            "first": info["first"],
            "last": info["last"],
            "platforms": {r["platform"]: r["messages"] for r in info["by_platform"]},
            "cascades": reuse.cascades.height,
            "frame_shares": {r["frame"]: {"share": r["share"], "lower": r["lower"], "upper": r["upper"]}
                             for r in shares.iter_rows(named=True)},
        }
        if as_json:
            emit_json(summary)
            return
        echo(f"demo corpus: {summary['messages']} messages in {summary['channels']} channels, "
             f"{summary['first']} … {summary['last']}, from {summary['files_ingested']} exports")
        echo("frames: " + ", ".join(f"{f} {100 * v['share']:.1f}% (95% CI {100 * v['lower']:.1f}–"
                                    f"{100 * v['upper']:.1f})" for f, v in summary["frame_shares"].items()))
        echo(f"reuse:  {summary['cascades']} cascades (stories spread by forward, copy or rewrite)")
        echo(f"store:  {db}")
        echo(f"truth:  {manifest.truth_path}")
        echo(f"lexicon (the planted frame terms): {manifest.lexicon_path}")
        echo(f"report: {report_path}")
