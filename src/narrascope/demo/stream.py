"""The demo corpus as a stream of Desktop-JSON message dicts, in time order, with exact ground truth.

How frame truth stays exact: every text post draws, per frame, "carries F" ~ Bernoulli(p_true of its
channel-month) *before* its content is chosen; the content then follows the draw. A scheduled reuse of a
story (forward, copy, rewrite) only happens when the post's draw equals the story's frame status, otherwise
the slot becomes an ordinary post. So carrying indicators are i.i.d. Bernoulli(p) within each cell, and
(outside channels flagged ``detector_exact: false``) a post contains a listed term exactly when it carries.

Memory is bounded: one month of scheduled posts and the stories whose reuse window is still open.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ..errors import UsageError
from . import phrases
from .compose import Body, Composer, mention_parts, merge_plain, parts_text, render_parts
from .coordinated import CAMPAIGN_EVENT, Cast
from .lexicon import FRAMES
from .plan import ChannelSpec, Plan, allocate, make_plan

__all__ = ["CascadeMember", "CellTruth", "DemoStream", "HardCase", "iter_posts", "shingle_jaccard"]

FILE_NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
FRAME_IDS = tuple(f.id for f in FRAMES)
_FRAMES = {f.id: f for f in FRAMES}

# Rates (per text post unless stated).
MEDIA_ONLY = 0.04
ORIGIN = 0.07
FOLLOWERS = (1, 1, 2, 2, 3, 3, 4, 5)
RELATIONS = (("forward", 0.45), ("copy", 0.30), ("rewrite", 0.25))
# The planted cross-location pattern: a story from an abroad channel reaching an inside channel is forwarded (rather
# than copied or rewritten) with this probability; any other (origin, target) location pair keeps RELATIONS' 0.45.
FORWARD_ABROAD_TO_INSIDE = 0.75
LAG_MIN, LAG_MAX = 120.0, 4 * 86400.0
CO_IN_CARRYING, CO_IN_OTHER = 0.85, 0.02
PARAPHRASE, DECOY = 0.2, 0.05  # hard cases, only in detector_exact=false channels
# Expected follower slots per scheduled post, used to size the base schedule so the total is close to N.
_FOLLOW_RATE = (1 - MEDIA_ONLY) * ORIGIN * sum(FOLLOWERS) / len(FOLLOWERS)


@dataclass
class CellTruth:
    """Realised counts of one (channel, month, frame) cell."""

    p_true: float
    n_posts: int = 0
    n_carrying: int = 0
    n_detectable: int = 0  # posts containing a listed term (differs from n_carrying only in hard channels)
    n_forwards: int = 0
    n_forwards_carrying: int = 0


@dataclass(frozen=True)
class CascadeMember:
    cascade_id: int
    channel_id: str
    message_id: int
    relation: str  # origin, forward, copy, rewrite
    parent_channel_id: str | None
    parent_message_id: int | None
    posted_unixtime: int
    lag_seconds: int
    jaccard5_to_parent: float | None


@dataclass(frozen=True)
class HardCase:
    """A post where a lexicon is wrong by design: a decoy (term, no frame) or a paraphrase (frame, no term)."""

    channel_id: str
    message_id: int
    frame: str
    kind: str  # decoy or paraphrase


@dataclass(frozen=True)
class FramePost:
    """A post that truly carries a frame (the per-message truth behind the cells' ``n_carrying``)."""

    channel_id: str
    message_id: int
    frame: str


@dataclass
class _Story:
    channel: int
    message_id: int
    t0: int
    body: Body
    parts: list[Any]
    status: tuple[bool, ...]
    kind: str
    pending: int
    cascade_id: int | None = None
    members: list[tuple[int, int, Body, list[Any]]] = field(default_factory=list)  # copies and rewrites


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    tokens = text.lower().split()
    return {tuple(tokens[i : i + k]) for i in range(max(1, len(tokens) - k + 1))}


def shingle_jaccard(a: str, b: str, k: int = 5) -> float:
    """Jaccard similarity of two texts' word k-gram sets (whitespace tokens, lower-cased)."""
    sa, sb = _shingles(a, k), _shingles(b, k)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def _validate(config: Any) -> None:
    problems = []
    if config.messages < 1:
        problems.append(f"messages must be at least 1 (got {config.messages})")
    if not 2 <= config.channels <= 200:
        problems.append(f"channels must be between 2 and 200 (got {config.channels})")
    if not 1 <= config.months <= 240:
        problems.append(f"months must be between 1 and 240 (got {config.months})")
    if getattr(config, "coordination", 0) < 0:
        problems.append(f"coordination intensity must be 0 or more (got {config.coordination})")
    if not 0 <= config.html_channels <= config.channels:
        problems.append(f"html_channels must be between 0 and channels (got {config.html_channels})")
    try:
        ok = date.fromisoformat(config.start).day == 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        problems.append(f"start must be the first day of a month as YYYY-MM-01 (got {config.start!r})")
    if problems:
        raise UsageError("demo config: " + "; ".join(problems))


def _tz(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


class DemoStream:
    """Iterate to get ``(ChannelSpec, message dict)`` in time order; read ``frame_cells``/``cascades`` after.

    ``cascade_sink`` receives each :class:`CascadeMember` as it is decided; without one they are kept in
    ``self.cascades`` (fine for small corpora, use a sink for millions of messages).
    """

    def __init__(
        self,
        config: Any,
        cascade_sink: Callable[[CascadeMember], None] | None = None,
        hard_case_sink: Callable[[HardCase], None] | None = None,
        frame_post_sink: Callable[[FramePost], None] | None = None,
    ) -> None:
        _validate(config)
        self.config = config
        self.plan: Plan = make_plan(config.seed, config.channels, config.months, config.start, config.html_channels,
                                    cast=getattr(config, "cast", True))
        self.channels: tuple[ChannelSpec, ...] = self.plan.channels
        self.cascades: list[CascadeMember] = []
        self._sink = cascade_sink or self.cascades.append
        self.hard_cases: list[HardCase] = []
        self._hard_sink = hard_case_sink or self.hard_cases.append
        self._frame_post_sink = frame_post_sink
        self.frame_cells: dict[tuple[int, int, str], CellTruth] = {
            key: CellTruth(p) for key, p in self.plan.p_true.items()
        }
        self.n_messages = 0
        self.n_service = 0
        self.n_cascades = 0
        self._rng = random.Random(f"narrascope-demo-{config.seed}")
        self._composer = Composer(self._rng)
        self._tzs = [_tz(c.utc_offset) for c in self.channels]
        self.cast = Cast(self)
        self._counts = allocate(self.cast.base_posts(_FOLLOW_RATE), self.plan.weights)
        self._next_id = [1] * len(self.channels)
        self._recent: list[deque[int]] = [deque(maxlen=30) for _ in self.channels]  # recent post ids, for replies and pins
        self._renamed = [c.former_name is None for c in self.channels]
        self._heap: list[tuple[int, int, int, Any]] = []
        self._seq = 0
        self._user_ids = {name: 500_000_000 + 7919 * i for i, name in enumerate(phrases.GROUP_MEMBERS)}
        self._joined: list[str] = []

    # -- scheduling --------------------------------------------------------------------------------------------
    def _push(self, t: int, kind: int, payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, kind, payload))

    def _schedule_month(self, m: int) -> None:
        lo, hi = self.plan.month_starts[m], self.plan.month_starts[m + 1]
        for c in range(len(self.channels)):
            for t in self.cast.times(self.channels[c], lo, hi, self._counts[(c, m)]):
                self._push(t, 1, c)
        self.cast.schedule_campaigns(lo, hi)
        if m + 1 < len(self.plan.month_labels):
            self._push(hi, 0, m + 1)

    def _month_of(self, t: int) -> int:
        return bisect_right(self.plan.month_starts, t) - 1

    # -- message shells ----------------------------------------------------------------------------------------
    def _shell(self, c: int, t: int, kind: str = "message") -> dict[str, Any]:
        spec = self.channels[c]
        mid = self._next_id[c]
        self._next_id[c] += 1
        local = datetime.fromtimestamp(t, self._tzs[c]).replace(tzinfo=None)
        return {"id": mid, "type": kind, "date": local.isoformat(), "date_unixtime": str(t)} | (
            {} if kind == "service" else self._sender(spec)
        )

    def _sender(self, spec: ChannelSpec) -> dict[str, Any]:
        if spec.is_group:
            who = self._rng.choice(self._joined or list(phrases.GROUP_MEMBERS[:3]))
            return {"from": who, "from_id": f"user{self._user_ids[who]}"}
        out: dict[str, Any] = {"from": spec.name, "from_id": f"channel{spec.peer_id}"}
        if spec.signers:
            out["author"] = self._rng.choice(spec.signers)
        return out

    def _service(self, c: int, t: int, action: str, **extra: Any) -> tuple[ChannelSpec, dict[str, Any]]:
        spec = self.channels[c]
        msg = self._shell(c, t, "service")
        actor = extra.pop("actor", spec.name)
        actor_id = extra.pop("actor_id", f"channel{spec.peer_id}")
        msg.update({"actor": actor, "actor_id": actor_id, "action": action, **extra, "text": "", "text_entities": []})
        self.n_service += 1
        return spec, msg

    @staticmethod
    def _set_text(msg: dict[str, Any], parts: list[Any]) -> None:
        if len(parts) == 1 and isinstance(parts[0], str):
            msg["text"] = parts[0]
        else:
            msg["text"] = [dict(p) if isinstance(p, dict) else p for p in parts]
        msg["text_entities"] = [
            {"type": "plain", "text": p} if isinstance(p, str) else dict(p) for p in parts
        ]

    def _decorate(self, c: int, t: int, msg: dict[str, Any], photo: bool) -> None:
        rng = self._rng
        if photo:
            msg["photo"] = FILE_NOT_INCLUDED
            msg["width"], msg["height"] = rng.choice(((1280, 720), (800, 800), (1080, 1350), (640, 480)))
        if rng.random() < 0.03:
            edit = t + rng.randint(60, 7200)
            msg["edited"] = datetime.fromtimestamp(edit, self._tzs[c]).replace(tzinfo=None).isoformat()
            msg["edited_unixtime"] = str(edit)
        if self._recent[c] and rng.random() < 0.04:
            msg["reply_to_message_id"] = rng.choice(self._recent[c])
        if rng.random() < 0.3:
            emojis = rng.sample(phrases.REACTION_EMOJI, rng.randint(1, 3))
            msg["reactions"] = [{"type": "emoji", "count": rng.randint(1, 400), "emoji": e} for e in emojis]

    def _order(self, msg: dict[str, Any]) -> dict[str, Any]:
        # Desktop's key order: edits right after the date, reactions at the end.
        head = ("id", "type", "date", "date_unixtime", "edited", "edited_unixtime", "from", "from_id", "author",
                "forwarded_from", "reply_to_message_id", "photo", "width", "height", "text", "text_entities")
        out = {k: msg[k] for k in head if k in msg}
        out.update((k, v) for k, v in msg.items() if k not in out)
        return out

    # -- bodies ------------------------------------------------------------------------------------------------
    def _draw_status(self, c: int, m: int) -> tuple[bool, ...]:
        return tuple(self._rng.random() < self.plan.p_true[(c, m, f)] for f in FRAME_IDS)

    def _lang(self, spec: ChannelSpec) -> str:
        if spec.lang == "mixed":
            return "fa" if self._rng.random() < 0.6 else "en"
        return spec.lang

    def _body(self, spec: ChannelSpec, lang: str, status: tuple[bool, ...], story: str | None,
              hard_out: list[tuple[str, str]] | None = None) -> tuple[Body, tuple[bool, ...]]:
        """A post body and, per frame, whether it contains a listed term (detectable).

        Hard cases planted in the body are appended to ``hard_out`` as (frame id, "paraphrase" | "decoy").
        """
        rng, comp = self._rng, self._composer
        hard = not spec.detector_exact and story is None
        count = rng.randint(5, 8) if story == "article" else rng.randint(3, 5)
        sentences = comp.filler_sentences(lang, count)
        detectable = []
        body_kicker: str | None = None
        for fid, carries in zip(FRAME_IDS, status, strict=True):
            frame = _FRAMES[fid]
            found = False
            if carries:
                if hard and rng.random() < PARAPHRASE:
                    sentences.insert(rng.randint(0, len(sentences)), (comp.paraphrase(fid, lang), True))
                    if hard_out is not None:
                        hard_out.append((fid, "paraphrase"))
                else:
                    for _ in range(2 if rng.random() < 0.15 else 1):
                        sentences.insert(rng.randint(0, len(sentences)), (comp.frame_sentence(fid, lang), True))
                    found = True
            elif hard and rng.random() < DECOY:
                sentences.insert(rng.randint(0, len(sentences)), (comp.decoy(fid, lang), True))
                found = True
                if hard_out is not None:
                    hard_out.append((fid, "decoy"))
            if rng.random() < (CO_IN_CARRYING if carries else CO_IN_OTHER):
                if body_kicker is None and rng.random() < 0.85:
                    body_kicker = comp.kicker(frame, lang)
                else:
                    sentences.insert(rng.randint(0, len(sentences)), (comp.co_sentence(frame, lang), False))
            detectable.append(found)
        body = Body(lang=lang, sentences=sentences, kicker=body_kicker)
        if story == "article":
            body.title = comp.headline(lang)
            body.dateline = comp.dateline(lang)
            body.paragraph_breaks = tuple(range(2, len(sentences), rng.choice((2, 3))))
        self._extras(spec, body)
        return body, tuple(detectable)

    def _extras(self, spec: ChannelSpec, body: Body) -> None:
        rng = self._rng
        lang = body.lang
        if rng.random() < 0.3:
            tags = rng.sample(phrases.TOPIC_TAGS[lang], rng.randint(1, 2))
            city = rng.choice(phrases.SLOTS[lang]["city"]).replace(" ", "_")
            body.tags = (*tags, "#" + city)
        if rng.random() < 0.25:
            url = f"https://{spec.site}/{'news' if lang == 'en' else 'fa/news'}/{rng.randint(10000, 999999)}"
            body.link = ("text_link" if rng.random() < 0.5 else "link", url)
        if not spec.is_group and rng.random() < 0.6:
            body.boilerplate = rng.choice(phrases.BOILERPLATE[lang]).format(username=spec.username)
        body.photo = rng.random() < 0.08

    # -- truth -------------------------------------------------------------------------------------------------
    def _record_hard(self, c: int, message_id: int, hard: list[tuple[str, str]]) -> None:
        for fid, kind in hard:
            self._hard_sink(HardCase(self.channels[c].channel_id, message_id, fid, kind))

    def _count(self, c: int, m: int, mid: int, status: tuple[bool, ...], detectable: tuple[bool, ...],
               forward: bool) -> None:
        for fid, carries, found in zip(FRAME_IDS, status, detectable, strict=True):
            if carries and self._frame_post_sink is not None:
                self._frame_post_sink(FramePost(self.channels[c].channel_id, mid, fid))
            cell = self.frame_cells[(c, m, fid)]
            cell.n_posts += 1
            cell.n_carrying += carries
            cell.n_detectable += found
            if forward:
                cell.n_forwards += 1
                cell.n_forwards_carrying += carries

    # -- events ------------------------------------------------------------------------------------------------
    def _pre_post(self, c: int, t: int) -> Iterator[tuple[ChannelSpec, dict[str, Any]]]:
        spec, rng = self.channels[c], self._rng
        if self._next_id[c] == 1:
            yield self._service(c, t, "create_channel", title=spec.former_name or spec.name)
            if spec.is_group:
                self._joined.extend(phrases.GROUP_MEMBERS[:3])
        if not self._renamed[c] and self._month_of(t) >= 2:
            self._renamed[c] = True
            yield self._service(c, t, "edit_group_title", title=spec.name)
            yield self._service(c, t, "edit_group_photo", photo=FILE_NOT_INCLUDED, width=640, height=640)
        if spec.is_group and len(self._joined) < len(phrases.GROUP_MEMBERS) and rng.random() < 0.05:
            who = phrases.GROUP_MEMBERS[len(self._joined)]
            self._joined.append(who)
            yield self._service(c, t, "join_group_by_link", actor=who, actor_id=f"user{self._user_ids[who]}",
                                inviter="Group")

    def _emit_post(self, c: int, t: int, msg: dict[str, Any]) -> tuple[ChannelSpec, dict[str, Any]]:
        self.n_messages += 1
        self._recent[c].append(msg["id"])
        return self.channels[c], self._order(msg)

    def _base(self, c: int, t: int) -> Iterator[tuple[ChannelSpec, dict[str, Any]]]:
        yield from self._pre_post(c, t)
        spec, rng = self.channels[c], self._rng
        m = self._month_of(t)
        msg = self._shell(c, t)
        if rng.random() < MEDIA_ONLY:
            self._set_text(msg, [])
            msg["text"] = ""
            self._decorate(c, t, msg, photo=True)
            yield self._emit_post(c, t, msg)
            return
        status = self._draw_status(c, m)
        origin = rng.random() < ORIGIN and spec.role == "news"
        kind = ("article" if rng.random() < 0.5 else "post") if origin else None
        hard: list[tuple[str, str]] = []
        body, detectable = self._body(spec, self._lang(spec), status, kind, hard)
        self.cast.digest_link(spec, body, t)
        self._record_hard(c, msg["id"], hard)
        parts = render_parts(body)
        self._set_text(msg, parts)
        self._decorate(c, t, msg, photo=body.photo)
        self._count(c, m, msg["id"], status, detectable, forward=False)
        story = _Story(c, msg["id"], t, body, parts, status, kind or "post", 0)
        if origin:
            self._schedule_followers(story)
        if not hard:  # a repost of a planted hard case would break the exact-detector truth of the reposter
            self.cast.schedule_reposts(c, t, story)
        yield self._emit_post(c, t, msg)
        if rng.random() < 0.01 and self._recent[c]:
            yield self._service(c, t, "pin_message", message_id=rng.choice(self._recent[c]))

    def _schedule_followers(self, story: _Story) -> None:
        rng = self._rng
        lang = story.body.lang
        options = [s.index for s in self.channels
                   if s.index != story.channel and lang in s.langs() and s.role == "news"]
        k = min(len(options), rng.choice(FOLLOWERS))
        end = self.plan.month_starts[-1]
        origin_abroad = self.channels[story.channel].location == "abroad"
        for target in rng.sample(options, k):
            lag = max(int(LAG_MIN), int(math.exp(rng.uniform(math.log(LAG_MIN), math.log(LAG_MAX)))))
            r = rng.random()
            p_fwd = RELATIONS[0][1]
            if origin_abroad and self.channels[target].location == "inside":
                p_fwd = FORWARD_ABROAD_TO_INSIDE
            p_copy = (1 - p_fwd) * RELATIONS[1][1] / (RELATIONS[1][1] + RELATIONS[2][1])
            relation = "forward" if r < p_fwd else "copy" if r < p_fwd + p_copy else "rewrite"
            if story.t0 + lag < end:
                story.pending += 1
                self._push(story.t0 + lag, 2, (target, story, relation))

    def _follow(self, c: int, t: int, story: _Story, relation: str) -> Iterator[tuple[ChannelSpec, dict[str, Any]]]:
        yield from self._pre_post(c, t)
        spec, rng = self.channels[c], self._rng
        m = self._month_of(t)
        story.pending -= 1
        status = self._draw_status(c, m)
        msg = self._shell(c, t)
        if status != story.status:  # the draw decides content: this slot becomes an ordinary post
            lang = story.body.lang if story.body.lang in spec.langs() else self._lang(spec)
            hard: list[tuple[str, str]] = []
            body, detectable = self._body(spec, lang, status, None, hard)
            self._record_hard(c, msg["id"], hard)
            self._set_text(msg, render_parts(body))
            self._decorate(c, t, msg, photo=body.photo)
            self._count(c, m, msg["id"], status, detectable, forward=False)
            yield self._emit_post(c, t, msg)
            return
        origin_spec = self.channels[story.channel]
        parent = (story.channel, story.message_id, story.body, story.parts)
        reposter = spec.role != "news"  # aggregator or family: repost the story's own post, nearly verbatim
        if relation != "forward" and story.members and not reposter and rng.random() < 0.3:
            parent = rng.choice(story.members)
        if relation == "forward":
            parts, body = story.parts, story.body
            msg["forwarded_from"] = origin_spec.name
            if spec.export == "html":  # not a Desktop JSON key: lets the HTML writer show the original time
                msg["forwarded_date_unixtime"] = str(story.t0)
            msg.pop("author", None)
        elif relation == "copy":
            body = parent[2]
            parts = list(parent[3])
            if not spec.is_group and rng.random() < (0.2 if reposter else 0.5):  # verbatim text plus own line
                line = phrases.COPY_SIGNATURE[body.lang].format(username=spec.username)
                parts = merge_plain([*parts, "\n\n", *mention_parts(line)])
        else:
            body = self._composer.rewrite(parent[2], body_lang := parent[2].lang)
            if not spec.is_group and rng.random() < 0.7:
                body.boilerplate = rng.choice(phrases.BOILERPLATE[body_lang]).format(username=spec.username)
            parts = render_parts(body)
        self._set_text(msg, parts)
        self._decorate(c, t, msg, photo=body.photo)
        self._count(c, m, msg["id"], status, status, forward=relation == "forward")
        if relation != "forward":
            story.members.append((c, msg["id"], body, parts))
        self._record(story, c, msg["id"], t, relation, parent, parts)
        yield self._emit_post(c, t, msg)

    def _record(self, story: _Story, c: int, mid: int, t: int, relation: str,
                parent: tuple[int, int, Body, list[Any]], parts: list[Any]) -> None:
        if story.cascade_id is None:
            self.n_cascades += 1
            story.cascade_id = self.n_cascades
            self._sink(CascadeMember(story.cascade_id, self.channels[story.channel].channel_id, story.message_id,
                                     "origin", None, None, story.t0, 0, None))
        jac = 1.0 if parts is parent[3] else round(shingle_jaccard(parts_text(parts), parts_text(parent[3])), 4)
        self._sink(CascadeMember(story.cascade_id, self.channels[c].channel_id, mid, relation,
                                 self.channels[parent[0]].channel_id, parent[1], t, t - story.t0, jac))

    # -- iteration ---------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[tuple[ChannelSpec, dict[str, Any]]]:
        self._schedule_month(0)
        while self._heap:
            t, _, kind, payload = heapq.heappop(self._heap)
            if kind == 0:
                self._schedule_month(payload)
            elif kind == 1:
                yield from self._base(payload, t)
            elif kind == CAMPAIGN_EVENT:
                yield from self.cast.campaign_post(payload[0], t, payload[1])
            else:
                target, story, relation = payload
                yield from self._follow(target, t, story, relation)

    def cell_rows(self) -> list[dict[str, Any]]:
        """Frame truth per (channel, month, frame) as plain rows, as truth.json's ``frame_cells`` holds them."""
        rows = []
        for (c, m, fid), cell in self.frame_cells.items():
            spec = self.channels[c]
            rows.append({
                "channel_id": spec.channel_id, "channel": spec.name, "month": self.plan.month_labels[m],
                "frame": fid, "p_true": cell.p_true, "n_posts": cell.n_posts, "n_carrying": cell.n_carrying,
                "n_detectable": cell.n_detectable, "n_forwards": cell.n_forwards,
                "n_forwards_carrying": cell.n_forwards_carrying, "detector_exact": spec.detector_exact,
            })
        return rows

    def message_counts(self) -> dict[str, int]:
        return {"messages": self.n_messages, "service": self.n_service, "cascades": self.n_cascades}


def iter_posts(config: Any) -> Iterator[tuple[ChannelSpec, dict[str, Any]]]:
    """Every message of the demo corpus as ``(channel, Desktop message dict)``, in time order."""
    return iter(DemoStream(config))


