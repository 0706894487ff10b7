"""narrascope export | import-results — the store's messages out as Parquet, result datasets back in."""

from __future__ import annotations

from pathlib import Path

import click

from .common import db_option, echo, emit_json, err_console, json_option, open_corpus


def register(group: click.Group) -> None:
    @group.command("export")
    @click.option("--parquet", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Write the messages as a Parquet dataset into this folder (partitioned by month).")
    @click.option("--rows-per-file", type=click.IntRange(min=1), default=1_000_000, show_default=True,
                  help="At most this many messages per file (also the grain of a Spark job's checkpoints).")
    @click.option("--force", is_flag=True, help="Write into a non-empty folder that holds no earlier export.")
    @db_option
    @json_option
    def export(folder: Path, rows_per_file: int, force: bool, db: Path, as_json: bool) -> None:
        """Export every message (canonical columns, service rows included) as a Parquet dataset: the input of
        the Spark engine (docs/spark.md), or for any Parquet reader. An earlier export in FOLDER is replaced."""
        from ..engines import export_parquet

        with open_corpus(db, read_only=True) as corpus:
            if not as_json and err_console.is_terminal:
                with err_console.status(f"exporting {db} to {folder} …"):
                    manifest = export_parquet(corpus, folder, force=force, rows_per_file=rows_per_file)
            else:
                manifest = export_parquet(corpus, folder, force=force, rows_per_file=rows_per_file)
        if as_json:
            emit_json({"folder": str(folder), **manifest.to_dict()})
        else:
            echo(f"{manifest.messages:,} messages in {manifest.files} file(s) written to {folder} "
                       f"(store state {manifest.state_token})")

    @group.command("import-results")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @db_option
    @json_option
    def import_results(folder: Path, db: Path, as_json: bool) -> None:
        """Publish a Spark job's result dataset (FOLDER, with its _narrascope.json) in the store, in one
        transaction, so that report, web and the other commands read it. The store must be in the state the
        job's input was exported from."""
        from ..engines import import_results as run_import

        with open_corpus(db) as corpus:
            manifest = run_import(corpus, folder)
        if as_json:
            emit_json({"folder": str(folder), "analysis": manifest.analysis, "key": manifest.key,
                       "tables": manifest.rows})
        else:
            rows = ", ".join(f"{name} {n:,}" for name, n in manifest.rows.items())
            echo(f"imported {manifest.analysis} results ({rows}) under key {manifest.key}")
