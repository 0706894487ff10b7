"""narrascope ingest PATH…"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import UsageError
from ..ingest.base import IngestOptions
from ..ingest.detect import available, reader
from .common import db_option, echo, emit_json, err_console, json_option, one_line, open_corpus, progress_bar

if TYPE_CHECKING:
    from ..store.corpus import IngestReport


def _print_report(report: IngestReport) -> None:
    """One line per file (file names and messages from the data cleaned and kept on their line)."""
    for f in report.files:
        if f.status == "ok":
            line = (f"ok      {f.path} [{f.format}]: {f.rows_read} read, {f.added} added, {f.updated} updated, "
                    f"{f.skipped} skipped")
            if f.duplicates:
                line += f" ({f.duplicates} duplicates within the file)"
            echo(one_line(line))
            for note in f.notes:
                echo(one_line(f"        note: {note}"))
        elif f.status == "skipped":
            echo(one_line(f"skipped {f.path}: {f.error or 'not a format narrascope reads'}"))
        else:
            echo(one_line(f"FAILED  {f.error}"))
    t = report.totals()
    tried = len(report.files) - len(report.skipped)
    line = (f"{tried - len(report.failed)} of {tried} ingested: {t['added']} messages added, {t['updated']} updated, "
            f"{t['skipped']} already stored or repeated")
    if report.skipped:
        line += f"; {len(report.skipped)} skipped (listed above)"
    echo(line)


def _remove_if_empty(db: Path) -> None:
    if not db.exists():
        return
    with open_corpus(db, read_only=True) as corpus:
        if corpus.info()["ingests"]:
            return
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)


def parse_mapping(text: str | None) -> tuple[tuple[str, str], ...]:
    """'text=body,posted_at=created' -> (("text", "body"), ("posted_at", "created"))."""
    if not text:
        return ()
    pairs = []
    for part in text.split(","):
        field, sep, column = part.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise UsageError(f"--map takes FIELD=COLUMN pairs separated by commas, got {part!r}")
        pairs.append((field.strip(), column.strip()))
    return tuple(pairs)


def register(group: click.Group) -> None:
    @group.command("ingest")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--format", "fmt", metavar="NAME",
                  help=f"Force a reader instead of auto-detection: {', '.join(available())}.")
    @click.option("--tz", help="IANA zone of local timestamps without offset (default: read them as UTC).")
    @click.option("--keep-authors", is_flag=True, help="Keep individual authors' names instead of pseudonyms.")
    @click.option("--map", "mapping", help="Table columns to canonical fields: text=body,posted_at=created,channel=source.")
    @click.option("--strict", is_flag=True, help="Stop at the first bad file (default: ingest the good ones).")
    @click.option("--follow-links", is_flag=True,
                  help="Follow symbolic links inside folders (default: list them as skipped; each target read once).")
    @click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
    @db_option
    @json_option
    def ingest(paths: tuple[Path, ...], fmt: str | None, tz: str | None, keep_authors: bool, mapping: str | None, strict: bool,
               follow_links: bool, no_progress: bool, db: Path, as_json: bool) -> None:
        """Ingest export files or folders into the store (format auto-detected; each file atomic).

        Folders are walked; a Telegram Desktop HTML export folder is ingested as one unit. A folder with some
        bad files ingests the good ones and lists the bad with reasons (exit code 2); --strict stops at the first.
        """
        if fmt is not None:
            reader(fmt)  # an unknown name is a one-line error before anything is read or created
        options = IngestOptions(format=fmt, tz=tz, keep_authors=keep_authors, strict=strict,
                                mapping=parse_mapping(mapping), follow_links=follow_links)
        fresh = not db.exists()
        report = None
        try:
            with open_corpus(db, create=True) as corpus, progress_bar(not no_progress and not as_json) as progress:
                report = corpus.ingest(list(paths), options, progress=progress)
        finally:
            if fresh:
                _remove_if_empty(db)  # a first ingest that took nothing leaves no empty store behind
        assert report is not None
        if as_json:
            emit_json(report.to_dict())
        else:
            _print_report(report)
        if report.failed:
            err_console.print(f"error: {len(report.failed)} file(s) could not be ingested (listed above)", markup=False)
            raise click.exceptions.Exit(2)


__all__ = ["register"]
