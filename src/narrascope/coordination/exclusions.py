"""Expected co-posting, tagged from channel attributes: aggregators, same-owner families.

A rule is either ``column=value`` — a pair is expected when *either* actor has that value (``type=aggregator``:
an aggregator reposts everyone quickly, by design) — or a bare ``column`` — a pair is expected when *both* actors
have the same non-empty value (``owner``: a family of channels cross-posts by design). Expected pairs are still
measured and tested (in a family of their own) and listed with the rule that tagged them, but never make a group.

Attributes are a polars frame with a ``channel_id`` column (and optionally ``channel``, the name) and one text column
per attribute: what ``narrascope channels set-attributes`` stores (:func:`narrascope.network.channel_attributes`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..errors import UsageError

__all__ = ["Rule", "actor_attributes", "attributes_fingerprint", "expected_labels", "parse_rules"]


@dataclass(frozen=True)
class Rule:
    column: str
    value: str | None  # None: same value on both sides

    def describe(self) -> str:
        return f"{self.column}={self.value}" if self.value is not None else f"same {self.column}"


def parse_rules(rules: Sequence[str]) -> list[Rule]:
    out = []
    for rule in rules:
        column, sep, value = rule.partition("=")
        column, value = column.strip(), value.strip()
        if not column or (sep and not value):
            raise UsageError(f"exclusion rule {rule!r}: write column=value (e.g. type=aggregator) or a column "
                             "(e.g. owner, for pairs with the same owner)")
        out.append(Rule(column, value if sep else None))
    return out


def attributes_fingerprint(attributes: pl.DataFrame | None) -> str:
    """Changes whenever the attributes do: part of the cache key of a run that uses them."""
    if attributes is None:
        return "none"
    rows = attributes.sort(attributes.columns, nulls_last=True).rows()
    return hashlib.sha256(repr((attributes.columns, rows)).encode()).hexdigest()[:16]


def actor_attributes(attributes: pl.DataFrame, actor_ids: Sequence[str],
                     labels: Sequence[str] | None = None) -> pl.DataFrame:
    """One attribute row per actor, in actor order: matched on ``channel_id``, else on the ``channel`` name (a
    Telegram HTML export's channel is stored as ``name:<title>`` until its id is known); null where none matches."""
    frame = attributes.with_columns(pl.col("channel_id").cast(pl.String))
    by_id = frame.unique("channel_id", keep="first", maintain_order=True)
    actors = pl.DataFrame({"channel_id": list(actor_ids),
                           "_name": list(labels) if labels is not None else [None] * len(actor_ids)},
                          schema={"channel_id": pl.String, "_name": pl.String})
    table = actors.join(by_id, on="channel_id", how="left", maintain_order="left")
    if "channel" in frame.columns:
        names = (frame.drop("channel_id").rename({"channel": "_name"}).drop_nulls("_name")
                 .unique("_name", keep="first", maintain_order=True))
        unmatched = table.select(pl.all().exclude("channel_id", "_name").is_null()).to_numpy().all(axis=1)
        fill = actors.join(names, on="_name", how="left", maintain_order="left")
        cols = [c for c in frame.columns if c not in ("channel_id", "channel")]
        table = table.with_columns(pl.when(pl.Series(unmatched)).then(fill[c]).otherwise(pl.col(c)).alias(c)
                                   for c in cols)
    return table.drop("_name")


def expected_labels(rules: Sequence[Rule], attributes: pl.DataFrame | None, actor_ids: Sequence[str],
                    a: np.ndarray, b: np.ndarray, labels: Sequence[str] | None = None) -> list[str | None]:
    """For each pair (actor codes ``a[k]``, ``b[k]``): the rules that tag it as expected ("; "-joined), or None."""
    if not rules:
        return [None] * int(a.size)
    if attributes is None:
        raise UsageError("--exclude-by needs channel attributes: set them with `narrascope channels set-attributes "
                         "FILE` (or pass --attributes FILE)")
    missing = sorted({r.column for r in rules if r.column not in attributes.columns})
    if missing:
        names = [c for c in attributes.columns if c not in ("channel_id", "channel", "platform")]
        raise UsageError(f"no attribute named {', '.join(missing)}: the attributes are {', '.join(names) or 'none'}")
    table = actor_attributes(attributes, actor_ids, labels)
    tags: list[list[str]] = [[] for _ in range(int(a.size))]
    for rule in rules:
        values = table[rule.column].cast(pl.String)
        if rule.value is not None:
            flag = (values.str.to_lowercase() == rule.value.lower()).fill_null(False).to_numpy()
            hit = flag[a] | flag[b]
        else:
            codes = values.rank("dense").fill_null(0).cast(pl.Int64).to_numpy()  # 0 = no value
            hit = (codes[a] == codes[b]) & (codes[a] > 0)
        for k in np.flatnonzero(hit):
            tags[k].append(rule.describe())
    return ["; ".join(x) if x else None for x in tags]
