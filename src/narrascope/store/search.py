"""Search the corpus in its matching form, fast: an index built once per corpus state and kept in the store.

Why an index: scanning the text of a million messages for each query costs 0.2–0.4 s of CPU here (measured on
1 M generated messages), which fifty people searching at once cannot share on two cores. DuckDB's full-text
extension downloads at run time and is not available. So the index is two plain tables (migration 3):

- ``search_docs``: one row per message — a row number ``rid`` in newest-first order, the message's uid, platform,
  channel, kind, date and its matching form (:func:`~narrascope.text.normalize.normalize_many`: Arabic/Persian
  letter variants, ZWNJ, tatweel, diacritics and digits folded, exactly as the frames matcher sees text);
- ``search_tokens``: every distinct (word, rid), sorted by word, where a word is a maximal run of letters and
  digits of the matching form — the same boundaries the matcher uses (``[\\p{L}\\p{N}]``). A word is found by
  DuckDB's min/max zone maps over the sorted column in a few milliseconds.

A query is a list of terms separated by commas (or new lines), like a frame's terms: any term may match. A term of
one word matches messages that contain that word; ``word*`` matches words starting with it; a term of several
words is a phrase: messages holding all its words are candidates, and the phrase is then checked on their
matching form with the same boundaries. Terms are normalised like texts, so ``می‌روم``, ``ميروم`` and ``می روم``
are one term. The index is rebuilt when the corpus changes (:func:`index_key` holds the corpus state and the
normalisation version); the rebuild is one transaction, so a cancelled or killed build leaves the previous index
(or none) in force.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import regex

from ..errors import UsageError
from ..text.normalize import MATCH_TABLE_VERSION, normalize, normalize_many
from .browse import MessageFilter, filter_sql
from .corpus import Corpus

__all__ = ["INDEX_VERSION", "SearchQuery", "build_index", "index_key", "index_status", "parse_query", "search",
           "search_reader"]

INDEX_VERSION = "s1"
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_WORD_SQL = r"[\p{L}\p{N}]+"
_EDGE_L, _EDGE_R = r"(?:^|[^\p{L}\p{N}])", r"(?:$|[^\p{L}\p{N}])"
_SEPARATORS = re.compile(r"[,،\n;]+")
MAX_TERMS = 20
BATCH_ROWS = 50_000

ProgressFn = Callable[[str, int, int], None]
"""progress(phase, done, total); raising from it cancels the build (nothing is published)."""


@dataclass(frozen=True)
class Term:
    """One search term in matching form: its words, whether the last is a prefix, and the phrase pattern."""

    text: str
    words: tuple[str, ...]
    prefix: bool = False

    @property
    def single(self) -> bool:
        """One word whose matching form is the whole term: the token table answers it exactly."""
        return len(self.words) == 1 and self.words[0] == self.text

    def pattern(self) -> str:
        """RE2 pattern for the term inside a matching-form text, with the matcher's boundaries."""
        body = re.escape(self.text) + (r"[\p{L}\p{N}]*" if self.prefix else "")
        return _EDGE_L + body + _EDGE_R


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.terms

    def display(self) -> str:
        return ", ".join(t.text + ("*" if t.prefix else "") for t in self.terms)


def parse_query(text: str) -> SearchQuery:
    """Terms of a search box: separated by commas or new lines; ``*`` at a term's end makes its last word a
    prefix. Each term is put in matching form; terms with no letter or digit are left out."""
    terms: list[Term] = []
    for raw in _SEPARATORS.split(text or ""):
        raw = raw.strip()
        prefix = raw.endswith("*")
        norm = normalize(raw.rstrip("*").strip())
        words = tuple(_WORD.findall(norm))
        if not words:
            continue
        if prefix and not norm[-1:].isalnum():
            prefix = False  # "word. *" — the star follows punctuation, not a word
        terms.append(Term(norm, words, prefix))
    if len(terms) > MAX_TERMS:
        raise UsageError(f"{len(terms)} search terms: search at most {MAX_TERMS} at once")
    return SearchQuery(tuple(dict.fromkeys(terms)))


def index_key(corpus: Corpus) -> str:
    """Key of the index a corpus state needs: changes with any ingest and with the normalisation."""
    blob = "|".join((corpus.state_token(), MATCH_TABLE_VERSION, INDEX_VERSION))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def index_status(corpus: Corpus) -> dict[str, Any]:
    """``{"ready": bool, "docs": int, "built_at": …}``: ready when the stored index matches the corpus state."""
    row = corpus.connection.execute("SELECT index_key, docs, built_at FROM search_state").fetchone()
    if row is None:
        return {"ready": False, "docs": 0, "built_at": None}
    return {"ready": row[0] == index_key(corpus), "docs": int(row[1]), "built_at": row[2]}


def build_index(corpus: Corpus, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Rebuild the search index in one transaction on ``corpus``'s connection (a writable one). ``progress`` is
    called per batch; an exception from it (a cancelled job) rolls everything back."""
    if corpus.read_only:
        raise UsageError("the search index is stored in the corpus: open the store writable to build it")
    con = corpus.connection
    key = index_key(corpus)
    total_row = con.execute("SELECT count(*) FROM messages").fetchone()
    total = int(total_row[0]) if total_row else 0
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM search_docs")
        con.execute("DELETE FROM search_tokens")
        con.execute("DELETE FROM search_state")
        # read through a cursor of its own: a statement on ``con`` would end a stream read from ``con``
        source = con.cursor()
        reader = source.execute(
            "SELECT uid, platform, channel_id, kind, posted_at, text FROM messages "
            "ORDER BY posted_at DESC NULLS LAST, channel_id, message_id, uid").to_arrow_reader(BATCH_ROWS)
        done = 0
        for batch in _closing(reader, source):
            n = batch.num_rows
            table = pa.table({
                "rid": pa.array(range(done, done + n), pa.int32()),
                "uid": batch.column(0), "platform": batch.column(1), "channel_id": batch.column(2),
                "kind": batch.column(3), "posted_at": batch.column(4),
                "norm": normalize_many(batch.column(5)).cast(pa.string()),
            })
            con.register("_search_batch", table)
            try:
                con.execute("INSERT INTO search_docs SELECT * FROM _search_batch")
            finally:
                con.unregister("_search_batch")
            done += n
            if progress is not None:
                progress("matching form", done, total)
        if progress is not None:
            progress("words", 0, 1)
        con.execute(
            f"INSERT INTO search_tokens SELECT token, rid FROM (SELECT DISTINCT "
            f"unnest(regexp_extract_all(norm, '{_WORD_SQL}')) AS token, rid FROM search_docs) ORDER BY token, rid")
        tokens_row = con.execute("SELECT count(*) FROM search_tokens").fetchone()
        tokens = int(tokens_row[0]) if tokens_row else 0
        con.execute("INSERT INTO search_state VALUES (?, ?, ?, ?)", [key, datetime.now(UTC), done, tokens])
        if progress is not None:
            progress("words", 1, 1)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"index_key": key, "docs": done, "tokens": tokens}


def _closing(reader: pa.RecordBatchReader, cursor: Any) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    finally:
        cursor.close()


def _term_sql(term: Term, params: list[Any]) -> str:
    """SQL giving the rids of messages matching one term."""
    parts = []
    for i, word in enumerate(term.words):
        if term.prefix and i == len(term.words) - 1:
            parts.append("SELECT rid FROM search_tokens WHERE token >= ? AND token < ?")
            params += [word, word + "\U0010ffff"]
        else:
            parts.append("SELECT rid FROM search_tokens WHERE token = ?")
            params.append(word)
    candidates = " INTERSECT ".join(parts)
    if term.single:
        return candidates
    # a phrase (or a term with punctuation): check it on the candidates' matching form only
    params.append(term.pattern())
    return (f"SELECT rid FROM (SELECT d.rid, d.norm FROM search_docs d SEMI JOIN ({candidates}) c USING (rid)) "
            "WHERE regexp_matches(norm, ?)")


def _matches_sql(query: SearchQuery, filt: MessageFilter, params: list[Any]) -> str:
    union = " UNION ".join(f"({_term_sql(t, params)})" for t in query.terms)
    where, fparams = filter_sql(filt, alias="d")
    params += fparams
    return f"WITH m AS MATERIALIZED ({union}) SELECT d.rid, d.uid FROM search_docs d SEMI JOIN m USING (rid) {where}"


def _check_ready(corpus: Corpus) -> None:
    if not index_status(corpus)["ready"]:
        raise UsageError("the search index is not built for this corpus yet: build it from the messages page")


def search(corpus: Corpus, query: SearchQuery, filt: MessageFilter | None = None, *, limit: int = 50,
           offset: int = 0) -> tuple[int, list[str]]:
    """(number of matching messages, uids of the requested page, newest first)."""
    _check_ready(corpus)
    if query.empty:
        return 0, []
    params: list[Any] = []
    sql = _matches_sql(query, filt or MessageFilter(), params)
    rows = corpus.connection.execute(
        f"SELECT uid, count(*) OVER () FROM ({sql}) ORDER BY rid LIMIT {int(limit)} OFFSET {int(offset)}",
        params).fetchall()
    if rows:
        return int(rows[0][1]), [r[0] for r in rows]
    total = corpus.connection.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
    return (int(total[0]) if total else 0), []


def search_reader(corpus: Corpus, query: SearchQuery, filt: MessageFilter | None, columns: list[str],
                  batch_rows: int = 20_000) -> pa.RecordBatchReader:
    """Every matching message (the given message columns), newest first, streamed in Arrow batches (exports)."""
    _check_ready(corpus)
    params: list[Any] = []
    sql = _matches_sql(query, filt or MessageFilter(), params)
    cols = ", ".join(f"m.{c}" for c in columns)
    return corpus.connection.execute(
        f"SELECT {cols} FROM ({sql}) s JOIN messages m USING (uid) ORDER BY s.rid", params
    ).to_arrow_reader(batch_rows)
