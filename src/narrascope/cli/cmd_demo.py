"""narrascope demo — generate the demo corpus and run the main job on it (every analysis, then the report)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import echo, emit_json, err_console, json_option, progress_bar


def register(group: click.Group) -> None:
    @group.command("demo")
    @click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path),
                  default=Path("narrascope-demo"), show_default=True,
                  help="Folder for exports, store (OUTPUT/corpus.duckdb: demo takes no --db) and report.")
    @click.option("--messages", type=click.IntRange(min=100), default=6000, show_default=True,
                  help="Posts across the news channels (millions are fine, for benchmarks).")
    @click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same corpus, byte for byte.")
    @click.option("--force", is_flag=True, help="Replace OUTPUT even if it is not an earlier demo folder.")
    @json_option
    def demo(out: Path, messages: int, seed: int, force: bool, as_json: bool) -> None:
        """Generate a deterministic demo corpus (Telegram Desktop JSON and HTML exports with ground truth) and run
        the main job on it: ingest into OUTPUT/corpus.duckdb, set the channel attributes of OUTPUT/channels.csv,
        measure frame shares with the planted lexicon OUTPUT/lexicon.yaml, find reuse cascades, build the channel
        network by location, test coordination against null worlds, and write OUTPUT/report.html with every
        section."""
        from ..demo import DemoConfig
        from ..demo.run import run_demo

        quiet = as_json or not err_console.is_terminal

        def step(name: str) -> None:
            if not quiet:
                err_console.print(f"{name} …", markup=False)

        with progress_bar(not quiet) as progress:
            run = run_demo(out, DemoConfig(seed=seed, messages=messages), force=force, progress=progress, step=step)
        info = run.info
        summary = {
            "folder": str(out),
            "store": str(run.store),
            "report": str(run.report),
            "truth": str(run.manifest.truth_path),
            "lexicon": str(run.manifest.lexicon_path),
            "channels_file": str(run.manifest.folder / "channels.csv"),
            "files_ingested": run.files_ingested,
            "messages": info["messages"],
            "channels": len(info["by_channel"]),
            "first": info["first"],
            "last": info["last"],
            "platforms": {r["platform"]: r["messages"] for r in info["by_platform"]},
            "cascades": run.cascades,
            "frame_shares": run.frame_shares,
            "network": run.network_headline,
            "coordinated_groups": run.coordinated_groups,
        }
        if as_json:
            emit_json(summary)
            return
        echo(f"demo corpus: {summary['messages']} messages in {summary['channels']} channels, "
             f"{summary['first']} … {summary['last']}, from {summary['files_ingested']} exports")
        echo("frames: " + ", ".join(f"{f} {100 * v['share']:.1f}% (95% CI {100 * v['lower']:.1f}–"
                                    f"{100 * v['upper']:.1f})" for f, v in summary["frame_shares"].items()))
        echo(f"reuse:  {summary['cascades']} cascades (stories spread by forward, copy or rewrite)")
        for sentence in run.network_headline:
            echo(f"network: {sentence}")
        echo(f"coordination: {len(run.coordinated_groups)} coordinated groups (FDR 0.05, 60 s window; "
             "aggregators and same-owner families tagged as expected)")
        echo(f"store:  {run.store}")
        echo(f"truth:  {run.manifest.truth_path}")
        echo(f"lexicon (the planted frame terms): {run.manifest.lexicon_path}")
        echo(f"report: {run.report}")
