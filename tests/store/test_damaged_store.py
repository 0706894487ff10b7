"""Damaged, locked, read-only or misplaced stores (issue 15): every command that opens one says what is wrong in
one line and exits 2. A corrupt store was once reported as "in use by another process" ("block" contains "lock"),
a cut store opened for some commands and crashed others, and a hand-edited narrascope_meta crashed everything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from narrascope import Corpus
from narrascope.cli import main
from tests.conftest import desktop_message, write_chat

COMMANDS = [["info"], ["frames", "{lexicon}", "--by", "channel"], ["cascades"], ["reuse"], ["key", "export"],
            ["ingest", "{export}"], ["report", "-o", "{report}"]]


@pytest.fixture(scope="module")
def good_store(demo_store: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the demo store with reuse results (so every table has blocks) and its lexicon."""
    db, manifest = demo_store
    work = tmp_path_factory.mktemp("damaged")
    shutil.copy(db, work / "good.duckdb")
    assert main(["reuse", "--db", str(work / "good.duckdb"), "--json"]) == 0
    return work / "good.duckdb", manifest.lexicon_path


def _run(args: list[str], capsys: Any) -> tuple[int, str]:
    try:
        code = main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def _each_command(db: Path, lexicon: Path, work: Path, capsys: Any) -> list[tuple[str, int, str]]:
    export = write_chat(work / "export" / "result.json", [desktop_message(i) for i in range(1, 4)])
    out = []
    for template in COMMANDS:
        args = [a.format(lexicon=lexicon, export=export, report=work / "r.html") for a in template]
        code, err = _run([*args, "--db", str(db)], capsys)
        out.append((args[0], code, err))
    return out


def _assert_one_line(results: list[tuple[str, int, str]], *needles: str) -> None:
    for command, code, err in results:
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 2 and len(lines) == 1, (command, code, err)
        assert "internal error" not in err and "in use by another process" not in err, (command, err)
        for needle in needles:
            assert needle in lines[0], (command, lines[0])


@pytest.mark.slow
def test_a_store_cut_short_is_refused_by_every_command(good_store: tuple[Path, Path], tmp_path: Path,
                                                      capsys: Any) -> None:
    good, lexicon = good_store
    for blocks in (1, 4):
        db = tmp_path / f"cut{blocks}.duckdb"
        shutil.copy(good, db)
        with db.open("r+b") as fh:
            fh.truncate(db.stat().st_size - blocks * 262_144)
        _assert_one_line(_each_command(db, lexicon, tmp_path, capsys), "damaged" if blocks == 1 else "")


def test_a_store_with_corrupt_blocks_is_named_damaged_not_locked(good_store: tuple[Path, Path], tmp_path: Path,
                                                                 capsys: Any) -> None:
    good, lexicon = good_store
    db = tmp_path / "corrupt.duckdb"
    shutil.copy(good, db)
    size = db.stat().st_size
    with db.open("r+b") as fh:  # damage the middle of every used-looking block after the headers
        for offset in range(12288 + 1000, size, 262_144):
            fh.seek(offset)
            fh.write(os.urandom(4000))
    _assert_one_line(_each_command(db, lexicon, tmp_path, capsys), "damaged")


@pytest.mark.parametrize("edit,needle", [
    ("UPDATE narrascope_meta SET value = 'two' WHERE key = 'schema_version'", "schema_version is 'two'"),
    ("DELETE FROM narrascope_meta WHERE key = 'schema_version'", "no schema_version row"),
    ("DROP TABLE narrascope_meta; CREATE TABLE narrascope_meta (a INTEGER)", "narrascope_meta table is damaged"),
])
def test_an_edited_meta_table_is_one_accurate_line(good_store: tuple[Path, Path], tmp_path: Path, capsys: Any,
                                                   edit: str, needle: str) -> None:
    good, lexicon = good_store
    db = tmp_path / "edited.duckdb"
    shutil.copy(good, db)
    with duckdb.connect(str(db)) as con:
        con.execute(edit)
    _assert_one_line(_each_command(db, lexicon, tmp_path, capsys), needle)


@pytest.mark.parametrize("edit,needle", [
    ("UPDATE narrascope_meta SET value = 'not-hex' WHERE key = 'pseudonym_key'", "pseudonym key in narrascope_meta is "
                                                                                 "damaged"),
    ("DELETE FROM narrascope_meta WHERE key = 'pseudonym_key'", "lost its pseudonym key"),
])
@pytest.mark.slow
def test_a_damaged_key_stops_ingest_and_key_export_with_the_fix(good_store: tuple[Path, Path], tmp_path: Path,
                                                                capsys: Any, edit: str, needle: str) -> None:
    good, lexicon = good_store
    db = tmp_path / "key.duckdb"
    shutil.copy(good, db)
    with duckdb.connect(str(db)) as con:
        con.execute(edit)
    results = {command: (code, err) for command, code, err in _each_command(db, lexicon, tmp_path, capsys)}
    for command in ("ingest", "key"):
        code, err = results[command]
        assert code == 2 and needle in err and "key import" in err and err.strip().count("\n") == 0, err
    assert results["info"][0] == 0  # reading the store does not need the key
    key = tmp_path / "key.txt"
    key.write_text("ab" * 32)
    assert main(["key", "import", str(key), "--force", "--db", str(db)]) == 0  # and the repair works


_HOLD = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("held", flush=True)
    time.sleep(60)
""")


def test_a_store_held_by_another_process_is_named_in_use(good_store: tuple[Path, Path], tmp_path: Path,
                                                        capsys: Any) -> None:
    good, _ = good_store
    db = tmp_path / "held.duckdb"
    shutil.copy(good, db)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, err = _run(["info", "--db", str(db)], capsys)
        assert code == 2 and "in use by another process" in err and err.strip().count("\n") == 0
    finally:
        holder.kill()
        holder.wait()


def test_a_db_in_a_missing_folder_or_a_read_only_store_is_named_so(good_store: tuple[Path, Path], tmp_path: Path,
                                                                  capsys: Any) -> None:
    good, _ = good_store
    export = write_chat(tmp_path / "export" / "result.json", [desktop_message(1)])
    code, err = _run(["ingest", str(export), "--db", str(tmp_path / "no" / "such" / "c.duckdb")], capsys)
    assert code == 2 and "the folder" in err and "does not exist" in err and "not a DuckDB store" not in err
    db = tmp_path / "ro.duckdb"
    shutil.copy(good, db)
    db.chmod(0o444)
    try:
        if os.geteuid() != 0:  # root may write anything: there is nothing to refuse
            code, err = _run(["ingest", str(export), "--db", str(db)], capsys)
            assert code == 2 and "read-only" in err and "not a DuckDB store" not in err
        code, err = _run(["info", "--db", str(db)], capsys)  # reading a read-only store works
        assert code == 0, err
    finally:
        db.chmod(0o644)


def test_a_new_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """A store holds its pseudonym key (docs/formats.md): it is created with mode 600, and the key leaves the
    write-ahead log for the store file before anything else is written."""
    db = tmp_path / "new.duckdb"
    with Corpus.open(db) as corpus:
        corpus.ingest([write_chat(tmp_path / "export" / "result.json", [desktop_message(1)])])
        assert (db.stat().st_mode & 0o777) == 0o600
    assert (db.stat().st_mode & 0o777) == 0o600
    assert not Path(f"{db}.wal").exists()
    assert os.umask(0o022) == 0o022  # the process umask is restored
    os.umask(0o022)


def test_a_killed_ingest_store_with_a_wal_still_opens(tmp_path: Path) -> None:
    """The size check must not refuse a store whose write-ahead log still holds blocks (a crash left it)."""
    db = tmp_path / "c.duckdb"
    with Corpus.open(db) as corpus:
        corpus.ingest([write_chat(tmp_path / "e1" / "result.json", [desktop_message(1)])])
    script = textwrap.dedent(f"""
        import os, duckdb
        con = duckdb.connect({str(db)!r})
        con.execute("SET checkpoint_threshold = '1TB'")
        con.execute("CREATE TABLE extra AS SELECT range AS i, repeat('x', 200) AS s FROM range(200000)")
        os._exit(0)  # no checkpoint: the rows stay in the WAL
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    time.sleep(0.1)
    with Corpus.open(db, read_only=False) as corpus:
        assert corpus.sql("SELECT count(*) AS n FROM extra")["n"][0] == 200_000
