"""bench/web_load: 50 concurrent clients browsing and searching `narrascope serve` on a 1 M-message store.

    python bench/web_load.py [--messages 1000000] [--clients 50] [--seconds 60] [--think 1.0]
                             [--workdir /tmp/narrascope-bench-web]

1. A store of N generated messages (bench/frames.py's generator: 60 % Persian typed with the usual variants, 40 %
   English, ~250 bytes each) in 40 channels over two years, ingested from a Parquet table; kept in the work folder
   and reused by later runs.
2. The search index is built once (timed) in the store.
3. `narrascope serve` runs in its own process on 127.0.0.1 (loopback only). Each client is a thread with its own
   HTTP connection and browser id, doing a bounded loop for ``--seconds``: a message list page (newest first, any
   page of the first 20, half the time filtered to one channel), one message's page, or a search (a common word,
   a rare word, a two- or three-word phrase taken from the texts, a prefix, two alternatives; half the time with a
   channel filter), then waiting
   a think time drawn uniformly from 0 to 2 × ``--think`` seconds (people read what they asked for; ``--think
   0`` hammers the server instead).
4. Reported: requests, errors (non-200 or connection errors), p50/p95/max per kind of page, the server's peak RSS,
   and the machine's load average before and after; and, measured first with one client at a time, the server's
   own CPU time per request of each kind — the figure other work on a shared machine does not distort (latency
   under load does: with other jobs running, the server gets a fraction of the two cores) — also divided by the
   CPU time of a fixed reference workload measured in the same run (:func:`reference_cpu_ms`).

Targets (issue 11): p95 ≤ 300 ms for message pages, ≤ 1 s for searches, no errors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _common import print_table  # noqa: E402
from frames import make_corpus  # noqa: E402

from narrascope import Corpus  # noqa: E402
from narrascope.store import search  # noqa: E402

CHANNELS = 40


def make_store(workdir: Path, n: int) -> Path:
    """The generated store (reused when it already holds n messages)."""
    db = workdir / f"web-{n}.duckdb"
    if db.exists():
        with Corpus.open(db) as corpus:  # writable: a store of an older schema is migrated here, once
            if corpus.count_messages() == n:
                print(f"reusing {db}: it holds the {n:,} generated messages (delete it to regenerate)", flush=True)
                return db
        print(f"{db} holds another number of messages: regenerating", flush=True)
        db.unlink()
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"generating {n:,} messages …", flush=True)
    texts, _ = make_corpus(n)
    rng = np.random.default_rng(11)
    start = np.datetime64("2023-01-01T00:00:00", "s").astype(np.int64)
    stamps = np.sort(rng.integers(start, start + 2 * 365 * 86400, n)).astype("datetime64[s]")
    channel = rng.integers(0, CHANNELS, n)
    table = pa.table({
        "channel_id": pa.array([f"bench{c:02d}" for c in channel]),
        "channel": pa.array([f"کانال {c:02d}" if c % 2 else f"Channel {c:02d}" for c in channel]),
        "message_id": pa.array(np.arange(1, n + 1).astype(str)),
        "posted_at": pa.array(stamps, pa.timestamp("s", "UTC")),
        "text": texts.cast(pa.string()),
    })
    parquet = workdir / f"web-{n}.parquet"
    pq.write_table(table, parquet)
    print("ingesting …", flush=True)
    t = time.perf_counter()
    with Corpus.open(db) as corpus:
        corpus.ingest([parquet])
        stored = corpus.count_messages()
    if stored != n:
        raise SystemExit(f"the store holds {stored:,} messages, not the {n:,} generated")
    print(f"ingested in {time.perf_counter() - t:.1f} s", flush=True)
    parquet.unlink()
    return db


def build_index(db: Path) -> dict[str, Any]:
    with Corpus.open(db) as corpus:
        status = search.index_status(corpus)
        if status["ready"]:
            return {"seconds": None, "docs": status["docs"], "cached": True}
        t = time.perf_counter()
        out = search.build_index(corpus)
        return {"seconds": round(time.perf_counter() - t, 1), "docs": out["docs"], "tokens": out["tokens"],
                "cached": False}


def sample_targets(db: Path, rng: random.Random) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """uids for message pages, channel ids, and search terms by kind (from the store's own texts)."""
    with Corpus.open(db, read_only=True) as corpus:
        uids = corpus.sql("SELECT uid FROM messages USING SAMPLE 5000 ROWS")["uid"].to_list()
        channels = corpus.sql("SELECT DISTINCT channel_id FROM messages ORDER BY 1")["channel_id"].to_list()
        words = corpus.sql("SELECT token, count(*) AS n FROM search_tokens WHERE length(token) > 3 "
                           "GROUP BY 1 ORDER BY 2 DESC LIMIT 20000")
        pairs = corpus.sql("SELECT bigram FROM (SELECT bigram, count(*) AS n FROM search_bigrams GROUP BY 1) "
                           "WHERE n BETWEEN 5 AND 50000 USING SAMPLE 500 ROWS")["bigram"].to_list()
        norms = corpus.sql("SELECT norm FROM search_docs USING SAMPLE 300 ROWS")["norm"].to_list()
    tokens, counts = words["token"].to_list(), words["n"].to_list()
    common = [t for t, c in zip(tokens, counts, strict=True) if c > 20_000][:200] or tokens[:50]
    rare = [t for t, c in zip(tokens, counts, strict=True) if 20 <= c <= 2_000][:2000] or tokens[-200:]
    triples = []
    for norm in norms:  # three consecutive words of a real text, as someone quoting it would type them
        parts = [w for w in (norm or "").split(" ") if w.isalnum()]
        if len(parts) >= 3:
            i = rng.randrange(len(parts) - 2)
            triples.append(" ".join(parts[i:i + 3]))
    terms = {
        "common word": common,
        "rare word": rare,
        "two-word phrase": pairs or [f"{common[0]} {common[1]}"],
        "three-word phrase": triples or [f"{common[0]} {common[1]} {common[2]}"],
        "prefix": [w[:4] + "*" for w in rare[:300]],
        "alternatives": [f"{a}, {b}" for a, b in zip(rare[:300], rare[300:600], strict=False)],
    }
    return uids, channels, terms


def start_server(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "narrascope", "serve", "--db", str(db), "--port", "0", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    buf = ""
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"serve exited: {proc.stderr.read() if proc.stderr else ''}")
        buf += line
        try:
            return proc, json.loads(buf)["url"].rstrip("/")
        except json.JSONDecodeError:
            continue


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its own threads, DuckDB's included): robust to other load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid: int, quiet_ms: float = 10, every: float = 0.5, most: float = 60) -> None:
    """Wait until the server's CPU time grows by less than ``quiet_ms`` in each of two ``every``-second spells in a
    row (at most ``most`` seconds): what it does in the background after starting (loading the index's
    directories, warming up) would otherwise count towards whichever requests are being measured."""
    deadline = time.monotonic() + most
    last, quiet = cpu_seconds(pid), 0
    while time.monotonic() < deadline and quiet < 2:
        time.sleep(every)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if 1000 * (now - last) < quiet_ms else 0
        last = now


def reference_cpu_ms(repeats: int = 5) -> float:
    """CPU ms of a fixed reference workload in this process (a DuckDB group-by over 1 M in-memory rows, a numpy
    sort, a Python loop), the median of ``repeats``: the server's CPU per request divided by it is a figure that
    moves less with the machine's load (shared caches and cores slow both alike) than milliseconds do."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute("CREATE TABLE r AS SELECT i % 977 AS k, (i * 7919) % 1000003 AS v, 'text ' || (i % 5003) AS s "
                "FROM range(1000000) t(i)")
    rng = np.random.default_rng(0)
    values = rng.random(300_000)
    times = []
    for _ in range(repeats):
        c0 = time.process_time()
        con.execute("SELECT k, sum(v), count(DISTINCT s) FROM r GROUP BY k").fetchall()
        np.sort(values)
        d: dict[int, int] = {}
        for i in range(100_000):
            d[i % 1013] = d.get(i % 1013, 0) + i
        times.append(1000 * (time.process_time() - c0))
    con.close()
    return statistics.median(times)


def cpu_by_kind(url: str, pid: int, uids: list[str], channels: list[str], terms: dict[str, list[str]],
                rng: random.Random, n: int = 12) -> list[list[object]]:
    """One client, one request at a time: the server's CPU time per request of each kind (load-robust)."""
    import httpx

    kinds: dict[str, Any] = {
        "message list": lambda: f"/messages?page={rng.randint(1, 20)}",
        "message list, one channel": lambda: f"/messages?page={rng.randint(1, 20)}&channel={rng.choice(channels)}",
        "message": lambda: f"/message/{rng.choice(uids)}",
    }
    for sub, values in terms.items():
        kinds[f"search: {sub}"] = lambda values=values: f"/messages?q={quote(rng.choice(values))}"
    rows: list[list[object]] = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for kind, path in kinds.items():
            c0, t0 = cpu_seconds(pid), time.perf_counter()
            for _ in range(n):
                client.get(path())
            rows.append([kind, n, f"{1000 * (cpu_seconds(pid) - c0) / n:.0f}",
                         f"{1000 * (time.perf_counter() - t0) / n:.0f}"])
    return rows


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def client_loop(url: str, seconds: float, think: float, seed: int, uids: list[str], channels: list[str],
                terms: dict[str, list[str]], out: dict[str, list[float]], errors: list[str],
                lock: threading.Lock, max_requests: int = 100_000) -> None:
    import httpx

    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(max_requests):  # bounded, and stops at the deadline
            if time.monotonic() >= deadline:
                break
            r = rng.random()
            channel = f"&channel={rng.choice(channels)}" if rng.random() < 0.5 else ""
            if r < 0.35:
                kind, path = "message list", f"/messages?page={rng.randint(1, 20)}{channel}"
            elif r < 0.65:
                kind, path = "message", f"/message/{rng.choice(uids)}"
            else:
                sub = rng.choice(list(terms))
                kind, path = f"search: {sub}", f"/messages?q={quote(rng.choice(terms[sub]))}{channel}"
            t = time.perf_counter()
            try:
                response = client.get(path)
                ok = response.status_code == 200 and (kind != "message list" or 'data-total="' in response.text)
                if kind.startswith("search") and 'data-total="' not in response.text:
                    ok = False
                failure = None if ok else f"{path}: HTTP {response.status_code}"
            except Exception as exc:  # a refused or timed-out request is an error, not a crash of the benchmark
                failure = f"{path}: {type(exc).__name__}"
            elapsed = time.perf_counter() - t
            with lock:
                out[kind].append(elapsed)
                if failure:
                    errors.append(failure)
            if think > 0:
                time.sleep(rng.uniform(0, 2 * think))


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between a client's requests (s)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/narrascope-bench-web"))
    args = ap.parse_args()
    db = make_store(args.workdir, args.messages)
    index = build_index(db)
    print(f"search index: {index}", flush=True)
    rng = random.Random(5)
    uids, channels, terms = sample_targets(db, rng)
    proc, url = start_server(db)
    try:
        import httpx

        httpx.get(url + "/messages", timeout=60)  # warm: the first request opens caches
        settle(proc.pid)  # the server's own start-up work (in-memory directories) is not any request's CPU
        reference = reference_cpu_ms()
        by_kind = cpu_by_kind(url, proc.pid, uids, channels, terms, random.Random(9))
        reference = (reference + reference_cpu_ms()) / 2  # before and after, as the load drifts
        for row in by_kind:
            row.append(f"{float(str(row[2])) / reference:.2f}")
        load_before = os.getloadavg()
        cpu_before = cpu_seconds(proc.pid)
        out: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        lock = threading.Lock()
        threads = [threading.Thread(target=client_loop, args=(url, args.seconds, args.think, i, uids, channels,
                                                             terms, out, errors, lock))
                   for i in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + 120)
        wall = time.perf_counter() - t0
        load_after = os.getloadavg()
        cpu_run = cpu_seconds(proc.pid) - cpu_before
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    rows = []
    total = sum(len(v) for v in out.values())
    groups = {"message pages (list + message)": out["message list"] + out["message"],
              "searches (all kinds)": [x for k, v in out.items() if k.startswith("search") for x in v]}
    for kind in sorted(out):
        groups[kind] = out[kind]
    for kind, values in groups.items():
        rows.append([kind, len(values), f"{1000 * statistics.median(values):.0f}" if values else "",
                     f"{1000 * _pct(values, 95):.0f}", f"{1000 * max(values):.0f}" if values else ""])
    print_table(f"web_load: {args.clients} clients × {args.seconds:.0f} s, think time mean {args.think} s, "
                f"{args.messages:,} messages", ["pages", "requests", "p50 ms", "p95 ms", "max ms"], rows)
    print_table(f"server CPU per request, one request at a time (robust to other load on the machine); reference "
                f"workload {reference:.0f} ms of CPU in this run",
                ["pages", "requests", "server CPU ms", "wall ms", "÷ reference"], by_kind)
    print(f"under load: server CPU {1000 * cpu_run / max(total, 1):.0f} ms per request on average; "
          f"{cpu_run / wall:.2f} cores busy of 2")
    print(f"requests: {total} in {wall:.1f} s ({total / wall:.1f}/s); errors: {len(errors)} "
          f"({100 * len(errors) / max(total, 1):.2f} %){': ' + '; '.join(errors[:5]) if errors else ''}")
    print(f"server peak RSS: {rss:,.0f} MB; load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"(1-min); search index build: {index}")
    message_p95 = _pct(groups["message pages (list + message)"], 95)
    search_p95 = _pct(groups["searches (all kinds)"], 95)
    verdict = "PASS" if message_p95 <= 0.3 and search_p95 <= 1.0 and not errors else "FAIL"
    print(f"targets (p95 ≤ 300 ms message pages, ≤ 1 s searches, no errors): {verdict} "
          f"({1000 * message_p95:.0f} ms, {1000 * search_p95:.0f} ms, {len(errors)} errors)")
    # Timings depend on the machine's load: only errors fail the run.
    return 1 if errors or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
