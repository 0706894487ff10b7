"""Human coding of validation samples inside the store: samples, their items, coders' labels, adjudications.

Tables (migration 3; a public contract like every store table, see docs/formats.md):

- ``coding_lexicons``: lexicons the web interface was given (source text, keyed by content hash);
- ``coding_samples`` / ``coding_items``: a sample drawn as ``narrascope validate sample`` draws it; items carry
  exactly the sample file's columns (:data:`~narrascope.validate.coded.SAMPLE_COLUMNS`), so a coder's labels
  export to the same CSV the CLI scores;
- ``coding_labels``: each coder's current label per item (``1``, ``0`` or ``?``) and note; ``coding_events`` the
  append-only history of every decision (label, note, undo, import);
- ``coding_adjudications``: the label an adjudicator settled on where coders disagreed.

Every decision is one transaction, committed before the function returns: what the server acknowledged is on disk
(DuckDB writes the commit to its write-ahead log first), so a crash or a closed tab loses nothing.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import duckdb
import polars as pl

from ..errors import UsageError
from .corpus import Corpus

__all__ = [
    "ITEM_COLUMNS",
    "LABELS",
    "add_lexicon",
    "adjudications",
    "create_sample",
    "get_lexicon",
    "get_sample",
    "import_labels",
    "items",
    "labels",
    "lexicons",
    "samples",
    "set_adjudication",
    "set_label",
    "undo_last",
    "version",
]

#: The labels a coder can give: carries the frame, does not, unsure.
LABELS = ("1", "0", "?")
#: Item columns, in the sample file's order (validate.coded.SAMPLE_COLUMNS without the coder's three).
ITEM_COLUMNS = ("sample_id", "text", "channel", "posted_at", "link", "matched_terms", "dictionary", "frame",
                "stratum", "stratum_size", "stratum_sampled", "inclusion_probability", "uid", "lexicon", "check")
MAX_NAME = 80
MAX_NOTE = 2000


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(query, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def clean_name(value: str, what: str = "name") -> str:
    """A coder's or sample's name: trimmed, control characters removed, at most 80 characters, not empty."""
    text = "".join(ch for ch in str(value) if ch.isprintable()).strip()[:MAX_NAME]
    if not text:
        raise UsageError(f"the {what} is empty: type a name (no account is needed, any name will do)")
    return text


def _check_label(label: str) -> str:
    if label not in LABELS:
        raise UsageError(f"label {label!r} is not one of 1 (carries the frame), 0 (does not) or ? (unsure)")
    return label


# ---------------------------------------------------------------------------------------------------- lexicons
def add_lexicon(corpus: Corpus, *, lexicon_hash: str, name: str, filename: str | None, fmt: str,
                source: str) -> None:
    """Keep a lexicon's source (YAML or .dic text) under its content hash; a known hash is left as it was."""
    con = corpus.connection
    with _transaction(con):
        con.execute("INSERT INTO coding_lexicons VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [lexicon_hash, clean_name(name, "lexicon name"), filename, fmt, source, _now()])


def lexicons(corpus: Corpus) -> list[dict[str, Any]]:
    """Stored lexicons, newest first (without their source)."""
    return _rows(corpus.connection, "SELECT lexicon_hash, name, filename, format, added_at FROM coding_lexicons "
                                    "ORDER BY added_at DESC")


def get_lexicon(corpus: Corpus, lexicon_hash: str) -> dict[str, Any] | None:
    rows = _rows(corpus.connection, "SELECT * FROM coding_lexicons WHERE lexicon_hash = ?", [lexicon_hash])
    return rows[0] if rows else None


# ---------------------------------------------------------------------------------------------------- samples
def create_sample(corpus: Corpus, rows: pl.DataFrame, *, name: str, frame: str, lexicon_hash: str,
                  params: dict[str, Any] | None = None) -> str:
    """Store a drawn sample (columns of the sample file) as a new coding sample; returns its key."""
    missing = [c for c in ITEM_COLUMNS if c not in rows.columns]
    if missing:
        raise UsageError(f"the sample lacks column(s) {', '.join(missing)}: draw it with validate.sample_corpus")
    if rows.is_empty():
        raise UsageError("the sample has no rows")
    key = secrets.token_hex(6)
    items_frame = rows.select(list(ITEM_COLUMNS)).with_columns(pl.all().cast(pl.Utf8))
    items_frame = items_frame.with_row_index("position").with_columns(
        pl.col("position").cast(pl.Int32), pl.lit(key).alias("sample"))
    con = corpus.connection
    with _transaction(con):
        con.execute("INSERT INTO coding_samples VALUES (?, ?, ?, ?, ?, ?)",
                    [key, clean_name(name, "sample name"), frame, lexicon_hash,
                     json.dumps(params or {}, ensure_ascii=False, default=str), _now()])
        arrow = items_frame.to_arrow()
        con.register("_coding_items", arrow)
        try:
            cols = ", ".join(f'"{c}"' for c in ("sample", "position", *ITEM_COLUMNS))
            con.execute(f"INSERT INTO coding_items ({cols}) SELECT {cols} FROM _coding_items")
        finally:
            con.unregister("_coding_items")
    return key


def samples(corpus: Corpus) -> list[dict[str, Any]]:
    """Every sample with its size, coders and labels given, newest first."""
    return _rows(corpus.connection, """
        SELECT s.sample, s.name, s.frame, s.lexicon_hash, s.created_at,
               (SELECT count(*) FROM coding_items i WHERE i.sample = s.sample) AS items,
               (SELECT count(DISTINCT coder) FROM coding_labels l WHERE l.sample = s.sample) AS coders,
               (SELECT count(*) FROM coding_labels l WHERE l.sample = s.sample) AS labels
        FROM coding_samples s ORDER BY s.created_at DESC""")


def get_sample(corpus: Corpus, sample: str) -> dict[str, Any]:
    rows = _rows(corpus.connection, "SELECT * FROM coding_samples WHERE sample = ?", [sample])
    if not rows:
        raise UsageError(f"no coding sample {sample!r} in this store: pick one from the validation page")
    out = rows[0]
    out["params"] = json.loads(out["params"] or "{}")
    return out


def items(corpus: Corpus, sample: str) -> pl.DataFrame:
    """The sample's items in coding order (position), with the sample file's columns."""
    cols = ", ".join(f'"{c}"' for c in ("position", *ITEM_COLUMNS))
    return corpus.sql(f"SELECT {cols} FROM coding_items WHERE sample = ? ORDER BY position", [sample])


# ---------------------------------------------------------------------------------------------------- labels
def _next_seq(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM coding_events").fetchone()
    return int(row[0]) if row else 1


def _known_item(con: duckdb.DuckDBPyConnection, sample: str, sample_id: str) -> None:
    if con.execute("SELECT 1 FROM coding_items WHERE sample = ? AND sample_id = ?",
                   [sample, sample_id]).fetchone() is None:
        raise UsageError(f"item {sample_id!r} is not in sample {sample!r}")


def set_label(corpus: Corpus, sample: str, sample_id: str, coder: str, label: str,
              note: str | None = None) -> int:
    """Record ``coder``'s label (and note, when given) for one item, replacing an earlier one; committed on
    return. Returns the decision's sequence number."""
    coder = clean_name(coder, "coder name")
    label = _check_label(label)
    con = corpus.connection
    with _transaction(con):
        _known_item(con, sample, sample_id)
        seq = _next_seq(con)
        now = _now()
        old = con.execute("SELECT note FROM coding_labels WHERE sample = ? AND sample_id = ? AND coder = ?",
                          [sample, sample_id, coder]).fetchone()
        kept = note if note is not None else (old[0] if old else None)
        kept = kept[:MAX_NOTE] if kept else None
        con.execute("INSERT OR REPLACE INTO coding_labels VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [sample, sample_id, coder, label, kept, seq, now])
        con.execute("INSERT INTO coding_events VALUES (?, ?, ?, ?, 'label', ?, ?, ?)",
                    [seq, sample, sample_id, coder, label, kept, now])
    return seq


def set_note(corpus: Corpus, sample: str, sample_id: str, coder: str, note: str) -> None:
    """A note on an item the coder has labelled (notes travel with labels into the CSV's note column)."""
    coder = clean_name(coder, "coder name")
    note = note[:MAX_NOTE]
    con = corpus.connection
    with _transaction(con):
        row = con.execute("SELECT label FROM coding_labels WHERE sample = ? AND sample_id = ? AND coder = ?",
                          [sample, sample_id, coder]).fetchone()
        if row is None:
            raise UsageError(f"label {sample_id} first (1, 0 or ?), then add a note to it")
        seq = _next_seq(con)
        now = _now()
        con.execute("UPDATE coding_labels SET note = ?, updated_at = ? WHERE sample = ? AND sample_id = ? "
                    "AND coder = ?", [note or None, now, sample, sample_id, coder])
        con.execute("INSERT INTO coding_events VALUES (?, ?, ?, ?, 'note', NULL, ?, ?)",
                    [seq, sample, sample_id, coder, note or None, now])


def undo_last(corpus: Corpus, sample: str, coder: str) -> str | None:
    """Remove ``coder``'s most recent label in the sample; returns that item's id (None when nothing is left)."""
    coder = clean_name(coder, "coder name")
    con = corpus.connection
    with _transaction(con):
        row = con.execute("SELECT sample_id FROM coding_labels WHERE sample = ? AND coder = ? ORDER BY seq DESC "
                          "LIMIT 1", [sample, coder]).fetchone()
        if row is None:
            return None
        sample_id = str(row[0])
        con.execute("DELETE FROM coding_labels WHERE sample = ? AND sample_id = ? AND coder = ?",
                    [sample, sample_id, coder])
        con.execute("INSERT INTO coding_events VALUES (?, ?, ?, ?, 'undo', NULL, NULL, ?)",
                    [_next_seq(con), sample, sample_id, coder, _now()])
    return sample_id


def labels(corpus: Corpus, sample: str, coder: str | None = None) -> pl.DataFrame:
    """Labels given in the sample (one coder's, or everyone's): sample_id, coder, label, note, seq, updated_at."""
    query = "SELECT sample_id, coder, label, note, seq, updated_at FROM coding_labels WHERE sample = ?"
    params: list[Any] = [sample]
    if coder is not None:
        query += " AND coder = ?"
        params.append(coder)
    return corpus.sql(query + " ORDER BY seq", params)


def import_labels(corpus: Corpus, sample: str, rows: Iterable[tuple[str, str, str, str | None]]) -> int:
    """Labels from a coded CSV, as (sample_id, coder, label, note) rows, in one transaction; returns the count."""
    con = corpus.connection
    count = 0
    with _transaction(con):
        seq = _next_seq(con)
        now = _now()
        for sample_id, coder, label, note in rows:
            _known_item(con, sample, sample_id)
            name = clean_name(coder, "coder name")
            con.execute("INSERT OR REPLACE INTO coding_labels VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [sample, sample_id, name, _check_label(label), (note or None) and note[:MAX_NOTE], seq,
                         now])
            con.execute("INSERT INTO coding_events VALUES (?, ?, ?, ?, 'import', ?, ?, ?)",
                        [seq, sample, sample_id, name, label, note or None, now])
            seq += 1
            count += 1
    return count


# ---------------------------------------------------------------------------------------------------- adjudication
def set_adjudication(corpus: Corpus, sample: str, sample_id: str, label: str | None, adjudicator: str,
                     note: str | None = None) -> None:
    """Settle an item's label (``None`` withdraws an adjudication)."""
    con = corpus.connection
    with _transaction(con):
        _known_item(con, sample, sample_id)
        if label is None:
            con.execute("DELETE FROM coding_adjudications WHERE sample = ? AND sample_id = ?", [sample, sample_id])
            return
        con.execute("INSERT OR REPLACE INTO coding_adjudications VALUES (?, ?, ?, ?, ?, ?)",
                    [sample, sample_id, _check_label(label), (note or None) and note[:MAX_NOTE],
                     clean_name(adjudicator, "adjudicator name"), _now()])


def version(corpus: Corpus, sample: str) -> tuple[int, int, str]:
    """Changes whenever a label, note or adjudication of the sample changes (for caching what is computed
    from them)."""
    row = corpus.connection.execute(
        "SELECT (SELECT count(*) FROM coding_events WHERE sample = ?), "
        "(SELECT coalesce(max(seq), 0) FROM coding_events WHERE sample = ?), "
        "(SELECT coalesce(string_agg(sample_id || label, ',' ORDER BY sample_id), '') FROM coding_adjudications "
        "WHERE sample = ?)", [sample, sample, sample]).fetchone()
    return (int(row[0]), int(row[1]), str(row[2])) if row else (0, 0, "")


def adjudications(corpus: Corpus, sample: str) -> pl.DataFrame:
    return corpus.sql("SELECT sample_id, label, note, adjudicator, updated_at FROM coding_adjudications "
                      "WHERE sample = ? ORDER BY sample_id", [sample])
