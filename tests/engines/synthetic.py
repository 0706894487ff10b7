"""Synthetic corpora for engine parity: any size in seconds, with what every analysis looks for.

Written for narrascope's tests (no third-party data). Messages are Persian and English pseudo-text (Zipf-drawn words)
carrying the demo's planted frame terms in their spelling variants (Arabic ي/ك, ZWNJ, tatweel, case) plus inflected,
prefixed and stretched forms, a regex-matched figure and exclusion phrases — every path of the matcher. Reuse:
copies (with a signature line), forwards (with their metadata), rewrites (words swapped), long posts quoting an
earlier passage, and boilerplate signatures per channel. Coordination: groups of channels posting the same URL or
hashtag set within seconds. Edge cases: undated posts, service rows, empty texts, equal timestamps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from narrascope.demo.lexicon import FRAMES, term_variants

__all__ = ["PARITY_LEXICON", "synthetic_messages", "synthetic_store", "write_lexicon"]

PARITY_LEXICON = """\
name: engine-parity
frames:
  - id: resistance
    terms:
      en: [regime change, "freedom fight*", {term: uprising, suffixes: true}, {term: cool, elongation: true}]
      fa: [تغییر رژیم, {term: خیزش, suffixes: true}, {term: مقاومت, prefixes: true, suffixes: true}, مقاومت ایران]
    exclude: [uprising museum]
  - id: sedition
    terms:
      en: [sedition, rioters, {regex: "[0-9]{2,} percent turnout", term: turnout-figure}]
      fa: [فتنه, {term: اغتشاشگر, suffixes: true}, آشوب]
  - id: overlap
    terms:
      en: [regime, change]
"""

_FA = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
_EN = "abcdefghijklmnopqrstuvwxyz"
_EXTRA = {
    "en": ["uprisings", "freedom fighters", "freedom fighting", "coool", "cooooool", "uprising museum",
           "42 percent turnout", "7 percent turnout", "REGIME change", "regimechange", "#regime_change"],
    "fa": ["خیزش‌ها", "خیزشهای", "می‌مقاومت", "مقاومتها", "اغتشاشگران", "فتنه‌گر", "آشوبها", "مقاومت‌ایران"],
}


def _words(rng: np.random.Generator, letters: str, count: int) -> np.ndarray:
    lengths = rng.integers(2, 9, size=count)
    chars = np.array(list(letters))[rng.integers(0, len(letters), size=int(lengths.sum()))]
    return np.array(["".join(w) for w in np.split(chars, np.cumsum(lengths)[:-1])], dtype=object)


def _term_pool(lang: str) -> list[str]:
    pool = list(_EXTRA[lang])
    for frame in FRAMES:
        for term in frame.terms.get(lang, ()):
            pool.append(term)
            pool += term_variants(frame, lang, term)
    return pool


def synthetic_messages(n: int, seed: int = 3, channels: int = 60) -> pa.Table:
    """``n`` messages in the table layout ``narrascope ingest`` reads (canonical column names)."""
    rng = np.random.default_rng(seed)
    vocab = {"fa": _words(rng, _FA, 4000), "en": _words(rng, _EN, 4000)}
    zipf = 1.0 / np.arange(1, 4001) ** 1.05
    zipf /= zipf.sum()
    terms = {lang: _term_pool(lang) for lang in ("fa", "en")}
    chan_lang = np.where(rng.random(channels) < 0.6, "fa", "en")
    chan_ids = [f"{1000 + c}" for c in range(channels)]
    chan_names = [f"Channel {c}" for c in range(channels)]
    signature = [f"join @chan{c}" if c % 2 == 0 else "" for c in range(channels)]
    groups = [list(range(g * 4, g * 4 + 4)) for g in range(3)]  # coordinated channel groups
    gaps = rng.exponential(60.0, size=n)
    gaps[rng.random(n) < 0.02] = 0.0  # equal timestamps
    seconds = 1_704_067_200 + np.cumsum(gaps)
    kinds = np.where(rng.random(n) < 0.01, "service", "post")
    rows: dict[str, list[object]] = {k: [] for k in ("channel_id", "channel", "message_id", "text", "fwd_from_name",
                                                      "fwd_from_id", "fwd_posted_at", "posted_at", "kind")}
    counters = [0] * channels
    draws = rng.choice(4000, size=n * 40 + 1000, p=zipf)  # word draws, consumed in order (one vectorised draw)
    cursor = [0]
    texts: list[str] = []
    posted: list[int] = []
    owner: list[int] = []

    def fresh(lang: str, length: int) -> str:
        at = cursor[0] % (len(draws) - length)
        cursor[0] += length
        words = list(vocab[lang][draws[at:at + length]])
        for _ in range(rng.binomial(2, 0.12)):
            words.insert(int(rng.integers(0, len(words) + 1)), terms[lang][int(rng.integers(len(terms[lang])))])
        if rng.random() < 0.05:
            words.append(f"https://news{int(rng.integers(50))}.example/{int(rng.integers(10**6))}")
        return " ".join(words)

    i = 0
    while i < n:
        c = int(rng.integers(channels))
        lang = str(chan_lang[c])
        r = rng.random()
        fwd = (None, None, None)
        if r < 0.004 and i + 4 < n:  # a coordinated burst: a group posts the same link within seconds
            group = groups[int(rng.integers(len(groups)))]
            link = f"https://burst{int(rng.integers(10**6))}.example/a"
            for k, member in enumerate(group):
                _append(rows, counters, member, chan_ids, chan_names, f"{fresh(lang, 6)} {link} #news #now",
                        int(seconds[i]) + 5 * k, "post", fwd, texts, posted, owner)
                i += 1
            continue
        if texts and r < 0.12:  # forward of an earlier post, with Telegram's metadata
            j = len(texts) - 1 - int(rng.integers(min(len(texts), 3000)))
            text = texts[j]
            fwd = (chan_names[owner[j]], chan_ids[owner[j]], posted[j])
        elif texts and r < 0.22:  # copy with the copier's signature
            j = len(texts) - 1 - int(rng.integers(min(len(texts), 3000)))
            text = "\n".join(x for x in (texts[j].split("\n")[0], signature[c]) if x)
        elif texts and r < 0.28:  # rewrite: some words swapped
            j = len(texts) - 1 - int(rng.integers(min(len(texts), 3000)))
            words = texts[j].split("\n")[0].split(" ")
            for _ in range(max(1, len(words) // 6)):
                words[int(rng.integers(len(words)))] = str(vocab[lang][int(rng.integers(4000))])
            text = " ".join(words)
        elif texts and r < 0.31:  # a long post quoting an earlier passage
            j = len(texts) - 1 - int(rng.integers(min(len(texts), 3000)))
            text = f"{fresh(lang, 25)} {texts[j].split(chr(10))[0]} {fresh(lang, 25)}"
        else:
            length = int(rng.choice([int(rng.integers(2, 8)), int(rng.integers(8, 40)), int(rng.integers(40, 160))],
                                    p=[0.3, 0.5, 0.2]))
            text = fresh(lang, length)
            if signature[c] and rng.random() < 0.7:
                text += "\n" + signature[c]
        if rng.random() < 0.003:
            text = "" if rng.random() < 0.5 else "   "
        when = None if rng.random() < 0.002 else int(seconds[i])
        _append(rows, counters, c, chan_ids, chan_names, text, when, str(kinds[i]), fwd, texts, posted, owner)
        i += 1
    ts = pa.timestamp("us", tz="UTC")
    micros = [None if x is None else int(x) * 1_000_000 for x in rows.pop("posted_at")]
    fwd_micros = [None if x is None else int(x) * 1_000_000 for x in rows.pop("fwd_posted_at")]
    table = pa.table({"platform": pa.array(["telegram"] * len(micros)), **{k: pa.array(v, pa.string())
                                                                          for k, v in rows.items()},
                      "posted_at": pa.array(micros, ts), "fwd_posted_at": pa.array(fwd_micros, ts)})
    return table


def _append(rows: dict[str, list[object]], counters: list[int], c: int, ids: list[str], names: list[str], text: str,
            when: int | None, kind: str, fwd: tuple[str | None, str | None, int | None], texts: list[str],
            posted: list[int], owner: list[int]) -> None:
    counters[c] += 1
    rows["channel_id"].append(ids[c])
    rows["channel"].append(names[c])
    rows["message_id"].append(str(counters[c]))
    rows["text"].append(text)
    rows["fwd_from_name"].append(fwd[0])
    rows["fwd_from_id"].append(fwd[1])
    rows["fwd_posted_at"].append(fwd[2])
    rows["posted_at"].append(when)
    rows["kind"].append(kind)
    if text.strip() and when is not None:
        texts.append(text)
        posted.append(when)
        owner.append(c)


def write_lexicon(path: Path) -> Path:
    path.write_text(PARITY_LEXICON, encoding="utf-8")
    return path


def synthetic_store(folder: Path, n: int, seed: int = 3) -> Path:
    """A store holding :func:`synthetic_messages` (ingested as a table, as a user would)."""
    from narrascope import Corpus
    from narrascope.ingest.base import IngestOptions

    folder.mkdir(parents=True, exist_ok=True)
    table_path = folder / "messages.parquet"
    pq.write_table(synthetic_messages(n, seed), table_path)
    db = folder / "corpus.duckdb"
    with Corpus.open(db) as corpus:
        corpus.ingest([table_path], IngestOptions(strict=True))
    table_path.unlink()
    return db
