"""bench/ingest: Telegram Desktop JSON exports into the store, beside a msgspec typed parse and json.load.

    python bench/ingest.py [--gb 0.1 1 5] [--workdir /tmp/narrascope-bench-ingest] [--pandas]

Each export is one single-chat result.json written in Telegram Desktop's style (text as arrays of entity parts,
Persian and English, forwards, replies, reactions, service messages), generated once per size and seed (a sidecar
``.meta.json`` records the generator, size and message count: a file without it, or from another generator, is
written anew). narrascope ingests it into a fresh store in a child process; then, on the same file and each in its
own child process, a msgspec typed parse of the whole file (the ceiling for a Python reader) and ``json.load``
(and with ``--pandas``, ``pandas.json_normalize`` as a user would). Every run's message count is checked against
the generator's. Reported: MB/s, messages/s, peak RSS, narrascope's time as a multiple of each baseline's (robust
to a busy machine: both run in the same minutes), and the load average around each run. A baseline that would not
fit in the memory available (json.load holds ~6× the file) is listed as not run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_child  # noqa: E402

_FA = ["خبر", "امروز", "گزارش", "مردم", "تهران", "دولت", "اعتراض", "می‌گویند", "کتاب‌ها", "شهر", "جلسه", "رسانه",
       "كشور", "ايران", "اقتصاد", "قیمت", "دلار", "نفت", "انتخابات", "مجلس"]
_EN = ["report", "today", "people", "government", "protest", "city", "market", "price", "oil", "vote", "news",
       "channel", "video", "statement", "official", "meeting", "strike", "workers", "students", "court"]


def _text(rng: random.Random) -> list[object]:
    words = rng.choices(_FA if rng.random() < 0.7 else _EN, k=rng.randint(25, 45))
    parts: list[object] = [" ".join(words) + " "]
    r = rng.random()
    if r < 0.3:
        parts.append({"type": "link", "text": f"https://example.org/{rng.randint(1, 10**6)}"})
    elif r < 0.5:
        parts.append({"type": "text_link", "text": "بیشتر", "href": f"https://news.example/{rng.randint(1, 10**6)}"})
    if rng.random() < 0.4:
        parts += ["\n", {"type": "hashtag", "text": "#" + rng.choice(_EN)}, " ", {"type": "mention", "text": "@chan"}]
    return parts


def write_export(path: Path, target_bytes: int, seed: int = 1) -> int:
    """Stream-write a single-chat export of at least ``target_bytes``; returns the message count."""
    rng = random.Random(seed)
    n = 0
    ts = 1_600_000_000
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{\n "name": "Bench Channel",\n "type": "public_channel",\n "id": 777,\n "messages": [\n')
        while fh.tell() < target_bytes:
            n += 1
            ts += rng.randint(30, 900)
            if n % 500 == 0:
                msg: dict[str, object] = {"id": n, "type": "service", "date": "2020-09-13T12:26:40",
                                          "date_unixtime": str(ts), "actor": "Bench Channel",
                                          "actor_id": "channel777", "action": "pin_message", "message_id": n - 1,
                                          "text": "", "text_entities": []}
            else:
                parts = _text(rng)
                msg = {"id": n, "type": "message", "date": "2020-09-13T12:26:40", "date_unixtime": str(ts),
                       "from": "Bench Channel", "from_id": "channel777", "text": parts,
                       "text_entities": [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]}
                if rng.random() < 0.2:
                    msg["forwarded_from"] = rng.choice(["Other Channel", "کانال خبری", None])
                if rng.random() < 0.1:
                    msg["reply_to_message_id"] = max(1, n - rng.randint(1, 50))
                if rng.random() < 0.3:
                    msg["reactions"] = [{"type": "emoji", "count": rng.randint(1, 500), "emoji": "👍"}]
            fh.write(("" if n == 1 else ",\n") + "  " + json.dumps(msg, ensure_ascii=False))
        fh.write("\n ]\n}\n")
    return n


_GENERATOR_VERSION = 1


def ensure_export(path: Path, target_bytes: int, seed: int = 1) -> int:
    """The export at ``path`` for this size and seed, written unless a complete one from the same generator is
    there (its sidecar ``.meta.json`` says so); returns its message count. Never reuses a file silently."""
    meta_path = path.with_name(path.name + ".meta.json")
    want = {"generator": _GENERATOR_VERSION, "target_bytes": target_bytes, "seed": seed}
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in want} == want and meta.get("bytes") == path.stat().st_size:
            print(f"reusing {path} ({meta['bytes']:,} bytes, {meta['messages']:,} messages, written by this "
                  f"generator with seed {seed})", flush=True)
            return int(meta["messages"])
    meta_path.unlink(missing_ok=True)
    print(f"writing a {target_bytes / 1e9:.2f} GB export to {path} …", flush=True)
    n = write_export(path, target_bytes, seed)
    meta_path.write_text(json.dumps({**want, "bytes": path.stat().st_size, "messages": n}))
    return n


# Each child times its work after its imports: wall seconds and CPU seconds (every thread of the process).
# narrascope's CPU includes the worker processes that read parts of the file (children, waited for).
_NARRASCOPE = """
import resource, sys, time
from narrascope import Corpus
db, path = sys.argv[1:3]
def kids():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
t, cpu, kid = time.perf_counter(), time.process_time(), kids()
with Corpus.open(db) as c:
    r = c.ingest([path]).files[0]
print(r.rows_read, r.added, time.perf_counter() - t, time.process_time() - cpu + kids() - kid)
"""

# A typed model of every key narrascope reads, every value decoded (what a user writing a msgspec reader would
# declare): the baseline does not follow narrascope's own structs, which skip what no column needs.
_STRUCTS = """
from typing import Any
import msgspec
class _Part(msgspec.Struct):
    type: Any = None
    text: str | None = None
    href: Any = None
class _Message(msgspec.Struct):
    id: int
    type: Any = None
    date: Any = None
    date_unixtime: Any = None
    edited: Any = None
    edited_unixtime: Any = None
    actor: Any = None
    actor_id: Any = None
    from_: Any = msgspec.field(default=None, name="from")
    from_id: Any = None
    author: Any = None
    text: str | list[str | _Part] | None = None
    text_entities: list[_Part] | None = None
    reply_to_message_id: Any = None
    reply_to_peer_id: Any = None
    forwarded_from: Any = None
    forwarded_from_id: Any = None
    media_type: Any = None
    reactions: Any = None
    photo: Any = msgspec.UNSET
    file: Any = msgspec.UNSET
    poll: Any = msgspec.UNSET
    place_name: Any = msgspec.UNSET
    location_information: Any = msgspec.UNSET
    contact_information: Any = msgspec.UNSET
    game_title: Any = msgspec.UNSET
    invoice_information: Any = msgspec.UNSET
    giveaway_information: Any = msgspec.UNSET
    giveaway_results: Any = msgspec.UNSET
"""

# A msgspec typed parse of the whole file (the ceiling a Python reader can reach), without building rows.
_MSGSPEC = _STRUCTS + """
import sys, time
class Export(msgspec.Struct):
    messages: list[_Message]
t, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[1], "rb") as fh:
    n = len(msgspec.json.decode(fh.read(), type=Export).messages)
print(n, time.perf_counter() - t, time.process_time() - cpu)
"""

# The same typed parse over the file in 256 KB pieces cut between messages (how narrascope's fast path reads, on one
# core, without the repairs, the depth guard or building rows): fits in memory at any size.
_MSGSPEC_STREAM = _STRUCTS + """
import sys, time
dec = msgspec.json.Decoder(list[_Message])
t, cpu = time.perf_counter(), time.process_time()
n, sep = 0, b",\\n  {"
with open(sys.argv[1], "rb") as fh:
    buf = fh.read(256 << 10)
    buf = buf[buf.index(b"[", buf.index(b'"messages"')) + 1:]
    while True:
        more = fh.read(256 << 10)
        if not more:
            n += len(dec.decode(b"[" + buf[:buf.rindex(b"]")] + b"]"))
            break
        buf += more
        cut = buf.rfind(sep)
        n += len(dec.decode(b"[" + buf[:cut] + b"]"))
        buf = buf[cut + 1:]
print(n, time.perf_counter() - t, time.process_time() - cpu)
"""

_JSON_LOAD = """
import json, sys, time
t, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[1], encoding="utf-8") as fh:
    n = len(json.load(fh)["messages"])
print(n, time.perf_counter() - t, time.process_time() - cpu)
"""

_BASELINE = """
import json, sys, time
import pandas as pd
t, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[1], encoding="utf-8") as fh:
    root = json.load(fh)
df = pd.json_normalize(root["messages"])
print(len(df), time.perf_counter() - t, time.process_time() - cpu)
"""


def _load() -> str:
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _available_mb() -> float:
    with open("/proc/meminfo") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("MemAvailable")) / 1024


def _fresh_db(workdir: Path) -> Path:
    db = workdir / "bench.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(workdir / "bench.duckdb.tmp", ignore_errors=True)
    return db


def measure(gb: float, workdir: Path, *, pandas: bool, repeat: int) -> list[list[str]]:
    """Table rows for one export size: narrascope's ingest, a msgspec typed parse and json.load of the same file,
    each in its own child process, one after the other, ``repeat`` rounds; counts checked against the generator's.
    Times are medians; the ratio is the median of each round's ratio (both runs minutes apart at most)."""
    export = workdir / f"result-{gb:g}gb.json"
    expected = ensure_export(export, int(gb * 1e9))
    size_mb = export.stat().st_size / 1e6
    steps: list[tuple[str, str, float]] = [("msgspec typed parse, whole file", _MSGSPEC, 3.6),
                                           ("msgspec typed parse, 256 KB pieces", _MSGSPEC_STREAM, 0.0),
                                           ("json.load, whole file", _JSON_LOAD, 6.0)]
    if pandas:
        steps.append(("json.load + pandas.json_normalize", _BASELINE, 8.0))
    runs: dict[str, list[tuple[float, float, float, str]]] = {}  # name -> (wall, cpu, rss, load) per round
    skipped: dict[str, float] = {}
    for _ in range(repeat):
        load = _load()
        ns = run_child(_NARRASCOPE, str(_fresh_db(workdir)), str(export), tree=True)
        n_rows, n_added, n_secs, n_cpu = ns.output.strip().splitlines()[-1].split()
        if int(n_rows) != expected or int(n_added) != expected:
            raise SystemExit(f"narrascope read {n_rows} and added {n_added} messages, the generator wrote {expected:,}")
        # peak RSS: the sum over narrascope's process and its part workers (sampled), or the largest one alone
        rss = max(ns.peak_rss_mb, ns.peak_tree_rss_mb)
        runs.setdefault("narrascope", []).append((float(n_secs), float(n_cpu), rss, f"{load} → {_load()}"))
        for name, code, memory_factor in steps:
            need = memory_factor * size_mb
            if need > 0.7 * _available_mb():
                skipped[name] = need
                continue
            load = _load()
            m = run_child(code, str(export))
            count, secs, cpu = m.output.strip().splitlines()[-1].split()
            if int(count) != expected:
                raise SystemExit(f"{name}: {count} messages, the generator wrote {expected:,}")
            runs.setdefault(name, []).append((float(secs), float(cpu), m.peak_rss_mb, f"{load} → {_load()}"))
    mine = runs["narrascope"]
    rows = []
    for name in ["narrascope"] + [s[0] for s in steps]:
        label = "narrascope ingest (parse → rows → store)" if name == "narrascope" else name
        if name not in runs:
            rows.append([label, f"{size_mb:,.0f}", "—", "—", "—",
                         f"not run: needs ~{skipped.get(name, 0):,.0f}, more than the memory available", "—", "—", ""])
            continue
        got = runs[name]
        wall = statistics.median(r[0] for r in got)
        cpu = statistics.median(r[1] for r in got)
        ratio = statistics.median(m[0] / r[0] for m, r in zip(mine, got, strict=False))
        cpu_ratio = statistics.median(m[1] / r[1] for m, r in zip(mine, got, strict=False))
        rows.append([label, f"{size_mb:,.0f}", f"{wall:.1f}", f"{size_mb / wall:.1f}", f"{cpu:.1f}",
                     f"{max(r[2] for r in got):,.0f}", f"{ratio:.2f}", f"{cpu_ratio:.2f}",
                     "; ".join(r[3] for r in got)])
    return rows


HEADER = ["run", "MB", "seconds (median)", "MB/s", "CPU seconds", "peak RSS MB", "narrascope time ÷ this",
          "narrascope CPU ÷ this", "load average (1, 5, 15 min) before → after each run"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, nargs="+", default=[0.1, 1.0], help="export sizes in GB (default 0.1 1)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/narrascope-bench-ingest"))
    ap.add_argument("--pandas", action="store_true", help="also run json.load + pandas.json_normalize")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of every run (default 1)")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for gb in args.gb:
        rows = measure(gb, args.workdir, pandas=args.pandas, repeat=args.repeat)
        print_table(f"ingest: {gb:g} GB Telegram Desktop JSON ({os.cpu_count()} cores, {args.repeat} round(s))",
                    HEADER, rows)
        rss = float(rows[0][5].replace(",", ""))
        print(f"target peak RSS < 1 GB: {'PASS' if rss < 1024 else 'FAIL'} ({rss:,.0f} MB)", flush=True)


if __name__ == "__main__":
    main()
