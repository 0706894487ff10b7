"""Which names in a record are people's, and their pseudonyms.

Channel names are public broadcasters and stay; individuals are pseudonymised by default (``--keep-authors`` opts
out) wherever they land: the author, a forward's origin when it is a person, and mentions of people by display name.

Readers say what they know (:data:`~narrascope.models.FWD_KIND`, :data:`~narrascope.models.PERSON_MENTIONS`); where a
format does not say whether a forward came from a person or a channel (Telegram Desktop JSON and HTML, 4CAT CSV,
plain tables), the origin is kept only when it names a channel the store or the file being read knows, and is
pseudonymised otherwise — the cautious choice, since the name may be a person's. When that channel is ingested later,
:func:`reidentify_channels` puts its name back on the forwards that carried its pseudonym, so the result does not
depend on the order of ingests. docs/formats.md ("Privacy") lists each format's rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb

from ..models import FWD_KIND, PERSON_MENTIONS
from .pseudonym import Pseudonymiser

__all__ = ["PERSONAL_CHAT_TYPES", "protect_record", "reidentify_channels"]

#: Chat types whose name is a person's (the other side of a one-to-one chat): never evidence that a name is a channel.
PERSONAL_CHAT_TYPES = frozenset({"personal_chat"})


def protect_record(rec: dict[str, Any], pseudo: Pseudonymiser, channel_names: set[tuple[str, str]]) -> None:
    """Pseudonymise the people named in ``rec`` (in place) and drop the readers' private hints."""
    platform = rec["platform"]
    rec["author"] = pseudo(platform, rec.get("author"))
    kind = rec.pop(FWD_KIND, None)
    name = rec.get("fwd_from_name")
    if name and (kind == "user" or (kind != "channel" and (platform, name) not in channel_names)):
        rec["fwd_from_name"] = pseudo(platform, name)
    people = rec.pop(PERSON_MENTIONS, None)
    if people:
        rec["mentions"] = [pseudo(platform, m) or m if m in people else m for m in rec.get("mentions") or []]


def reidentify_channels(con: duckdb.DuckDBPyConnection, pseudo: Pseudonymiser,
                        channels: Iterable[tuple[str, str]]) -> int:
    """Forwards stored under the pseudonym of a name that turns out to be a channel's get the channel's name back.
    ``channels``: (platform, name) of channels just ingested. Returns how many messages changed."""
    pairs = {(p, n) for p, n in channels if n}
    mapping = [(p, pseudo.pseudonym(p, n), n) for p, n in sorted(pairs)]
    mapping = [(p, ps, n) for p, ps, n in mapping if ps != n]
    if not mapping:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE _reidentify (platform VARCHAR, pseudonym VARCHAR, name VARCHAR)")
    con.executemany("INSERT INTO _reidentify VALUES (?, ?, ?)", mapping)
    row = con.execute(
        "SELECT count(*) FROM messages m JOIN _reidentify r ON m.platform = r.platform "
        "AND m.fwd_from_name = r.pseudonym"
    ).fetchone()
    changed = int(row[0]) if row else 0
    if changed:
        con.execute(
            "UPDATE messages SET fwd_from_name = r.name FROM _reidentify r "
            "WHERE messages.platform = r.platform AND messages.fwd_from_name = r.pseudonym"
        )
    con.execute("DROP TABLE _reidentify")
    return changed
