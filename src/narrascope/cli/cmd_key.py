"""narrascope key export|import — share author pseudonyms between stores."""

from __future__ import annotations

from pathlib import Path

import click

from .common import db_option, echo, emit_json, json_option, open_corpus


def register(group: click.Group) -> None:
    @group.group("key")
    def key() -> None:
        """Export or import the store's pseudonym key (so two stores give an author the same pseudonym)."""

    @key.command("export")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file (default: stdout).")
    @db_option
    @json_option
    def export(output: Path | None, db: Path, as_json: bool) -> None:
        """Print or save the pseudonym key. Keep it secret: with it, pseudonyms of guessed names can be checked."""
        from ..store.pseudonym import write_secret  # here: --help imports no analysis library

        with open_corpus(db) as corpus:
            k = corpus.export_key()
        if output:
            write_secret(output, k + "\n")
        if as_json:
            emit_json({"store": str(db), "file": str(output) if output else None, "key": None if output else k})
        elif output:
            echo(f"key written to {output}")
        else:
            echo(k)

    @key.command("import")
    @click.argument("keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace the key even though authors were already pseudonymised.")
    @db_option
    @json_option
    def import_(keyfile: Path, force: bool, db: Path, as_json: bool) -> None:
        """Use the key in KEYFILE for this store's pseudonyms (before ingesting)."""
        from ..store.pseudonym import parse_key

        key_hex = parse_key(keyfile.read_text(encoding="ascii", errors="replace"))  # before creating any store
        with open_corpus(db, create=True) as corpus:
            corpus.import_key(key_hex, force=force)
        if as_json:
            emit_json({"store": str(db), "imported": str(keyfile)})
        else:
            echo(f"pseudonym key imported into {db}")
