"""Synthetic messages with planted near-duplicates, for the reuse tests and bench/reuse.py (fast, vectorised).

Every message draws words uniformly from a random vocabulary (so unrelated messages share almost no n-grams);
a share ``derived`` of messages copies an earlier message and replaces each word with probability ``q`` drawn
uniformly from ``(0.01, max_change)`` — which spreads the pairs' Jaccard similarities over the whole range.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

__all__ = ["synthetic_messages"]

_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def _vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    lengths = rng.integers(3, 10, size=size)
    letters = _LETTERS[rng.integers(0, 26, size=int(lengths.sum()))]
    cuts = np.cumsum(lengths)[:-1]
    return np.array(["".join(w) for w in np.split(letters, cuts)])


def synthetic_messages(n: int, seed: int = 0, derived: float = 0.15, max_change: float = 0.6,
                       vocabulary: int = 50_000, channels: int = 100, locality: int | None = None) -> pl.DataFrame:
    """``n`` messages (uid, channel_id, channel, message_id, posted_at, text), time-ordered by ``message_id``.

    Messages are about a minute apart; a derived message copies any earlier message, or with ``locality`` one of
    the ``locality`` messages just before it (bursts, as in coordinated posting)."""
    rng = np.random.default_rng(seed)
    words = _vocabulary(rng, vocabulary)
    short = rng.random(n) < 0.3
    lengths = np.where(short, rng.integers(3, 10, size=n), rng.integers(10, 60, size=n))
    if locality:
        earlier = np.maximum(np.arange(n) - rng.integers(1, locality + 1, size=n), 0)
    else:
        earlier = (rng.random(n) * np.arange(n)).astype(np.int64)
    source = np.where(rng.random(n) < derived, earlier, -1)
    source[0] = -1
    # A derived message takes its source's length; resolve chains (a copy of a copy) to the root's tokens.
    root = source.copy()
    for _ in range(64):
        nxt = np.where(root >= 0, source[np.maximum(root, 0)], -1)
        if not (nxt >= 0).any():
            break
        root = np.where(nxt >= 0, nxt, root)
    lengths = np.where(root >= 0, lengths[np.maximum(root, 0)], lengths)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    owner = np.repeat(np.arange(n), lengths)
    pos = np.arange(offsets[-1]) - offsets[owner]
    tokens = rng.integers(0, vocabulary, size=int(offsets[-1]))
    change = np.where(root >= 0, rng.uniform(0.01, max_change, size=n), 1.0)
    derived_token = root[owner] >= 0
    copied = tokens[offsets[np.maximum(root[owner], 0)] + pos]
    keep = derived_token & (rng.random(tokens.size) >= change[owner])
    tokens = np.where(keep, copied, tokens)
    frame = pl.DataFrame({"msg": owner, "w": words[tokens]})
    texts = frame.group_by("msg", maintain_order=True).agg(pl.col("w").str.join(" ")).get_column("w")
    start = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
    posted = start + np.cumsum(rng.integers(1, 120_000_000, size=n))
    chan = rng.integers(0, channels, size=n)
    ids = np.arange(n)
    return pl.DataFrame({
        "uid": [f"m{i:09d}" for i in ids],
        "channel_id": [f"c{c:04d}" for c in chan],
        "channel": [f"channel {c}" for c in chan],
        "message_id": [str(i) for i in ids],
        "posted_at": pl.Series(posted).cast(pl.Datetime("us", "UTC")),
        "text": texts,
    })
