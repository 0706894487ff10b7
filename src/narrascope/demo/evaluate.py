"""Hold a frame matcher against the demo generator's planted truth, one generated corpus at a time.

Used by the coverage test (a few dozen corpora, in CI) and by ``bench/frames_coverage.py`` (≥ 200 corpora): both
ask whether Wilson intervals of the matched share per channel-month cover the planted probability p_true at the
nominal rate, which needs many corpora generated in memory without writing or ingesting files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..ingest.telegram_common import plain_text
from .generate import DemoConfig
from .stream import DemoStream

__all__ = ["frame_cells"]


def frame_cells(config: DemoConfig, matcher: Any, frames: Sequence[str], *, min_posts: int = 5,
                exact_only: bool = True) -> list[tuple[float, int, int]]:
    """(p_true, n, k) per channel-month-frame cell of one generated corpus, k counted by ``matcher``.

    ``matcher`` is a :class:`narrascope.frames.Matcher` (anything with ``frame_mask(texts)``) whose frame columns
    follow ``frames``. Only channels where the planted terms are an exact detector are kept unless ``exact_only`` is
    False; cells with fewer than ``min_posts`` text posts are skipped. Raises AssertionError if the generator's own
    post counts disagree with the texts seen (a generator bug)."""
    stream = DemoStream(config)
    texts: list[str] = []
    keys: list[tuple[str, str]] = []
    for spec, msg in stream:
        if msg.get("type") != "message":
            continue
        text = plain_text(msg.get("text", ""))
        if not text.strip():
            continue
        texts.append(text)
        keys.append((spec.channel_id, datetime.fromtimestamp(int(msg["date_unixtime"]), UTC).strftime("%Y-%m")))
    mask = matcher.frame_mask(texts)
    n: dict[tuple[str, str], int] = defaultdict(int)
    k: dict[tuple[str, str, str], int] = defaultdict(int)
    for i, key in enumerate(keys):
        n[key] += 1
        for j, f in enumerate(frames):
            k[(*key, f)] += bool(mask[i, j])
    exact = {c.channel_id for c in stream.channels if c.detector_exact or not exact_only}
    out = []
    for row in stream.cell_rows():
        key = (row["channel_id"], row["month"])
        if row["channel_id"] in exact and n[key] >= min_posts:
            assert n[key] == row["n_posts"], (key, n[key], row["n_posts"])
            out.append((row["p_true"], n[key], k[(*key, row["frame"])]))
    return out
