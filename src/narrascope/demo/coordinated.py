"""How the coordination cast (demo/cast.py) posts: campaigns, aggregator reposts, family cross-posts, digests.

A helper of :class:`~narrascope.demo.stream.DemoStream` (``stream.cast``), kept apart so the stream module stays about the base
corpus. Frame truth stays exact: every cast post draws its frame status before its content, a repost or a campaign
copy only happens when the draw equals the copied post's status, and otherwise the slot becomes an ordinary post —
which still carries the campaign's link, so link co-action does not depend on the draw.

Campaign posts are recorded in ``self.campaign_posts`` (truth/coordination.csv) and, when they copy the text, as
cascade members of the campaign's first post (truth/cascades.csv), so reuse truth stays complete.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import phrases
from .cast import AGGREGATOR, DIGEST_LINK, DIGEST_SITE, DIGEST_TOP, FAMILY, GROUPS, GroupSpec
from .compose import Body, mention_parts, merge_plain, render_parts
from .plan import ChannelSpec

if TYPE_CHECKING:
    from .stream import DemoStream

__all__ = ["CAMPAIGN_COLUMNS", "CampaignPost", "Cast"]

CAMPAIGN_COLUMNS = ("group", "event", "channel_id", "message_id", "posted_unixtime", "url", "text_copy")
_SITES = {"A": "nedaye-azadi.example", "B": "iran-truth-now.example", "C": "didban-news.example"}
CAMPAIGN_EVENT = 3  # heap event kind (0 month, 1 base post, 2 follower)


@dataclass(frozen=True)
class CampaignPost:
    group: str
    event: int
    channel_id: str
    message_id: int
    posted_unixtime: int
    url: str
    text_copy: bool


@dataclass
class _Campaign:
    group: GroupSpec
    event: int
    url: str
    story: Any = None  # the _Story of the first member's post
    posts: list[int] = field(default_factory=list)


class Cast:
    """Cast behaviour of one stream; uses the stream's RNG, composer, message shells, counters and heap."""

    def __init__(self, stream: DemoStream) -> None:
        self.stream = stream
        channels = stream.channels
        self.campaign_posts: list[CampaignPost] = []
        self.n_events = {g.id: 0 for g in GROUPS}
        self._members = {g.id: [s.index for s in channels if s.group == g.id] for g in GROUPS}
        self._aggregator = next((s.index for s in channels if s.role == "aggregator"), None)
        self._family = [s.index for s in channels if s.role == "family"]
        self._flagship = next((s.index for s in channels if s.username == FAMILY.username), None)
        self._scale: float = stream.config.coordination * stream.config.messages / 6000

    def base_posts(self, follow_rate: float) -> int:
        """Scheduled posts over all channels such that the base channels get what the corpus had before the cast
        existed: ``config.messages`` posts with their reuse followers (the cast's posts come on top)."""
        weights = self.stream.plan.weights
        news = sum(w for (c, _), w in weights.items() if self.stream.channels[c].role == "news") / sum(weights.values())
        return max(1, round(self.stream.config.messages / (1 + follow_rate) / news))

    # -- scheduling ----------------------------------------------------------------------------------------
    def times(self, spec: ChannelSpec, lo: int, hi: int, n: int) -> list[int]:
        """Base post times of a cast channel in [lo, hi): digests only inside their daily window."""
        rng = self.stream._rng
        if spec.hours is None:
            return sorted(rng.randrange(lo, hi) for _ in range(n))
        start, length = spec.hours
        days = max(1, (hi - lo) // 86400)
        return sorted(lo + rng.randrange(days) * 86400 + start + rng.randrange(length) for _ in range(n))

    def schedule_campaigns(self, lo: int, hi: int) -> None:
        rng = self.stream._rng
        for group in GROUPS:
            members = self._members[group.id]
            if not members or self._scale <= 0:
                continue
            rate = group.events_per_month * self._scale * (hi - lo) / (30.44 * 86400)
            n = int(rate) + (rng.random() < rate - int(rate))
            for _ in range(n):
                self.n_events[group.id] += 1
                t0 = rng.randrange(lo, hi - group.spread_s)
                campaign = _Campaign(group, self.n_events[group.id],
                                     f"https://{_SITES[group.id]}/{'fa/' if group.lang == 'fa' else ''}"
                                     f"{rng.randint(100000, 999999)}")
                joined = [c for c in members if rng.random() < group.participation]
                offsets = rng.sample(range(group.spread_s), len(joined))  # distinct seconds: no ties in time
                for c, off in zip(joined, offsets, strict=True):
                    self.stream._push(t0 + off, CAMPAIGN_EVENT, (c, campaign))

    def schedule_reposts(self, c: int, t: int, story: Any) -> None:
        """After a base post of channel ``c``: maybe an aggregator repost and family cross-posts of it."""
        rng = self.stream._rng
        spec = self.stream.channels[c]
        if spec.role != "news":
            return
        end = self.stream.plan.month_starts[-1]
        if self._aggregator is not None and rng.random() < AGGREGATOR.share:
            lo, hi = math.log(AGGREGATOR.lag_min), math.log(AGGREGATOR.lag_max)
            lag = int(math.exp(rng.uniform(lo, hi)))
            if t + lag < end:
                story.pending += 1
                self.stream._push(t + lag, 2, (self._aggregator, story, "forward" if rng.random() < 0.5 else "copy"))
        if c == self._flagship:
            for sister in self._family:
                if rng.random() < FAMILY.share:
                    lag = rng.randint(FAMILY.lag_min, FAMILY.lag_max)
                    if t + lag < end:
                        story.pending += 1
                        self.stream._push(t + lag, 2, (sister, story, "copy"))

    # -- content -------------------------------------------------------------------------------------------
    def digest_link(self, spec: ChannelSpec, body: Body, t: int) -> None:
        """A digest post often carries one of the day's most-read links of the shared outlet."""
        rng = self.stream._rng
        if spec.role != "digest" or rng.random() >= DIGEST_LINK:  # (always true at DIGEST_LINK = 1)
            return
        rank = rng.choices(range(1, len(DIGEST_TOP) + 1), weights=DIGEST_TOP)[0]
        day = datetime.fromtimestamp(t, UTC).strftime("%Y/%m/%d")
        body.link = ("link", f"https://{DIGEST_SITE}/{day}/top-{rank}")

    def campaign_post(self, c: int, t: int, campaign: _Campaign) -> Iterator[tuple[ChannelSpec, dict[str, Any]]]:
        """One member's post in a campaign event: the first poster's text (when the frame draw allows) and link."""
        from .stream import _Story

        yield from self.stream._pre_post(c, t)
        spec, rng = self.stream.channels[c], self.stream._rng
        m = self.stream._month_of(t)
        status = self.stream._draw_status(c, m)
        msg = self.stream._shell(c, t)
        story = campaign.story
        copy = story is not None and status == story.status
        if copy:
            parts = list(story.parts)
            if rng.random() < 0.2:  # the copier's own line: the text is then a near-duplicate, not identical
                line = phrases.COPY_SIGNATURE[campaign.group.lang].format(username=spec.username)
                parts = merge_plain([*parts, "\n\n", *mention_parts(line)])
            self.stream._set_text(msg, parts)
            self.stream._decorate(c, t, msg, photo=False)
            self.stream._count(c, m, msg["id"], status, status, forward=False)
            story.members.append((c, msg["id"], story.body, parts))
            self.stream._record(story, c, msg["id"], t, "copy", (story.channel, story.message_id, story.body,
                                                          story.parts), parts)
        else:
            body, detectable = self.stream._body(spec, campaign.group.lang, status, None)
            body.link = ("link" if rng.random() < 0.5 else "text_link", campaign.url)
            body.photo = False
            parts = render_parts(body)
            self.stream._set_text(msg, parts)
            self.stream._decorate(c, t, msg, photo=False)
            self.stream._count(c, m, msg["id"], status, detectable, forward=False)
            if story is None:
                campaign.story = _Story(c, msg["id"], t, body, parts, status, "campaign", 0)
        self.campaign_posts.append(CampaignPost(campaign.group.id, campaign.event, spec.channel_id, msg["id"], t,
                                                campaign.url, copy))
        yield self.stream._emit_post(c, t, msg)

    # -- truth ---------------------------------------------------------------------------------------------
    def truth(self) -> dict[str, Any]:
        """What truth.json's ``coordination`` section records: planted groups and decoys, by channel id."""
        ids = {s.index: s.channel_id for s in self.stream.channels}
        per_group: dict[str, dict[str, int]] = {g.id: {} for g in GROUPS}
        for p in self.campaign_posts:
            per_group[p.group][p.channel_id] = per_group[p.group].get(p.channel_id, 0) + 1
        groups = [{
            "id": g.id, "channel_ids": [ids[c] for c in self._members[g.id]],
            "names": [self.stream.channels[c].name for c in self._members[g.id]], "lang": g.lang, "side": g.leaning,
            "location": g.location, "events_per_month": round(g.events_per_month * self._scale, 4),
            "events": self.n_events[g.id], "spread_seconds": g.spread_s, "participation": g.participation,
            "posts": per_group[g.id],
        } for g in GROUPS if self._members[g.id]]
        decoys: list[dict[str, Any]] = []
        if self._aggregator is not None:
            decoys.append({"kind": "aggregator", "channel_ids": [ids[self._aggregator]],
                           "sources": [s.channel_id for s in self.stream.channels if s.role == "news"],
                           "share": AGGREGATOR.share, "lag_seconds": [AGGREGATOR.lag_min, AGGREGATOR.lag_max],
                           "tag": "type=aggregator"})
        digests = [s for s in self.stream.channels if s.role == "digest"]
        if digests:
            start, length = digests[0].hours or (0, 0)
            decoys.append({"kind": "popular_hours", "channel_ids": [s.channel_id for s in digests],
                           "window_utc": [f"{start // 3600:02d}:{start % 3600 // 60:02d}",
                                          f"{(start + length) // 3600:02d}:{(start + length) % 3600 // 60:02d}"],
                           "shared_site": DIGEST_SITE, "link_share": DIGEST_LINK, "tag": None})
        if self._flagship is not None and self._family:
            decoys.append({"kind": "same_owner", "channel_ids": [ids[self._flagship], *(ids[c] for c in self._family)],
                           "owner": FAMILY.name, "share": FAMILY.share,
                           "lag_seconds": [FAMILY.lag_min, FAMILY.lag_max], "tag": "owner"})
        return {"intensity": self.stream.config.coordination, "groups": groups, "decoys": decoys,
                "campaign_file": "coordination.csv",
                "note": "a planted group co-acts on campaign links (every member post) and texts (when the member's "
                        "frame draw equals the first poster's); decoys co-act by design (aggregator, same owner) "
                        "or by chance at shared popular hours, and are not coordinated groups"}
