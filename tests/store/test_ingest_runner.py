"""The merge of a spool into messages (narrascope.store.ingest_runner.merge_spool) keeps, of each message, the copy a
reference computed here keeps: the latest version (no date at all counts as the latest), the later row on a tie —
across the spool files of a file read in parts, in file order — and counts added, updated, skipped and duplicates."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from narrascope import Corpus
from narrascope.models import MESSAGE_SCHEMA, empty_record
from narrascope.store.ingest_runner import merge_spool
from narrascope.store.spool import Spool

_T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _row(rng: random.Random, n: int) -> dict[str, Any]:
    rec = empty_record()
    uid = f"u{rng.randrange(12)}"
    posted = rng.choice([None, _T0, _T0 + timedelta(days=1), datetime(1950, 1, 1, tzinfo=UTC)])
    edited = rng.choice([None, None, _T0 + timedelta(days=1), _T0 + timedelta(days=2)])
    rec.update(uid=uid, platform="telegram", channel_id="1", message_id=uid, kind="post", posted_at=posted,
               edited_at=edited, text=f"row {n}")
    return rec


def _version(rec: dict[str, Any]) -> datetime | None:
    return rec["edited_at"] or rec["posted_at"]


def _kept(rows: list[dict[str, Any]]) -> dict[str, str]:
    """uid → text of the copy kept: the largest (version, row number), a missing version the largest of all."""
    best: dict[str, tuple[bool, datetime, int]] = {}
    for n, rec in enumerate(rows):
        version = _version(rec)
        key = (version is None, version or _T0, n)
        if rec["uid"] not in best or key > best[rec["uid"]]:
            best[rec["uid"]] = key
    return {uid: rows[key[2]]["text"] for uid, key in best.items()}


@pytest.mark.parametrize("seed", range(8))
def test_the_copy_kept_is_the_references_across_spool_files(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    rows = [_row(rng, n) for n in range(60)]
    cuts = sorted(rng.sample(range(1, 60), 2))
    files, counts = [], []
    for k, (a, b) in enumerate(zip([0, *cuts], [*cuts, 60], strict=True)):
        f = tmp_path / f"part{k}.parquet"
        pq.write_table(pa.Table.from_pylist(rows[a:b], schema=MESSAGE_SCHEMA), f)
        files.append(f)
        counts.append(b - a)
    stored = list({r["uid"]: r for r in (_row(rng, 100 + n) for n in range(6))}.values())  # already stored
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        con = corpus._con
        con.register("old", pa.Table.from_pylist(stored, schema=MESSAGE_SCHEMA))
        con.execute("INSERT INTO messages SELECT * FROM old")
        got = merge_spool(con, Spool(tuple(files), tuple(counts)))
        texts = dict(con.execute("SELECT uid, text FROM messages").fetchall())
    kept = _kept(rows)
    old = {r["uid"]: r for r in stored}

    def newer(uid: str) -> bool:
        """The file's latest known version of the message is later than the stored one (as SQL compares: an
        unknown version on either side never replaces)."""
        versions = [v for r in rows if r["uid"] == uid and (v := _version(r)) is not None]
        theirs = _version(old[uid])
        return bool(versions) and theirs is not None and max(versions) > theirs

    added = [u for u in kept if u not in old]
    updated = [u for u in kept if u in old and newer(u)]
    expected = {**{u: r["text"] for u, r in old.items()}, **{u: kept[u] for u in added + updated}}
    assert texts == expected
    duplicates = len(rows) - len(kept)
    assert got == {"added": len(added), "updated": len(updated), "duplicates": duplicates,
                   "skipped": len(kept) - len(added) - len(updated) + duplicates}
