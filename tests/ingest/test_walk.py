"""Input folders that hold more than files (issue 15): links out of the folder, link loops, named pipes, folders
nobody may read. Each ingest ends within seconds with one line per entry and exit 0 or 2; nothing outside the
folder given is read unless --follow-links."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from narrascope import Corpus
from narrascope.ingest.walk import folder_entries
from tests.conftest import desktop_message, write_chat

ROOT = Path(__file__).resolve().parents[2]
SECRET = "root:$6$secret-hash-that-must-never-be-stored:19000:0:99999:7:::"


def _run(args: list[str], cwd: Path, timeout: float = 60) -> tuple[int, str, str, float]:
    """The CLI in a child process (a blocking open would hang the test process itself), timed."""
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "narrascope", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started


def _texts(db: Path) -> list[str]:
    with Corpus.open(db, read_only=True) as c:
        return [r[0] for r in c.sql("SELECT text FROM messages").rows()]


def _export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_chat(folder / "result.json", [desktop_message(i) for i in range(1, 4)])
    return folder


@pytest.mark.slow
def test_a_link_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "shadow.txt").write_text(SECRET + "\n" + "more lines of a system file\n" * 20)
    folder = _export(tmp_path / "export")
    (folder / "shadow.txt").symlink_to(outside / "shadow.txt")
    (folder / "etc").symlink_to(outside)
    code, out, err, seconds = _run(["ingest", "export", "--db", "c.duckdb", "--no-progress"], tmp_path)
    assert code == 0, err
    assert "skipped export/shadow.txt: a symbolic link" in out and "skipped export/etc: a symbolic link" in out
    assert not any(SECRET in t for t in _texts(tmp_path / "c.duckdb"))
    assert len(_texts(tmp_path / "c.duckdb")) == 3 and seconds < 30


@pytest.mark.slow
def test_with_follow_links_a_link_is_read_once(tmp_path: Path) -> None:
    folder = _export(tmp_path / "export")
    other = _export(tmp_path / "elsewhere" / "other")
    write_chat(other / "result.json", [desktop_message(i) for i in range(1, 3)], name="Other", chat_id=2002)
    (folder / "other").symlink_to(other)
    (folder / "again").symlink_to(other)  # a second link to the same folder
    code, out, err, _ = _run(["ingest", "export", "--db", "c.duckdb", "--follow-links"], tmp_path)
    assert code == 0, err
    assert out.count("ok      ") == 2 and "already read" in out
    assert len(_texts(tmp_path / "c.duckdb")) == 5


@pytest.mark.slow
@pytest.mark.parametrize("follow", [False, True])
def test_link_loops_end_and_each_file_is_read_once(tmp_path: Path, follow: bool) -> None:
    """A self-link once made the walk ingest one file 41 times; two links to parents made it exponential."""
    folder = _export(tmp_path / "export")
    (folder / "self").symlink_to(".")
    (folder / "up").symlink_to("..")
    sub = folder / "sub"
    sub.mkdir()
    (sub / "loop").symlink_to("..")
    (sub / "loop2").symlink_to("../sub")
    args = ["ingest", "export", "--db", "c.duckdb", "--json"] + (["--follow-links"] if follow else [])
    code, out, err, seconds = _run(args, tmp_path)
    assert code == 0, err
    report = json.loads(out)
    ok = [f for f in report["files"] if f["status"] == "ok"]
    assert [Path(f["path"]).name for f in ok] == ["result.json"]
    assert report["totals"]["rows_read"] == 3 and seconds < 30


@pytest.mark.slow
def test_a_named_pipe_in_a_folder_is_skipped_without_blocking(tmp_path: Path) -> None:
    folder = _export(tmp_path / "export")
    os.mkfifo(folder / "pipe.json")
    code, out, err, seconds = _run(["ingest", "export", "--db", "c.duckdb"], tmp_path, timeout=60)
    assert code == 0, err
    assert "skipped export/pipe.json: a named pipe, not a file" in out and seconds < 30


@pytest.mark.slow
def test_a_named_pipe_given_directly_is_one_line_exit_2(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.json")
    for extra in ([], ["--format", "telegram_json"]):
        code, out, err, seconds = _run(["ingest", "pipe.json", "--db", "c.duckdb", *extra], tmp_path, timeout=60)
        assert code == 2 and err.strip().count("\n") == 0 and "a named pipe" in err, (out, err)
        assert seconds < 30 and not (tmp_path / "c.duckdb").exists()


@pytest.mark.slow
def test_a_named_pipe_as_store_or_lexicon_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "store.duckdb")
    os.mkfifo(tmp_path / "lexicon.yaml")
    code, _, err, seconds = _run(["info", "--db", "store.duckdb"], tmp_path)
    assert code == 2 and "not a regular file" in err and err.strip().count("\n") == 0
    _export(tmp_path / "export")
    assert _run(["ingest", "export", "--db", "c.duckdb"], tmp_path)[0] == 0
    code, _, err, seconds = _run(["frames", "lexicon.yaml", "--db", "c.duckdb"], tmp_path)
    assert code == 2 and "not a regular file" in err and seconds < 30


def test_an_unreadable_subfolder_is_listed_like_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Mode 000 once crashed the walk (PermissionError). Root reads every folder, so as root the refusal the kernel
    would give anyone else is simulated where the walk lists the folder."""
    from narrascope.cli import main
    from narrascope.ingest import walk

    folder = _export(tmp_path / "export")
    locked = folder / "locked"
    locked.mkdir()
    write_chat(locked / "result.json", [desktop_message(9)], name="Hidden", chat_id=3003)
    locked.chmod(0o000)
    if os.geteuid() == 0:
        real = os.scandir

        def refuse(path: object) -> object:
            if Path(str(path)) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)  # type: ignore[arg-type]

        monkeypatch.setattr(walk.os, "scandir", refuse)
    try:
        code = main(["ingest", str(folder), "--db", str(tmp_path / "c.duckdb"), "--no-progress"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        locked.chmod(0o755)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert f"FAILED  {locked}: cannot read the folder: Permission denied" in out
    assert f"ok      {folder / 'result.json'}" in out
    assert len([line for line in err.splitlines() if line.strip()]) == 1


def test_folder_entries_classify_without_following(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to("file.txt")
    (tmp_path / "dangling").symlink_to("nowhere")
    os.mkfifo(tmp_path / "fifo")
    kinds = {e.path.name: e.kind for e in folder_entries(tmp_path, follow_links=False)}
    assert kinds == {"file.txt": "file", "dir": "folder", "link": "link", "dangling": "link", "fifo": "special"}
