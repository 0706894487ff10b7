"""bench/ingest: a ≥ 1 GB Telegram Desktop JSON export into the store, against json.load + pandas.

    python bench/ingest.py [--gb 1.0] [--workdir /tmp/narrascope-bench]

The export is one single-chat result.json written in Telegram Desktop's style (text as arrays of entity parts,
Persian and English, forwards, replies, reactions, service messages). narrascope ingests it in a child process; the
baseline (what a user would otherwise write: ``json.load`` then ``pandas.json_normalize`` of the messages) runs in
another child process on the same file. Reported: MB/s, messages/s, peak RSS of each, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
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


_NARRASCOPE = """
import sys, time
from narrascope import Corpus
db, path = sys.argv[1:3]
t = time.perf_counter()
with Corpus.open(db) as c:
    r = c.ingest([path]).files[0]
print(r.rows_read, r.added, time.perf_counter() - t)
"""

_BASELINE = """
import json, sys, time
import pandas as pd
t = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as fh:
    root = json.load(fh)
df = pd.json_normalize(root["messages"])
print(len(df), time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=1.05, help="export size in GB (default 1.05)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/narrascope-bench-ingest"))
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    export = args.workdir / "result.json"
    target = int(args.gb * 1e9)
    if not export.exists() or export.stat().st_size < target:
        print(f"writing a {args.gb:.2f} GB export to {export} …", flush=True)
        write_export(export, target)
    size_mb = export.stat().st_size / 1e6
    db = args.workdir / "bench.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(args.workdir / "bench.duckdb.tmp", ignore_errors=True)

    ns = run_child(_NARRASCOPE, str(db), str(export))
    rows, added, secs = ns.output.strip().splitlines()[-1].split()
    rows_i, secs_f = int(rows), float(secs)
    table = [["narrascope ingest (stream → DuckDB, upsert)", f"{size_mb:,.0f}", f"{secs_f:.1f}",
              f"{size_mb / secs_f:.1f}", f"{rows_i / secs_f:,.0f}", f"{ns.peak_rss_mb:,.0f}"]]
    if not args.skip_baseline:
        base = run_child(_BASELINE, str(export))
        brows, bsecs = base.output.strip().splitlines()[-1].split()
        bsecs_f = float(bsecs)
        table.append(["json.load + pandas.json_normalize (baseline)", f"{size_mb:,.0f}", f"{bsecs_f:.1f}",
                      f"{size_mb / bsecs_f:.1f}", f"{int(brows) / bsecs_f:,.0f}", f"{base.peak_rss_mb:,.0f}"])
        table.append(["ratio narrascope / baseline", "", f"{secs_f / bsecs_f:.2f}× time", "", "",
                      f"{ns.peak_rss_mb / base.peak_rss_mb:.2f}× memory"])
    print_table(f"ingest: {size_mb:,.0f} MB Telegram Desktop JSON, {rows_i:,} messages ({added} added)",
                ["run", "MB", "seconds", "MB/s", "messages/s", "peak RSS MB"], table)
    verdict = "PASS" if ns.peak_rss_mb < 1024 else "FAIL"
    print(f"target peak RSS < 1 GB: {verdict} ({ns.peak_rss_mb:,.0f} MB)")


if __name__ == "__main__":
    main()
