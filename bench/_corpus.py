"""A realistic benchmark corpus: channel posts with real-length distributions and realistic reuse, at any size.

    python bench/_corpus.py --messages 1000000 --out /tmp/corpus-1m [--store /tmp/corpus-1m.duckdb]

Writes Parquet files of canonical columns (``platform, channel_id, channel, message_id, posted_at, text,
fwd_from_name, fwd_from_id, fwd_posted_at, views``), 200,000 messages each, and optionally ingests them into a
store (``narrascope ingest`` reads them as tables). Deterministic: same arguments, same bytes. What it models:

* **lengths** as news channels post: characters log-normal with median ≈ 600, a long tail to Telegram's 4,096
  limit, and a share of one-line posts;
* **languages**: 60 % of channels write Persian (with Arabic ي/ك, ZWNJ/space variants), 40 % English; words
  follow Zipf's law (real function words, generated content words);
* **channel furniture**: half the channels sign every post ("🆔 @name", "join us: …"), some add hashtag lines;
* **forward chains** (12 %): the same text, forwarded from the root channel as Telegram records it (a forward of
  a forward still names the first channel), with ``fwd_posted_at``;
* **copies with signatures** (8 %): an earlier post's text without its channel's signature, plus the copier's;
* **rewrites** (5 %): an earlier post with 5–35 % of its words changed, a sentence dropped, and a new signature.

Derived posts copy a post from the same 200,000-message block (about a week of the stream), so generation runs
block by block in bounded memory, and most reuse falls within hours to days, as on Telegram.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.reuse.graded_words import FUNCTION  # noqa: E402

BLOCK = 200_000
VOCABULARY = 60_000
SHARES = {"forward": 0.12, "copy": 0.08, "rewrite": 0.05}
FA_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
EN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
SCHEMA = pa.schema([
    ("platform", pa.string()), ("channel_id", pa.string()), ("channel", pa.string()), ("message_id", pa.string()),
    ("posted_at", pa.timestamp("us", tz="UTC")), ("text", pa.string()), ("fwd_from_name", pa.string()),
    ("fwd_from_id", pa.string()), ("fwd_posted_at", pa.timestamp("us", tz="UTC")), ("views", pa.int64()),
])


_BINS = 1 << 20  # Zipf draws through a lookup table of this many equal-probability bins (fast and exact enough)


@dataclass(frozen=True)
class Vocabulary:
    """Words of one language — function words first, then generated content words — and bin tables to draw
    either kind by Zipf's law."""

    words: list[str]
    function_bins: np.ndarray
    content_bins: np.ndarray


def _pseudo_words(rng: np.random.Generator, letters: str, count: int) -> list[str]:
    out: dict[str, None] = {}
    while len(out) < count:
        lengths = rng.integers(3, 10, size=count)
        codes = rng.integers(0, len(letters), size=int(lengths.sum()))
        chars = np.array(list(letters))[codes]
        for w in np.split(chars, np.cumsum(lengths)[:-1]):
            out.setdefault("".join(w))
            if len(out) == count:
                break
    return list(out)


def _bins(weights: np.ndarray, first: int) -> np.ndarray:
    cdf = np.cumsum(weights / weights.sum())
    return (first + np.searchsorted(cdf, (np.arange(_BINS) + 0.5) / _BINS)).astype(np.int32)


def vocabulary(lang: str, seed: int = 0) -> Vocabulary:
    rng = np.random.default_rng(seed + (1 if lang == "fa" else 2))
    functions = list(FUNCTION[lang])
    content = [w for w in _pseudo_words(rng, FA_LETTERS if lang == "fa" else EN_LETTERS, VOCABULARY)
               if w not in set(functions)]
    if lang == "fa":  # some words typed with Arabic letters or a ZWNJ plural, as real Persian text varies
        content = [w.replace("ی", "ي") if i % 11 == 0 else (w + "\u200cها" if i % 13 == 0 else w)
                   for i, w in enumerate(content)]
    return Vocabulary(functions + content, _bins(1.0 / (np.arange(len(functions)) + 3.0), 0),
                      _bins(1.0 / (np.arange(len(content)) + 100.0), len(functions)))


def _tokens(rng: np.random.Generator, vocab: Vocabulary, count: int) -> np.ndarray:
    """``count`` word ids: 45 % function words, the rest content words, each Zipf-distributed."""
    is_function = rng.random(count) < 0.45
    draw = rng.integers(0, _BINS, size=count)
    return np.where(is_function, vocab.function_bins[draw], vocab.content_bins[draw])


def _join(words: pa.Array, ids: np.ndarray, offsets: np.ndarray, sentence: np.ndarray) -> pa.Array:
    """Texts from word ids; ``sentence`` marks tokens that end a sentence (they get a full stop)."""
    taken = words.take(pa.array(ids))
    taken = pc.if_else(pa.array(sentence), pc.binary_join_element_wise(taken, ".", ""), taken)
    lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), taken)
    return pc.binary_join(lists, " ")


@dataclass(frozen=True)
class Channels:
    ids: np.ndarray  # str
    names: np.ndarray  # str
    lang_fa: np.ndarray  # bool
    signature: np.ndarray  # str ('' = none)
    weight: np.ndarray  # posting rate share


def channels(n: int, seed: int) -> Channels:
    rng = np.random.default_rng(seed + 3)
    ids = np.array([str(1_000_000_000 + i * 7919) for i in range(n)])
    names = np.array([f"news_{i:05d}" for i in range(n)])
    fa = rng.random(n) < 0.6
    style = rng.integers(0, 4, size=n)
    signature = np.array([
        "" if s == 0 else (f"🆔 @{nm}" if s == 1 else (f"join us: @{nm}" if not f else f"کانال ما را دنبال کنید 👇 @{nm}")
                           if s == 2 else f"#{nm} #news" if not f else f"#{nm} #خبر")
        for nm, s, f in zip(names, style, fa, strict=True)
    ])
    signature[rng.random(n) < 0.25] = ""
    weight = rng.pareto(1.2, size=n) + 0.1  # a few channels post most of the stream
    return Channels(ids, names, fa, signature, weight / weight.sum())


def _block(b: int, size: int, first: int, ch: Channels, vocab: dict[bool, Vocabulary], words: pa.Array,
           seed: int, start_us: int, step_us: int) -> pa.Table:
    rng = np.random.default_rng([seed, b])
    n = size
    chan = rng.choice(ch.ids.size, size=n, p=ch.weight)
    fa = ch.lang_fa[chan]
    # characters log-normal (median ≈ 600), 10 % one-liners; ~5.3 characters per token with spaces
    chars = np.where(rng.random(n) < 0.1, rng.integers(20, 120, size=n),
                     np.exp(rng.normal(np.log(600), 0.75, size=n))).clip(15, 4000)
    ntok = np.maximum((chars / 5.3).astype(np.int64), 2)
    r = rng.random(n)
    kind = np.select([r < SHARES["forward"], r < SHARES["forward"] + SHARES["copy"],
                      r < SHARES["forward"] + SHARES["copy"] + SHARES["rewrite"]], [1, 2, 3], 0)
    # a derived post reuses a post a little earlier in the block (an hour to a week); the first posts are originals
    back = np.minimum(rng.geometric(1 / 2000, size=n), np.arange(n))
    source = np.arange(n) - back
    kind[back == 0] = 0
    # resolve: copies and rewrites take an original's words; forwards keep a chain but show the root channel
    root = np.where(kind > 0, source, np.arange(n))
    for _ in range(64):
        nxt = np.where(kind[root] > 0, source[root], root)
        if np.array_equal(nxt, root):
            break
        root = nxt
    # a derived post is in its root's language (words come from the root)
    fa = np.where(kind > 0, fa[root], fa)
    ntok = np.where(kind > 0, ntok[root], ntok)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(ntok, out=offsets[1:])
    owner = np.repeat(np.arange(n), ntok)
    pos = np.arange(offsets[-1]) - offsets[owner]
    fa_owner = fa[owner]
    ids = np.empty(owner.size, dtype=np.int32)
    ids[fa_owner] = _tokens(rng, vocab[True], int(fa_owner.sum()))
    ids[~fa_owner] = len(vocab[True].words) + _tokens(rng, vocab[False], int((~fa_owner).sum()))
    copied = ids[offsets[root[owner]] + pos]
    change = np.where(kind == 3, rng.uniform(0.05, 0.35, size=n), 0.0)
    ids = np.where((kind[owner] > 0) & (rng.random(owner.size) >= change[owner]), copied, ids)
    sentence = (pos % 17 == 16) | (pos == ntok[owner] - 1)
    # rewrites drop their second sentence when they have three or more
    drop = (kind[owner] == 3) & (pos >= 17) & (pos < 34) & (ntok[owner] >= 51)
    keep = ~drop
    ids, sentence, owner2 = ids[keep], sentence[keep], owner[keep]
    kept_ntok = np.bincount(owner2, minlength=n)
    koff = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(kept_ntok, out=koff[1:])
    body = _join(words, ids, koff, sentence)
    # signatures: a forward keeps the root post's signature; copies and rewrites carry their own channel's
    signer = np.where(kind == 1, chan[root], chan)
    sig = ch.signature[signer]
    text = pc.if_else(pa.array(sig != ""), pc.binary_join_element_wise(body, pa.array(sig), "\n\n"), body)
    posted = start_us + (first + np.arange(n)) * step_us + rng.integers(0, step_us, size=n)
    fwd = kind == 1
    root_chan = chan[root]
    index = first + np.arange(n)
    return pa.table({
        "platform": pa.array(["telegram"] * n),
        "channel_id": pa.array(ch.ids[chan]),
        "channel": pa.array(ch.names[chan]),
        "message_id": pa.array(index.astype(str)),
        "posted_at": pa.array(posted, type=pa.timestamp("us", tz="UTC")),
        "text": text,
        "fwd_from_name": pa.array(np.where(fwd, ch.names[root_chan], None)),
        "fwd_from_id": pa.array(np.where(fwd, ch.ids[root_chan], None)),
        "fwd_posted_at": pa.array(posted[root], mask=~fwd, type=pa.timestamp("us", tz="UTC")),
        "views": pa.array(rng.integers(100, 100_000, size=n)),
    }, schema=SCHEMA)


def generate(messages: int, out: Path, seed: int = 1, channel_count: int | None = None) -> list[Path]:
    """Write the corpus as Parquet files under ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    ch = channels(channel_count or max(50, messages // 5000), seed)
    vocab = {True: vocabulary("fa", seed), False: vocabulary("en", seed)}
    words = pa.array(vocab[True].words + vocab[False].words)
    start = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
    step = int(365 * 86400 * 1_000_000 / max(messages, 1))
    paths = []
    for b, first in enumerate(range(0, messages, BLOCK)):
        size = min(BLOCK, messages - first)
        path = out / f"messages-{b:04d}.parquet"
        paths.append(path)
        if _complete(path, size):  # left by an interrupted run: blocks are deterministic, so it is this block
            continue
        table = _block(b, size, first, ch, vocab, words, seed, start, step)
        partial = path.with_suffix(".partial")
        pq.write_table(table, partial, compression="zstd")
        partial.replace(path)  # a block file exists only once it is complete
    return paths


def _complete(path: Path, rows: int) -> bool:
    try:
        return bool(pq.read_metadata(path).num_rows == rows)
    except (OSError, pa.ArrowInvalid):
        return False


def build_store(paths: list[Path], db: Path, fast: bool = True) -> float:
    """Load the Parquet files into a store; returns the seconds it took.

    ``fast=False`` runs ``narrascope ingest`` (the table reader, record by record: about 1,300–2,700 messages a
    second here, two hours for ten million). ``fast=True`` is a benchmark shortcut that writes the same canonical
    rows in bulk — uid, script and language computed by the store's own functions, channels and an ingest log entry
    recorded, one transaction per file — but skips the reader, so links/mentions/hashtags stay empty (neither reuse
    nor frames use them). bench/ingest.py measures the readers."""
    from narrascope import Corpus

    t = time.perf_counter()
    with Corpus.open(db) as corpus:
        if not fast:
            report = corpus.ingest(paths)
            if report.failed:
                raise RuntimeError(f"ingest failed: {report.failed}")
        else:
            for path in paths:
                _bulk_load(corpus, path)
    return time.perf_counter() - t


def _bulk_load(corpus: Any, path: Path) -> None:
    from datetime import datetime

    from narrascope import __version__
    from narrascope.models import MESSAGE_SCHEMA, make_uid
    from narrascope.store.ingest_runner import merge_spool
    from narrascope.store.spool import Spool
    from narrascope.text.script import with_script_columns

    con = corpus.connection
    row = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()
    ingest_id = int(row[0]) if row else 1
    src = pq.read_table(path)
    n = src.num_rows
    cols = {name: src.column(name) for name in src.column_names}
    uid = [make_uid("telegram", c, m) for c, m in zip(cols["channel_id"].to_pylist(), cols["message_id"].to_pylist(),
                                                       strict=True)]
    data: dict[str, Any] = {f.name: pa.nulls(n, f.type) for f in MESSAGE_SCHEMA}
    data.update({k: v for k, v in cols.items() if k in data})
    data.update(uid=pa.array(uid), kind=pa.array(["post"] * n), source_file=pa.array([str(path)] * n),
                ingest_id=pa.array([ingest_id] * n, pa.int64()),
                links=pa.array([[]] * n, pa.list_(pa.string())), mentions=pa.array([[]] * n, pa.list_(pa.string())),
                hashtags=pa.array([[]] * n, pa.list_(pa.string())))
    table = with_script_columns(pa.table([data[f.name] for f in MESSAGE_SCHEMA], schema=MESSAGE_SCHEMA))
    spool = path.with_suffix(".canonical.parquet")
    pq.write_table(table, spool)
    started = datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        # the store's own upsert of canonical rows (bench shortcut, see build_store)
        counts = merge_spool(con, Spool((spool,), (n,)))
        channels = src.select(["channel_id", "channel"]).group_by(["channel_id", "channel"]).aggregate([])
        con.register("_bench_channels", channels)
        con.execute("""INSERT INTO channels SELECT 'telegram', channel_id, channel, 'public_channel', ?
                       FROM _bench_channels ON CONFLICT DO NOTHING""", [ingest_id])
        con.unregister("_bench_channels")
        con.execute("INSERT INTO ingests VALUES (?, ?, ?, 'table', ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, false, ?, ?, ?)",
                    [ingest_id, str(path), "bench", started, datetime.now(UTC), n, counts["added"], counts["updated"],
                     counts["skipped"], counts["duplicates"], "{}", "bench bulk load", __version__])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        spool.unlink(missing_ok=True)


def lexicon(seed: int = 1, frames: int = 10, terms: int = 10) -> Any:
    """A lexicon for this corpus: ``frames`` frames of ``terms`` words each (half Persian, half English), content
    words of middling frequency (Zipf ranks 5,000–7,000), so that about one message in six carries some frame."""
    from narrascope.frames.lexicon import Frame, Lexicon, make_term

    vocab = {"fa": vocabulary("fa", seed), "en": vocabulary("en", seed)}
    out = []
    for f in range(frames):
        chosen = []
        for t in range(terms):
            lang = "fa" if t % 2 == 0 else "en"
            v = vocab[lang]
            rank = 5000 + 200 * f + t // 2
            chosen.append(make_term(v.words[len(FUNCTION[lang]) + rank], lang))
        out.append(Frame(id=f"frame{f}", label=f"Frame {f}", description="benchmark frame", terms=tuple(chosen)))
    return Lexicon(frames=tuple(out), name="bench-realistic")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--store", type=Path, help="also ingest into this store")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ingest", action="store_true", help="load with `narrascope ingest` instead of in bulk")
    args = ap.parse_args()
    t = time.perf_counter()
    paths = generate(args.messages, args.out, args.seed)
    print(f"generated {args.messages:,} messages in {time.perf_counter() - t:.1f} s: {args.out}")
    if args.store:
        print(f"loaded in {build_store(paths, args.store, fast=not args.ingest):.1f} s: {args.store}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

