"""The demo corpus plan: channels, months, true frame probabilities and posting activity.

Everything here depends only on the seed and on the channel/month counts, never on the number of messages,
so a small and a large corpus from one seed share their true frame probabilities. One channel has a clear
change point: its opposition-frame probability jumps and its activity triples in the last 12 months.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

from . import phrases
from .lexicon import FRAMES

__all__ = ["ChannelSpec", "Plan", "make_plan"]

SIGNERS = {
    "en": ("Mara Ellison", "Tobias Renner", "Leyla Arman", "Kian Larsen"),
    "fa": ("نیلوفر کاظمی", "بهرام رنجبر", "الهه نوری", "کوروش امینی"),
}

# name, username, chat type, language, leaning, activity, signers-lang, detector_exact, utc offset, site
_BASE_CHANNELS: tuple[tuple[str, str, str, str, str, float, str | None, bool, str, str], ...] = (
    ("Azadi Voice", "azadi_voice", "public_channel", "mixed", "opposition", 1.3, None, True, "+00:00", "azadi-voice.example"),
    ("Tehran Morning Ledger", "tehran_ledger", "public_channel", "en", "neutral", 1.0, "en", True, "+03:30", "morning-ledger.example"),
    ("صدای میهن", "sedaye_mihan", "public_channel", "fa", "opposition", 1.0, None, True, "+03:30", "sedaye-mihan.example"),
    ("خبرگزاری نگاه", "negah_news", "public_channel", "fa", "state", 1.5, "fa", True, "+03:30", "negah-news.example"),
    ("Persian Gulf Wire", "pg_wire", "public_channel", "en", "state", 1.2, None, True, "+00:00", "pg-wire.example"),
    ("گروه گفتگوی روزنه", "rozaneh_chat", "public_supergroup", "fa", "neutral", 0.8, None, True, "+03:30", "rozaneh.example"),
    ("Diaspora Daily", "diaspora_daily", "public_channel", "en", "opposition", 1.0, None, False, "+01:00", "diaspora-daily.example"),
    ("پیام شرق", "payam_shargh", "public_channel", "fa", "state", 1.0, None, False, "+03:30", "payam-shargh.example"),
    ("Market Pulse Iran", "market_pulse_ir", "public_channel", "en", "state", 0.8, None, True, "+00:00", "market-pulse.example"),
    ("هم‌صدا", "hamseda_tv", "public_channel", "fa", "neutral", 0.6, None, True, "+03:30", "hamseda.example"),
    ("گزارش شهر", "gozaresh_shahr", "public_channel", "fa", "neutral", 0.6, None, True, "+03:30", "gozaresh-shahr.example"),
    ("Caspian Notes", "caspian_notes", "public_channel", "en", "neutral", 0.5, None, True, "+00:00", "caspian-notes.example"),
)
CHANGE_POINT_CHANNEL = 9  # هم‌صدا
PERSONAL = {"rozaneh_chat", "caspian_notes"}  # channel type "personal" (a discussion group, a one-person blog)
HTML_PREFERENCE = (11, 10, 8, 1, 4, 2)  # channels exported as HTML, in this order
RENAMED = {4: "PG Wire"}  # channel index -> earlier title (a title-change service message)

_BASE_P = {  # leaning -> true probability per frame before drift
    "opposition": {"resistance": 0.32, "sedition": 0.03},
    "state": {"resistance": 0.04, "sedition": 0.33},
    "neutral": {"resistance": 0.07, "sedition": 0.05},
}


@dataclass(frozen=True)
class ChannelSpec:
    """One demo channel (or discussion group) and how it is exported."""

    index: int
    name: str
    username: str
    peer_id: int
    chat_type: str
    lang: str  # en, fa or mixed
    leaning: str
    activity: float
    signers: tuple[str, ...]
    detector_exact: bool
    export: str  # json or html
    utc_offset: str
    site: str
    former_name: str | None = None
    # The coordination cast (demo/cast.py) and the attributes written to channels.csv:
    role: str = "news"  # news (the base channels), group (planted coordination), aggregator, digest, family
    location: str = "inside"  # inside | abroad
    owner: str = ""
    channel_type: str = "news"  # news | aggregator | personal
    group: str | None = None  # planted coordinated group id
    hours: tuple[int, int] | None = None  # posting window: (start second of the UTC day, length in seconds)

    @property
    def channel_id(self) -> str:
        return str(self.peer_id)

    @property
    def is_group(self) -> bool:
        return self.chat_type.endswith("supergroup")

    def langs(self) -> tuple[str, ...]:
        return phrases.LANGS if self.lang == "mixed" else (self.lang,)


@dataclass(frozen=True)
class Plan:
    channels: tuple[ChannelSpec, ...]
    month_starts: tuple[int, ...]  # unix seconds, len = months + 1 (last = end)
    month_labels: tuple[str, ...]
    p_true: dict[tuple[int, int, str], float]  # (channel index, month, frame id) -> probability
    weights: dict[tuple[int, int], float]  # (channel index, month) -> relative activity
    change_points: tuple[dict[str, object], ...]


def _peer_id(username: str) -> int:
    digest = hashlib.sha256(username.encode()).digest()
    return 1_100_000_000 + int.from_bytes(digest[:4], "big") % 800_000_000


def _channels(count: int, html: int, cast: bool) -> list[ChannelSpec]:
    rows = list(_BASE_CHANNELS[:count])
    for i in range(len(rows), count):  # beyond the hand-written twelve: plain regional bulletins
        lang = "en" if i % 2 else "fa"
        rows.append(
            (f"Regional Bulletin {i + 1}", f"bulletin_{i + 1}", "public_channel", lang, "neutral", 0.6, None,
             True, "+00:00", f"bulletin-{i + 1}.example")
        )
    html_set = [i for i in HTML_PREFERENCE if i < count][:html]
    if len(html_set) < html:
        html_set += [i for i in range(count - 1, -1, -1) if i not in html_set][: html - len(html_set)]
    specs = []
    for i, (name, user, ctype, lang, leaning, act, signer_lang, exact, offset, site) in enumerate(rows):
        specs.append(
            ChannelSpec(
                index=i, name=name, username=user, peer_id=_peer_id(user), chat_type=ctype, lang=lang,
                leaning=leaning, activity=act, signers=SIGNERS[signer_lang] if signer_lang else (),
                detector_exact=exact, export="html" if i in html_set else "json", utc_offset=offset, site=site,
                former_name=RENAMED.get(i), location="inside" if offset == "+03:30" else "abroad", owner=name,
                channel_type="personal" if user in PERSONAL else "news",
            )
        )
    if cast:
        from .cast import cast_channels

        specs = cast_channels(specs)
    return specs


def _months(start: str, months: int) -> tuple[tuple[int, ...], tuple[str, ...]]:
    d = date.fromisoformat(start)
    if d.day != 1:
        raise ValueError(f"demo start {start!r} must be the first day of a month")
    starts, labels = [], []
    y, m = d.year, d.month
    for _ in range(months + 1):
        starts.append(calendar.timegm(datetime(y, m, 1, tzinfo=UTC).timetuple()))
        labels.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(starts), tuple(labels[:-1])


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def make_plan(seed: int, channels: int, months: int, start: str, html_channels: int, cast: bool = True) -> Plan:
    """The plan for a seed; independent of the message count. ``cast`` adds the coordination cast after the
    ``channels`` base channels (demo/cast.py)."""
    rng = random.Random(f"narrascope-demo-plan-{seed}")
    specs = _channels(channels, html_channels, cast)
    month_starts, labels = _months(start, months)
    late = max(0, months - 12)  # first month of "the last 12 months"
    wave = months // 2  # a common burst of framing in two middle months
    p_true: dict[tuple[int, int, str], float] = {}
    weights: dict[tuple[int, int], float] = {}
    change_points: list[dict[str, object]] = []
    for spec in specs:
        for frame in FRAMES:
            base = _logit(_BASE_P[spec.leaning][frame.id]) + rng.gauss(0, 0.35)
            slope = rng.gauss(0, 0.5)
            walk = 0.0
            for m in range(months):
                walk = 0.6 * walk + rng.gauss(0, 0.15)
                x = base + slope * (m / max(1, months - 1)) + walk
                if m in (wave, wave + 1) and spec.leaning != "neutral":
                    x += 0.7
                p = min(0.8, max(0.01, _expit(x)))
                if spec.index == CHANGE_POINT_CHANNEL and frame.id == "resistance":
                    p = 0.04 if m < late else 0.42
                p_true[(spec.index, m, frame.id)] = round(p, 4)
        for m in range(months):
            w = spec.activity * (1 + 0.02 * m) * math.exp(rng.gauss(0, 0.12))
            if spec.index == CHANGE_POINT_CHANNEL and m >= late:
                w *= 3
            weights[(spec.index, m)] = w
        if spec.index == CHANGE_POINT_CHANNEL and late > 0:
            change_points.append(
                {"channel_id": spec.channel_id, "channel": spec.name, "frame": "resistance",
                 "month": labels[late], "p_before": 0.04, "p_after": 0.42, "activity_factor_after": 3.0}
            )
    return Plan(tuple(specs), month_starts, labels, p_true, weights, tuple(change_points))


def allocate(total: int, weights: dict[tuple[int, int], float]) -> dict[tuple[int, int], int]:
    """Split ``total`` over cells proportionally to ``weights`` (largest remainder; exact sum)."""
    keys = sorted(weights)
    wsum = sum(weights[k] for k in keys)
    raw = {k: total * weights[k] / wsum for k in keys}
    counts = {k: int(raw[k]) for k in keys}
    rest = total - sum(counts.values())
    for k in sorted(keys, key=lambda k: (counts[k] - raw[k], k))[:rest]:
        counts[k] += 1
    return counts
