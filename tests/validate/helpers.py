"""Synthetic messages, hits and a lexicon for the validation tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from narrascope.frames.lexicon import parse_lexicon_yaml

LEXICON = parse_lexicon_yaml("""
frames:
  - id: unrest
    terms:
      en: [riot, protest]
      fa: [اعتراض]
  - id: economy
    terms:
      en: [inflation]
""")


def synthetic(n: int = 2000, seed: int = 0, hit_rate: float = 0.2) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    """(messages, hits, truth): about ``hit_rate`` of messages contain "riot"; truth marks 60 % of hits and 2 % of
    the others as carrying the frame."""
    rng = np.random.default_rng(seed)
    hit = rng.random(n) < hit_rate
    truth = np.where(hit, rng.random(n) < 0.6, rng.random(n) < 0.02)
    texts = [("شلوغی و riot در خیابان" if h else "بازار آرام بود") + f" #{i}" for i, h in enumerate(hit)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    messages = pl.DataFrame({
        "uid": [f"{i:032x}" for i in range(n)], "platform": ["telegram"] * n,
        "channel_id": [f"c{i % 3}" for i in range(n)], "channel": [f"Channel {i % 3}" for i in range(n)],
        "author": [None] * n, "kind": ["post"] * n, "lang": ["fa"] * n,
        "posted_at": [start + timedelta(hours=7 * i) for i in range(n)], "views": [10] * n,
        "text": texts, "url": [f"https://t.me/c{i % 3}/{i}" for i in range(n)],
    }, schema_overrides={"author": pl.Utf8})
    idx = np.flatnonzero(hit)
    hits = pl.DataFrame({"uid": [f"{i:032x}" for i in idx], "frame": ["unrest"] * len(idx),
                         "term": ["riot"] * len(idx), "start": [8] * len(idx), "end": [12] * len(idx)},
                        schema_overrides={"start": pl.Int32, "end": pl.Int32})
    return messages, hits, truth
