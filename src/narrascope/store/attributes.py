"""Channel attributes in the store: the user's table of channels (location, side, owner, …), in long form.

``channel_attributes`` holds one row per (channel, attribute). Rows for channels of the store carry its
``(platform, channel_id)`` and ``in_store = true``; rows of the user's table that named no stored channel are kept
with ``in_store = false`` and the identifiers as given, so that channels outside the corpus (the origin of a
forward, a mentioned channel) can carry attributes too. Resolving a user's table against the store is done by
:mod:`narrascope.network.attributes`; this module only writes and reads the rows.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb
import polars as pl

from .privacy import reidentify_channels
from .pseudonym import Pseudonymiser

__all__ = ["ATTRIBUTE_ROW_SCHEMA", "ChannelAttributeStore"]

#: What :meth:`ChannelAttributeStore.replace` takes: one row per (channel, attribute).
ATTRIBUTE_ROW_SCHEMA: dict[str, pl.DataType] = {
    "platform": pl.String(), "channel_id": pl.String(), "in_store": pl.Boolean(), "name": pl.String(),
    "entry": pl.Int32(), "key": pl.String(), "value": pl.String(), "position": pl.Int32(),
}


class ChannelAttributeStore:
    """Read and replace the stored channel attributes (used through ``Corpus.channel_attributes``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, pseudo: Pseudonymiser | None = None) -> None:
        self._con = con
        self._pseudo = pseudo

    def replace(self, rows: pl.DataFrame, source: str) -> int:
        """Make ``rows`` (columns of :data:`ATTRIBUTE_ROW_SCHEMA`) the stored attributes, in one transaction.

        A row naming a channel outside the store is the user saying that name is a channel's: forwards from it that
        were stored under a pseudonym (a Telegram Desktop export does not say whether an origin is a person) get the
        name back, as they would if that channel were ingested. Returns how many messages changed."""
        frame = rows.select([pl.col(c).cast(t) for c, t in ATTRIBUTE_ROW_SCHEMA.items()])
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM channel_attributes")
            con.register("_attribute_rows", frame.to_arrow())
            try:
                con.execute("INSERT INTO channel_attributes SELECT platform, channel_id, in_store, name, entry, key, "
                            "value, position, ?, ? FROM _attribute_rows", [source, datetime.now(UTC)])
            finally:
                con.unregister("_attribute_rows")
            changed = self._reidentify(frame)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return changed

    def _reidentify(self, frame: pl.DataFrame) -> int:
        if self._pseudo is None:
            return 0
        named = frame.filter(~pl.col("in_store") & pl.col("name").is_not_null()).select("platform", "name").unique()
        if named.is_empty():
            return 0
        platforms = [r[0] for r in self._con.execute("SELECT DISTINCT platform FROM channels").fetchall()]
        pairs = {(p, n) for p0, n in named.iter_rows() for p in ([p0] if p0 else platforms)}
        changed = reidentify_channels(self._con, self._pseudo, pairs)
        if changed:  # messages changed in place: cached results keyed on the corpus state must not be reused
            row = self._con.execute("SELECT value FROM narrascope_meta WHERE key = 'revision'").fetchone()
            self._con.execute("INSERT OR REPLACE INTO narrascope_meta VALUES ('revision', ?)",
                              [str(int(row[0]) + 1 if row else 1)])
        return changed

    def channels(self) -> pl.DataFrame:
        """The store's channels (platform, channel_id, name, type) with their message count (service rows left
        out), the identities attribute tables are resolved against."""
        return self._con.sql(
            "SELECT c.platform, c.channel_id, c.name, c.type, coalesce(m.messages, 0) AS messages FROM channels c "
            "LEFT JOIN (SELECT platform, channel_id, count(*) AS messages FROM messages WHERE kind <> 'service' "
            "GROUP BY ALL) m USING (platform, channel_id) ORDER BY c.platform, c.channel_id").pl()

    def long(self) -> pl.DataFrame:
        """Every stored row, in the user's order."""
        return self._con.sql("SELECT * FROM channel_attributes ORDER BY entry, position").pl()

    def keys(self) -> list[str]:
        """Attribute names, in the user's column order."""
        rows = self._con.execute("SELECT key FROM channel_attributes GROUP BY key ORDER BY min(position), key").fetchall()
        return [r[0] for r in rows]

    def wide(self, *, in_store: bool = True) -> pl.DataFrame:
        """One row per channel, one string column per attribute (null where the channel has no value).

        ``in_store=True``: the store's channels that have attributes (platform, channel_id, channel = the store's
        name); ``False``: the user's rows that named no stored channel (entry, channel_id and name as given)."""
        keys = self.keys()
        if in_store:
            ids = ["platform", "channel_id"]
            base = self._con.sql(
                "SELECT a.platform, a.channel_id, any_value(c.name) AS channel, a.key, any_value(a.value) AS value "
                "FROM channel_attributes a LEFT JOIN channels c USING (platform, channel_id) "
                "WHERE a.in_store GROUP BY a.platform, a.channel_id, a.key").pl()
            index = [*ids, "channel"]
        else:
            base = self._con.sql(
                "SELECT entry, any_value(channel_id) AS channel_id, any_value(name) AS name, key, any_value(value) "
                "AS value FROM channel_attributes WHERE NOT in_store GROUP BY entry, key").pl()
            index = ["entry", "channel_id", "name"]
        if base.is_empty():
            schema = {c: (pl.Int32 if c == "entry" else pl.String) for c in index}
            return pl.DataFrame(schema={**schema, **{k: pl.String for k in keys}})
        out = base.pivot(on="key", index=index, values="value")
        for k in keys:
            if k not in out.columns:
                out = out.with_columns(pl.lit(None, dtype=pl.String).alias(k))
        return out.select([*index, *keys]).sort(index[:2] if in_store else ["entry"])

    def token(self) -> str:
        """Changes whenever the stored attributes change: part of the key of results that use them."""
        rows = self._con.execute(
            "SELECT coalesce(platform, ''), coalesce(channel_id, ''), in_store, coalesce(name, ''), entry, key, "
            "coalesce(value, '') FROM channel_attributes ORDER BY ALL").fetchall()
        return hashlib.sha256(repr(rows).encode()).hexdigest()[:16] if rows else "none"
