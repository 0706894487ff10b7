"""Synthetic corpora for coordination tests and benchmarks, generated with numpy (millions of posts in seconds).

Independent channels post at their own times of day (uniform, or concentrated around a "popular hour"); what they
share is the day's news: each post may carry one of that day's links (popularity ∝ 1/(rank + 20), so the day's top
link carries about 1 % of its link posts with 5,000 links a day), copy one of that day's popular texts, or forward
one of that day's source posts — so channels co-act by chance on popular days, at popular
hours. Planted groups post one link and one text per event, within ``spread`` seconds of each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

T0 = 1_704_067_200  # 2024-01-01 UTC


@dataclass
class Planted:
    members: tuple[str, ...]
    events: int
    spread: int = 30
    participation: float = 1.0
    background: int = 100  # ordinary posts of each member, at uniform times (members are not campaign-only)


@dataclass
class Synthetic:
    messages: pl.DataFrame
    groups: list[Planted] = field(default_factory=list)


def synthetic_posts(n_posts: int, n_channels: int = 50, days: int = 90, seed: int = 1, *, url_share: float = 0.3,
                    text_copy_share: float = 0.15, forward_share: float = 0.1, urls_per_day: int = 200,
                    popular_share: float = 0.3, planted: list[Planted] | None = None) -> Synthetic:
    """``n_posts`` independent posts plus the planted groups' posts; columns as the store's messages table."""
    rng = np.random.default_rng(seed)
    activity = rng.pareto(1.5, n_channels) + 0.2
    channel = rng.choice(n_channels, n_posts, p=activity / activity.sum())
    day = rng.integers(0, days, n_posts)
    popular = rng.random(n_channels) < popular_share  # channels posting around 20:00 ± 20 min
    peak = np.where(popular, 72_000, rng.integers(0, 86_400, n_channels))
    spread = np.where(popular, 1_200, 30_000)
    tod = (peak[channel] + rng.normal(0, 1, n_posts) * spread[channel]).astype(np.int64) % 86_400
    t = T0 + day * 86_400 + tod
    weights = 1.0 / (np.arange(urls_per_day) + 20.0)
    zipf = rng.choice(urls_per_day, n_posts, p=weights / weights.sum())
    has_url = rng.random(n_posts) < url_share
    copy = rng.random(n_posts) < text_copy_share
    fwd = rng.random(n_posts) < forward_share
    ids = np.arange(n_posts)
    frame = pl.DataFrame({"i": ids, "c": channel, "day": day, "t": t, "z": zipf,
                          "has_url": has_url, "copy": copy, "fwd": fwd})
    frame = frame.select(
        pl.col("i").cast(pl.String).alias("uid"), pl.format("c{}", "c").alias("channel_id"),
        pl.format("Channel {}", "c").alias("channel"),
        pl.from_epoch("t", time_unit="s").dt.replace_time_zone("UTC").alias("posted_at"),
        pl.when("copy").then(pl.format("the widely shared text number {} of day {}", "z", "day"))
        .otherwise(pl.format("an ordinary post number {} written by its channel", "i")).alias("text"),
        pl.when("has_url").then(pl.concat_list(pl.format("https://news.example/{}/{}", "day", "z")))
        .otherwise(pl.lit([], dtype=pl.List(pl.String))).alias("links"),
        pl.when("fwd").then(pl.format("src{}", pl.col("z") % 20)).otherwise(None).alias("fwd_from_id"),
        pl.when("fwd").then(pl.format("{}-{}", "day", "z")).otherwise(None).alias("fwd_from_message_id"),
    )
    rows = []
    k = n_posts
    for g, group in enumerate(planted or []):
        for member in group.members:
            for _ in range(group.background):
                rows.append({"uid": str(k), "channel_id": member, "channel": f"Member {member}",
                             "posted_at": T0 + int(rng.integers(0, days * 86_400)),
                             "text": f"an ordinary post number {k} written by its channel", "links": [],
                             "fwd_from_id": None, "fwd_from_message_id": None})
                k += 1
        for e in range(group.events):
            start = T0 + int(rng.integers(0, days)) * 86_400 + int(rng.integers(0, 86_400 - group.spread))
            for member in group.members:
                if rng.random() >= group.participation:
                    continue
                rows.append({"uid": str(k), "channel_id": member, "channel": f"Member {member}",
                             "posted_at": start + int(rng.integers(0, group.spread)),
                             "text": f"planted group {g} campaign message {e} with enough words",
                             "links": [f"https://campaign{g}.example/{e}"], "fwd_from_id": None,
                             "fwd_from_message_id": None})
                k += 1
    if rows:
        extra = pl.DataFrame(rows).with_columns(
            pl.from_epoch("posted_at", time_unit="s").dt.replace_time_zone("UTC"))
        frame = pl.concat([frame, extra.select(frame.columns)], how="vertical_relaxed")
    return Synthetic(frame, list(planted or []))
