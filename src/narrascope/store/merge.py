"""One channel exported twice: a Telegram Desktop HTML export (no chat id: filed as ``name:<title>``) and the JSON
export or a Telethon dump of the same chat (with its id) must become one channel, whatever order they come in.

- HTML after JSON: the reader's ``name:`` channel is mapped to the known id while ingesting (``Corpus._batches``).
- JSON after HTML: :func:`absorb_name_twins` runs inside the ingest's transaction, before the new rows are merged.
  A stored ``name:<title>`` channel on the same platform is taken to be the incoming channel when the names match
  and the messages both hold under the same message id are the same messages: at least one shared id, and at
  least :data:`MIN_IDENTICAL` of the shared ids with identical text. Its rows then move to the real id (their uid
  follows), so the incoming file's copies of them are recognised as already stored.
- Without shared message ids (exports of different periods) nothing proves they are one chat: ``info`` lists the
  pair, and :func:`merge_channels` (``narrascope merge-channels``) merges on request.

Every merge is recorded in ``channel_merges`` (docs/formats.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import UsageError
from ..models import make_uid

__all__ = ["MIN_IDENTICAL", "Merge", "absorb_name_twins", "merge_channels", "name_twins"]

#: share of shared message ids whose texts must be identical to take two channels for one
MIN_IDENTICAL = 0.8


@dataclass(frozen=True)
class Merge:
    platform: str
    from_id: str
    into_id: str
    moved: int
    shared: int
    how: str

    def note(self) -> str:
        return (f"channel {self.from_id!r} (an export without the chat's id) is channel {self.into_id}: its "
                f"{self.moved} message(s) merged into it ({self.shared} in both; {self.how})")


def _evidence(con: duckdb.DuckDBPyConnection, source: str, platform: str, twin: str, into_id: str) -> tuple[int, int]:
    """(shared message ids, shared ids with identical text) between stored ``twin`` and ``source`` rows of
    ``into_id`` (``source``: a relation with platform, channel_id, message_id, text)."""
    row = con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE coalesce(s.text, '') = coalesce(m.text, ''))
        FROM {source} s JOIN messages m ON m.platform = s.platform AND m.message_id = s.message_id
        WHERE s.platform = ? AND s.channel_id = ? AND m.channel_id = ?""",
        [platform, into_id, twin],
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _move(con: duckdb.DuckDBPyConnection, platform: str, from_id: str, into_id: str, how: str,
          shared: int | None = None) -> Merge:
    """Move every message of ``from_id`` to ``into_id``. Where ``into_id`` already holds the message, the stored
    one stays unless the moved one is a newer edit (the ingest rule)."""
    rows = con.execute("SELECT uid, message_id FROM messages WHERE platform = ? AND channel_id = ?",
                       [platform, from_id]).fetchall()
    mapping = pa.table({"old_uid": [r[0] for r in rows],
                        "new_uid": [make_uid(platform, into_id, r[1]) for r in rows]})
    con.register("_merge_map", mapping)
    try:
        both = con.execute(
            "SELECT count(*) FROM _merge_map x JOIN messages m ON m.uid = x.new_uid").fetchone()
        n_shared = int(both[0]) if both else 0
        # shared messages: the stored copy in into_id is replaced only by a newer edit from the moved channel
        con.execute(
            """DELETE FROM messages WHERE uid IN (
                SELECT x.new_uid FROM _merge_map x JOIN messages o ON o.uid = x.old_uid JOIN messages n ON n.uid = x.new_uid
                WHERE coalesce(o.edited_at, o.posted_at) > coalesce(n.edited_at, n.posted_at))""")
        con.execute("DELETE FROM messages WHERE uid IN (SELECT x.old_uid FROM _merge_map x JOIN messages n "
                    "ON n.uid = x.new_uid)")
        con.execute("UPDATE messages SET uid = x.new_uid, channel_id = ? FROM _merge_map x "
                    "WHERE messages.uid = x.old_uid", [into_id])
    finally:
        con.unregister("_merge_map")
    old = con.execute("SELECT name, type FROM channels WHERE platform = ? AND channel_id = ?",
                      [platform, from_id]).fetchone()
    con.execute("DELETE FROM channels WHERE platform = ? AND channel_id = ?", [platform, from_id])
    if old:
        con.execute("UPDATE channels SET name = coalesce(name, ?), type = coalesce(type, ?) "
                    "WHERE platform = ? AND channel_id = ?", [old[0], old[1], platform, into_id])
    merge = Merge(platform, from_id, into_id, len(rows), n_shared if shared is None else shared, how)
    con.execute("INSERT INTO channel_merges VALUES (?, ?, ?, ?, ?, ?, ?)",
                [datetime.now(UTC), platform, from_id, into_id, merge.moved, merge.shared, how])
    return merge


def absorb_name_twins(con: duckdb.DuckDBPyConnection, spool_sql: str,
                      channels: list[tuple[str, str, str | None]]) -> list[Merge]:
    """Before an ingest's rows (``spool_sql``: a relation of them) are merged, fold stored ``name:<title>``
    channels into the incoming channels with real ids that they prove to be. ``channels``: (platform, id, name)."""
    merges = []
    for platform, into_id, name in channels:
        if not name or into_id.startswith("name:"):
            continue
        twin = f"name:{name}"
        exists = con.execute("SELECT 1 FROM channels WHERE platform = ? AND channel_id = ?", [platform, twin]).fetchone()
        if not exists:
            continue
        shared, identical = _evidence(con, spool_sql, platform, twin, into_id)
        if shared and identical >= MIN_IDENTICAL * shared:
            merges.append(_move(con, platform, twin, into_id, f"automatic: {identical} of the {shared} message ids "
                                                              "in both exports have identical text", shared))
    return merges


def merge_channels(con: duckdb.DuckDBPyConnection, from_id: str, into_id: str, platform: str = "telegram") -> Merge:
    """Merge channel ``from_id`` into ``into_id`` on request (e.g. an HTML export of another period)."""
    ids = {r[0]: r[1] for r in con.execute(
        "SELECT channel_id, name FROM channels WHERE platform = ? AND channel_id IN (?, ?)",
        [platform, from_id, into_id]).fetchall()}
    for cid in (from_id, into_id):
        if cid not in ids:
            raise UsageError(f"no {platform} channel with id {cid!r}: `narrascope info` lists the channel ids")
    if from_id == into_id:
        raise UsageError("a channel cannot be merged into itself")
    return _move(con, platform, from_id, into_id, "on request")


def name_twins(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Stored ``name:<title>`` channels whose title is also the name of a channel with a real id, not merged (no
    shared message proved them one chat): candidates for :func:`merge_channels`."""
    rows = con.execute(
        """SELECT t.platform, t.channel_id AS name_id, r.channel_id AS id, r.name
        FROM channels t JOIN channels r ON r.platform = t.platform AND r.name = substr(t.channel_id, 6)
        WHERE t.channel_id LIKE 'name:%' AND r.channel_id NOT LIKE 'name:%' ORDER BY 1, 2, 3"""
    ).fetchall()
    return [{"platform": p, "name_id": n, "id": i, "name": name} for p, n, i, name in rows]
