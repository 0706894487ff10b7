"""kill -9 in the middle of a file's ingest — while it is read and spooled, or inside the merge transaction — leaves
the store readable and exactly as before that file."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from narrascope import Corpus
from tests.conftest import desktop_message, store_state, write_chat

_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from narrascope import Corpus, IngestOptions

    db, path, marker = sys.argv[1:4]

    def progress(unit, done, total):
        # Past half of the file, batches are already spooled: signal the test, then wait to be killed.
        if done > total // 2 and not Path(marker).exists():
            Path(marker).write_text("mid-file")
            time.sleep(120)

    with Corpus.open(db) as corpus:
        corpus.ingest([path], IngestOptions(batch_size=200), progress=progress)
    """
)


def _kill_at_marker(script: str, db: Path, path: Path, marker: Path) -> str:
    """Run ``script`` on (db, path, marker) in a child process, SIGKILL it once it wrote the marker; return that text."""
    proc = subprocess.Popen([sys.executable, "-c", script, str(db), str(path), str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 120
    while not (marker.exists() and marker.read_text()):
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "ingest process ended early"
        assert time.monotonic() < deadline, "ingest never reached the point to kill it at"
        time.sleep(0.05)
    text = marker.read_text()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return text


@pytest.mark.slow
def test_sigkill_mid_file_leaves_store_unchanged(tmp_path):
    db = tmp_path / "c.duckdb"
    small = write_chat(tmp_path / "small" / "result.json", [desktop_message(i) for i in range(1, 11)])
    big = write_chat(tmp_path / "big" / "result.json",
                     [desktop_message(i, f"پیام شماره {i} " * 20) for i in range(100, 20_100)],
                     name="Big Channel", chat_id=4242)
    with Corpus.open(db) as c:
        c.ingest([small])
    before = store_state(db)

    _kill_at_marker(_SCRIPT, db, big, tmp_path / "marker")
    assert store_state(db) == before
    # and the store is still writable afterwards
    with Corpus.open(db) as c:
        assert c.ingest([big]).files[0].added == 20_000


_PARTS_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from narrascope import Corpus, IngestOptions
    from narrascope.ingest import telegram_chunks
    from narrascope.store import ingest_parts

    db, path, marker = sys.argv[1:4]
    ingest_parts.MIN_PART_BYTES, ingest_parts.CORES, telegram_chunks.CHUNK_BYTES = 1, 3, 64 << 10

    def progress(unit, done, total):
        # The first part is read here, the others by two workers: once they have started, wait to be killed.
        if done > total // 3 and not Path(marker).exists():
            Path(marker).write_text("mid-file")
            time.sleep(120)

    with Corpus.open(db) as corpus:
        corpus.ingest([path], IngestOptions(batch_size=200), progress=progress)
    """
)


def _workers_of(marker: Path) -> list[int]:
    """Pids of part workers started with ``marker`` in their environment (inherited from the killed ingest)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"NARRASCOPE_KILL_TEST=" + str(marker).encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find the worker processes")
def test_sigkill_while_reading_in_parts_stops_the_workers(tmp_path, monkeypatch):
    """Killed while worker processes read the other parts: the workers exit, the store is unchanged, and their
    spool files are removed when the store is next opened."""
    db = tmp_path / "c.duckdb"
    small = write_chat(tmp_path / "small" / "result.json", [desktop_message(i) for i in range(1, 11)])
    big = write_chat(tmp_path / "big" / "result.json",
                     [desktop_message(i, f"پیام شماره {i} " * 20) for i in range(100, 20_100)],
                     name="Big Channel", chat_id=4242)
    with Corpus.open(db) as c:
        c.ingest([small])
    before = store_state(db)
    marker = tmp_path / "marker"
    monkeypatch.setenv("NARRASCOPE_KILL_TEST", str(marker))
    _kill_at_marker(_PARTS_SCRIPT, db, big, marker)
    assert _workers_of(marker), "no worker was reading when the ingest was killed"
    deadline = time.monotonic() + 30
    while _workers_of(marker):
        assert time.monotonic() < deadline, "part workers outlived the killed ingest"
        time.sleep(0.1)
    assert store_state(db) == before
    with Corpus.open(db) as c:
        assert c.ingest([big]).files[0].added == 20_000
    assert not list(tmp_path.glob(".c.duckdb.ingest-*"))


_MERGE_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from narrascope import Corpus
    from narrascope.store import ingest_runner as runner

    db, path, marker = sys.argv[1:4]
    merge = runner.merge_spool

    def merge_then_hang(con, spool):
        counts = merge(con, spool)  # every row of the file is now in messages, uncommitted
        n = con.execute("SELECT count(*) FROM messages").fetchone()[0]
        Path(marker).write_text(str(n))
        time.sleep(120)
        return counts

    runner.merge_spool = merge_then_hang
    with Corpus.open(db) as corpus:
        corpus.ingest([path])
    """
)


@pytest.mark.slow
def test_sigkill_inside_the_merge_transaction_leaves_store_unchanged(tmp_path):
    """The kill lands after the file's rows are merged into ``messages`` inside the open transaction."""
    db = tmp_path / "c.duckdb"
    small = write_chat(tmp_path / "small" / "result.json", [desktop_message(i) for i in range(1, 6)])
    big = write_chat(tmp_path / "big" / "result.json", [desktop_message(i) for i in range(100, 2100)],
                     name="Big Channel", chat_id=4242)
    with Corpus.open(db) as c:
        c.ingest([small])
    before = store_state(db)
    rows_inside = _kill_at_marker(_MERGE_SCRIPT, db, big, tmp_path / "marker")
    assert int(rows_inside) == 2005  # the big file's rows really were inside the transaction
    assert store_state(db) == before
    with Corpus.open(db) as c:
        assert c.ingest([big]).files[0].added == 2000


# ---------------------------------------------------------------------------------------------- analyses
_PUBLISH_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from narrascope.cli import main
    from narrascope.store.results import ResultStore

    db, marker, command = sys.argv[1], sys.argv[2], sys.argv[3:]
    replace = ResultStore._replace
    done = []

    def replace_then_hang(self, analysis, key, table, params):
        replace(self, analysis, key, table, params)  # this table's rows are in, uncommitted
        done.append(analysis)
        Path(marker).write_text(",".join(done))
        time.sleep(120)

    ResultStore._replace = replace_then_hang
    main([*command, "--db", db])
    """
)


def results_state(db: Path) -> tuple[Any, ...]:
    """The results registry and the rows behind it, keyed by (analysis, key)."""
    with Corpus.open(db, read_only=True) as c:
        registry = c.sql("SELECT analysis, result_key, rows, created_at FROM results ORDER BY 1, 2").rows()
        counts = []
        for analysis, key, _rows, _ in registry:
            n = c.sql(f"SELECT count(*) AS n FROM result_{analysis} WHERE result_key = ?", [key])["n"][0]
            counts.append((analysis, key, n))
    return tuple(registry), tuple(counts)


def assert_results_consistent(db: Path) -> None:
    """Every registered result has exactly its registered rows; the latest reuse run loads whole."""
    from narrascope.reuse import load_reuse

    registry, counts = results_state(db)
    assert [(a, k, r) for a, k, r, _ in registry] == list(counts)
    with Corpus.open(db, read_only=True) as c:
        runs = c.results.list("reuse_cascades")
        if runs:
            latest = load_reuse(c)
            assert latest is not None and latest.cascades.height == runs[-1]["rows"]


def _kill_in_publish(db: Path, marker: Path, command: list[str]) -> str:
    proc = subprocess.Popen([sys.executable, "-c", _PUBLISH_SCRIPT, str(db), str(marker), *command],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 300
    while not (marker.exists() and marker.read_text()):
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "ended early"
        assert time.monotonic() < deadline, "never reached the publishing transaction"
        time.sleep(0.05)
    text = marker.read_text()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return text


@pytest.mark.slow
def test_sigkill_while_reuse_publishes_leaves_the_previous_run_latest(demo_store: Any, tmp_path: Path) -> None:
    from narrascope.cli import main
    from narrascope.reuse import load_reuse

    db = tmp_path / "c.duckdb"
    shutil.copy(demo_store[0], db)
    assert main(["reuse", "--db", str(db), "--json"]) == 0
    with Corpus.open(db, read_only=True) as c:
        before_cascades = load_reuse(c).cascades  # type: ignore[union-attr]
    before = results_state(db)
    # options no other test used, so the run is computed and published, not loaded from the shared demo store
    written = _kill_in_publish(db, tmp_path / "marker", ["reuse", "--threshold", "0.73", "--num-perm", "96", "--json"])
    assert written.startswith("reuse_")  # the kill landed inside the transaction, after a table was replaced
    assert results_state(db) == before and store_state(db)
    with Corpus.open(db, read_only=True) as c:
        assert load_reuse(c).cascades.equals(before_cascades)  # type: ignore[union-attr]
    assert_results_consistent(db)


@pytest.mark.slow
def test_sigkill_while_frames_caches_its_matches_leaves_no_partial_cache(demo_store: Any, tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    shutil.copy(demo_store[0], db)
    lexicon = tmp_path / "lexicon.yaml"  # a lexicon no other test matched: its matches are not cached yet
    lexicon.write_text("frames:\n  - id: kill_test_frame\n    terms:\n      en: [protest, report]\n      fa: [خبر]\n")
    before = results_state(db)
    written = _kill_in_publish(db, tmp_path / "marker", ["frames", str(lexicon), "--json"])
    assert written == "frame_hits"
    assert results_state(db) == before
    assert_results_consistent(db)


@pytest.mark.slow
@pytest.mark.parametrize("analysis", ["network", "coordination"])
def test_sigkill_while_a_later_analysis_publishes_leaves_the_previous_run_latest(
        analysis: str, demo_store: Any, tmp_path: Path) -> None:
    """The same guarantee for the analyses added after reuse: a run killed inside its transaction leaves the
    previous complete run the latest, with every registered row in place."""
    from narrascope.cli import main
    from narrascope.coordination import load_coordination
    from narrascope.network import load_network

    db = tmp_path / "c.duckdb"
    shutil.copy(demo_store[0], db)
    first, second = {  # the second run's options differ, so it is computed and published, not loaded
        "network": (["network", "--relations", "forward", "--draws", "20"],
                    ["network", "--relations", "forward,mention", "--draws", "21"]),
        "coordination": (["coordination", "--nulls", "20"], ["coordination", "--nulls", "21"]),
    }[analysis]
    assert main([*first, "--db", str(db), "--json"]) == 0

    def latest(c: Corpus) -> Any:  # what identifies a run: the network's key, coordination's options
        result: Any = load_network(c) if analysis == "network" else load_coordination(c)
        return result.key if analysis == "network" else result.stats["options"]

    with Corpus.open(db, read_only=True) as c:
        before_run = latest(c)
    before = results_state(db)
    written = _kill_in_publish(db, tmp_path / "marker", [*second, "--json"])
    assert written.startswith(f"{analysis}_")  # killed inside the transaction, after a table was replaced
    assert results_state(db) == before and store_state(db)
    with Corpus.open(db, read_only=True) as c:
        assert latest(c) == before_run
    assert_results_consistent(db)


_RUN = textwrap.dedent(
    """
    import sys
    from narrascope.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _run_and_kill(args: list[str], delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _RUN, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _duration(args: list[str]) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", _RUN, *args], check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parents[2])
    return time.monotonic() - started


def _uids(db: Path) -> list[str]:
    with Corpus.open(db, read_only=True) as c:
        return [r[0] for r in c.sql("SELECT uid FROM messages ORDER BY uid").rows()]


@pytest.mark.slow
def test_sigkill_at_random_points_of_ingest_reuse_and_frames_leaves_a_consistent_store(tmp_path: Path) -> None:
    """kill -9 at seeded random moments of each command: the store always opens, holds a whole number of
    ingested files, and every registered result is complete (the previous one where the run was killed)."""
    rng = random.Random(15)
    files = []
    for k in range(5):
        files.append(write_chat(tmp_path / "in" / f"c{k}" / "result.json",
                                [desktop_message(i, f"پیام {i} " * 30 + f"shared story {i % 40}")
                                 for i in range(1, 1500)], name=f"Channel {k}", chat_id=5000 + k))
    reference = tmp_path / "ref.duckdb"
    states = []  # the messages after each whole number of files, in the walk's order
    for k in range(len(files)):
        with Corpus.open(reference) as c:
            c.ingest([files[k].parent])
        states.append(_uids(reference))
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("frames:\n  - id: story\n    terms:\n      en: [shared story]\n      fa: [پیام]\n")

    db = tmp_path / "c.duckdb"
    ingest = ["ingest", str(tmp_path / "in"), "--db", str(db), "--no-progress"]
    total = _duration(["ingest", str(tmp_path / "in"), "--db", str(tmp_path / "timing.duckdb"), "--no-progress"])
    for _ in range(4):
        _run_and_kill(ingest, rng.uniform(0.2, total))
        if db.exists():
            assert _uids(db) in [[], *states]  # a whole number of files (ingest ids differ between runs)
    assert subprocess.run([sys.executable, "-c", _RUN, *ingest], capture_output=True).returncode == 0
    assert _uids(db) == states[-1]

    for command in (["reuse", "--refresh", "--json"], ["frames", str(lexicon), "--json"]):
        args = [*command, "--db", str(db)]
        total = _duration(args)
        for threshold in ("0.5", "0.6", "0.8"):
            run = [*args, "--threshold", threshold] if command[0] == "reuse" else args
            _run_and_kill(run, rng.uniform(0.2, total))
            assert_results_consistent(db)
            assert _uids(db) == states[-1]
