"""The coordination cast of the demo corpus: planted coordinated groups and the decoys a naive method flags.

After the base channels come:

- three **planted coordinated groups** (:data:`GROUPS`): in each campaign event the members post the same link,
  and the same text whenever their frame draw allows it, within ``spread_s`` seconds of each other, at
  ``events_per_month`` (times the config's ``coordination`` intensity, times messages/6,000);
- an **aggregator** that reposts (forwards or copies) a share of every base channel's posts 20 s – 15 min later,
  each repost decided independently of the others;
- four **popular-hours digests** that post only between 16:30 and 16:35 UTC (20:00 in Tehran), each post carrying
  one of the day's most-read links of one big outlet — so they co-act by chance, day after day, within a minute;
- a **same-owner family**: two sister channels of خبرگزاری نگاه that cross-post a share of its posts 5–40 s later.

Every channel gets attributes for ``channels.csv`` (location inside|abroad, side, owner, type news|aggregator|
personal); the family shares one owner, the aggregator has type aggregator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .plan import ChannelSpec, _peer_id

__all__ = ["AGGREGATOR", "DIGEST_HOURS", "FAMILY", "FAMILY_SISTERS", "GROUPS", "GroupSpec", "Reposter", "cast_channels"]


@dataclass(frozen=True)
class GroupSpec:
    """A planted coordinated group: members (name, username), language, side, location, intensity, speed."""

    id: str
    members: tuple[tuple[str, str], ...]
    lang: str
    leaning: str
    location: str
    events_per_month: float
    spread_s: int  # members post within this many seconds of the event's start
    participation: float  # each member joins each event with this probability


GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("A", (("پیک آزادی", "peyk_azadi"), ("ندای مردم", "nedaye_mardom"), ("صدای خیابان", "sedaye_khiaban"),
                    ("موج نو", "moje_no")), "fa", "opposition", "inside", 6.0, 20, 0.85),
    GroupSpec("B", (("Free Iran Now", "free_iran_now"), ("Iran Truth Daily", "iran_truth_daily"),
                    ("Voices Unheard", "voices_unheard")), "en", "opposition", "abroad", 4.0, 45, 0.85),
    GroupSpec("C", (("دیده‌بان ملت", "didban_mellat"), ("فانوس خبر", "fanoos_khabar"), ("سپیده", "sepideh_news")),
              "fa", "state", "inside", 2.0, 180, 0.85),
)

@dataclass(frozen=True)
class Reposter:
    """A decoy that reposts others' posts: this share of them, ``lag_min``–``lag_max`` seconds later."""

    name: str
    username: str
    share: float
    lag_min: int
    lag_max: int


#: The aggregator: reposts this share of base posts, lags log-uniform in [lag_min, lag_max] seconds.
AGGREGATOR = Reposter("Iran News Hub", "iran_news_hub", 0.2, 20, 900)
#: The digests' posting window (UTC seconds of the day, length) and their shared outlet.
DIGEST_HOURS = (16 * 3600 + 30 * 60, 5 * 60)
DIGESTS = (("Evening Digest", "evening_digest", "en", "abroad"), ("خلاصه شب", "kholase_shab", "fa", "inside"),
           ("Nightly Roundup", "nightly_roundup", "en", "abroad"), ("گزیده عصر", "gozide_asr", "fa", "inside"))
DIGEST_SITE = "headlines.example"
DIGEST_LINK = 1.0  # share of digest posts carrying one of the day's top links
DIGEST_TOP = (0.7, 0.2, 0.1)  # how often the 1st, 2nd, 3rd most-read link of the day is the one shared
#: The same-owner family: the flagship (a base channel, by username) and its sisters, who cross-post this share of
#: its posts 5–40 s later (uniform).
FAMILY = Reposter("Negah Media Group", "negah_news", 0.3, 5, 40)
FAMILY_SISTERS = (("نگاه استان‌ها", "negah_ostanha"), ("نگاه اقتصادی", "negah_eghtesadi"))


def _spec(index: int, name: str, user: str, lang: str, leaning: str, activity: float, *, role: str, location: str,
          owner: str, channel_type: str = "news", group: str | None = None,
          hours: tuple[int, int] | None = None) -> ChannelSpec:
    return ChannelSpec(index=index, name=name, username=user, peer_id=_peer_id(user), chat_type="public_channel",
                       lang=lang, leaning=leaning, activity=activity, signers=(), detector_exact=True, export="json",
                       utc_offset="+03:30" if location == "inside" else "+00:00", site=f"{user.replace('_', '-')}.example",
                       role=role, location=location, owner=owner, channel_type=channel_type, group=group, hours=hours)


def cast_channels(base: list[ChannelSpec]) -> list[ChannelSpec]:
    """The base channels (the family's flagship re-owned) followed by the cast."""
    specs = list(base)
    flagship = next((s for s in specs if s.username == FAMILY.username), None)
    for group in GROUPS:
        for name, user in group.members:
            specs.append(_spec(len(specs), name, user, group.lang, group.leaning, 0.15, role="group",
                               location=group.location, owner=name, group=group.id))
    specs.append(_spec(len(specs), AGGREGATOR.name, AGGREGATOR.username, "mixed", "neutral", 0.1,
                       role="aggregator", location="abroad", owner=AGGREGATOR.name, channel_type="aggregator"))
    for name, user, lang, location in DIGESTS:
        specs.append(_spec(len(specs), name, user, lang, "neutral", 0.5, role="digest", location=location,
                           owner=name, hours=DIGEST_HOURS))
    if flagship is not None:
        specs[flagship.index] = replace(flagship, owner=FAMILY.name)
        for name, user in FAMILY_SISTERS:
            specs.append(_spec(len(specs), name, user, "fa", flagship.leaning, 0.2, role="family", location="inside",
                               owner=FAMILY.name))
    return specs
