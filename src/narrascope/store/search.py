"""Search the corpus in its matching form, fast: an index built once per corpus state and kept in the store.

Why an index: scanning the text of a million messages for each query costs 0.2–0.4 s of CPU here (measured on
1 M generated messages), which fifty people searching at once cannot share on two cores. DuckDB's full-text
extension downloads at run time and is not available. So the index is four plain tables (created by migrations):

- ``search_docs``: one row per message — a row number ``rid`` in newest-first order, the message's uid, platform,
  channel, kind, date and its matching form (:func:`~narrascope.text.normalize.normalize_many`: Arabic/Persian
  letter variants, ZWNJ, tatweel, diacritics and digits folded, exactly as the frames matcher sees text);
- ``search_tokens``: every distinct (word, rid), sorted by word, where a word is a maximal run of letters and
  digits of the matching form — the same boundaries the matcher uses (``[\\p{L}\\p{N}]``). A word is found by
  DuckDB's min/max zone maps over the sorted column in a few milliseconds;
- ``search_uids``: (uid, rid, messages rowid) sorted by uid — a message page's row without a scan;
- ``search_bigrams``: every distinct (two words one space apart, rid), sorted: a two-word phrase is one look-up,
  and a longer one the intersection of its pairs. Scanning the matching form of every message for a phrase of two
  common words took tens of seconds under load; the pairs table answers it in milliseconds.

A query is a list of terms separated by commas (or new lines), like a frame's terms: any term may match. A term of
one word matches messages that contain that word; ``word*`` matches words starting with it; a term of two words
is one pair; longer phrases (and terms with punctuation inside, like ``covid-19``) take the messages holding all
their pairs (or words) as candidates and check the phrase on their matching form, in Python, with the
matcher's boundaries. Terms are normalised like texts, so ``می‌روم``, ``ميروم`` and ``می روم``
are one term. The index is rebuilt when the corpus changes (:func:`index_key` holds the corpus state and the
normalisation version); the rebuild is one transaction, so a cancelled or killed build leaves the previous index
(or none) in force.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import regex

from ..errors import UsageError
from ..frames.boundary import char_class_table, glue_patterns_re2, glued
from ..text.normalize import MATCH_TABLE_VERSION, normalize, normalize_many
from .browse import MessageFilter, filter_sql
from .corpus import CONTENT_KINDS, Corpus

__all__ = ["DOC_COLUMNS", "INDEX_VERSION", "SearchQuery", "build_index", "check_ready", "count", "index_key", "index_status",
           "matching_rids", "message_hint", "page", "parse_query", "rows", "search", "search_reader", "split_glued",
           "split_glued_one"]

INDEX_VERSION = "s6"
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_WORD_SQL = r"[\p{L}\p{N}]+"
_EDGE_L, _EDGE_R = r"(?:^|[^\p{L}\p{N}])", r"(?:$|[^\p{L}\p{N}])"
_SEPARATORS = re.compile(r"[,،\n;]+")
MAX_TERMS = 20
#: candidates of a phrase the tables cannot answer exactly, checked one by one at most
MAX_CANDIDATES = 50_000
BATCH_ROWS = 50_000
INDEX_SLICE = 100_000

ProgressFn = Callable[[str, int, int], None]
"""progress(phase, done, total); raising from it cancels the build (nothing is published)."""


@dataclass(frozen=True)
class Term:
    """One search term in matching form: its space-separated chunks and whether the last word is a prefix.

    As in the frames matcher (``frames.compile.term_literals``), each space between two chunks may also be absent
    in the text (``کتاب خانه`` also finds ``کتابخانه``), and the whole form must stand between non-letters."""

    text: str
    chunks: tuple[str, ...]
    prefix: bool = False

    @staticmethod
    def words(chunk: str) -> list[str]:
        return _WORD.findall(chunk)

    def _pure(self, chunk: str) -> bool:
        return self.words(chunk) == [chunk]

    @property
    def exact(self) -> bool:
        """The word and pair tables answer the term exactly: one word, or two words."""
        return len(self.chunks) <= 2 and all(self._pure(c) for c in self.chunks)

    def pattern(self) -> str:
        """Regex (Python ``regex``) for the term in a matching-form text, with the matcher's forms and boundaries."""
        body = "(?: )?".join(re.escape(c) for c in self.chunks) + (r"[\p{L}\p{N}]*" if self.prefix else "")
        return _EDGE_L + body + _EDGE_R


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.terms

    def display(self) -> str:
        return ", ".join(t.text + ("*" if t.prefix else "") for t in self.terms)


#: at most this many words per term (the frames matcher's limit): 2^(words-1) spacing forms are looked up
MAX_TERM_WORDS = 7


def split_glued(norm: pa.Array) -> pa.Array:
    """Matching forms with a space where the matcher sees a word boundary between two word characters (an
    Arabic-script letter glued to a digit or a Latin letter: ``۹متر``, ``iPhoneها``), so the index's words are the
    matcher's words. A glued query term is split too: ``iPhoneها`` also finds ``iPhone ها``."""
    for pattern in glue_patterns_re2():
        norm = pc.replace_substring_regex(norm, pattern, r"\1 \2")
    return norm


def split_glued_one(text: str) -> str:
    """:func:`split_glued` of one string, without Arrow's regex kernels (which compile their two large patterns
    on every call: ~3 ms a search term): a space between every two neighbouring characters :func:`glued` says
    meet at a word boundary — the same places, since neither pattern's pair can overlap another of its kind."""
    if len(text) < 2 or text.isascii():
        return text  # glued boundaries need an Arabic-script letter
    classes = char_class_table()[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
    cuts = np.flatnonzero(glued(classes[:-1], classes[1:])) + 1
    if not len(cuts):
        return text
    bounds = [0, *cuts.tolist(), len(text)]
    return " ".join(text[a:b] for a, b in itertools.pairwise(bounds))


def parse_query(text: str) -> SearchQuery:
    """Terms of a search box: separated by commas or new lines; ``*`` at a term's end makes its last word a
    prefix. Each term is put in matching form; terms with no letter or digit are left out."""
    return _parse_query(text or "")


@functools.lru_cache(maxsize=4096)
def _parse_query(text: str) -> SearchQuery:
    # cached: a server sees the same search boxes again (pages of one search)
    terms: list[Term] = []
    for raw in _SEPARATORS.split(text or ""):
        raw = raw.strip()
        prefix = raw.endswith("*")
        norm = split_glued_one(normalize(raw.rstrip("*").strip()))
        if not _WORD.search(norm):
            continue
        if prefix and not _WORD.search(norm[-1:]):
            prefix = False  # "word. *" — the star follows punctuation, not a word
        chunks = tuple(norm.split(" "))
        if len(chunks) > MAX_TERM_WORDS:
            raise UsageError(f"search term {norm!r} has {len(chunks)} words: at most {MAX_TERM_WORDS}")
        terms.append(Term(norm, chunks, prefix))
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


#: Columns of search_docs copied from messages (with the row's position there, ``src_rowid``, as a hint).
DOC_COLUMNS = ("uid", "platform", "channel_id", "channel", "message_id", "kind", "posted_at", "author", "text",
               "views", "forwards", "fwd_from_name", "lang", "script")


def build_index(corpus: Corpus, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Rebuild the search index in one transaction on ``corpus``'s connection (a writable one). ``progress`` is
    called per batch; an exception from it (a cancelled job) rolls everything back."""
    if corpus.read_only:
        raise UsageError("the search index is stored in the corpus: open the store writable to build it")
    con = corpus.connection
    key = index_key(corpus)
    total_row = con.execute(f"SELECT count(*) FROM messages WHERE kind IN "
                            f"({', '.join(repr(k) for k in CONTENT_KINDS)})").fetchone()
    total = int(total_row[0]) if total_row else 0
    cols = ", ".join(DOC_COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM search_docs")
        con.execute("DELETE FROM search_tokens")
        con.execute("DELETE FROM search_bigrams")
        con.execute("DELETE FROM search_uids")
        con.execute("DELETE FROM search_state")
        # read through a cursor of its own: a statement on ``con`` would end a stream read from ``con``
        source = con.cursor()
        kinds = ", ".join(f"'{k}'" for k in CONTENT_KINDS)
        reader = source.execute(
            f"SELECT rowid, {cols} FROM messages WHERE kind IN ({kinds}) "
            "ORDER BY posted_at DESC NULLS LAST, channel_id, message_id, uid").to_arrow_reader(BATCH_ROWS)
        done = 0
        for batch in _closing(reader, source):
            n = batch.num_rows
            arrays = {"rid": pa.array(range(done, done + n), pa.int32()), "src_rowid": batch.column(0)}
            arrays |= {c: batch.column(i + 1) for i, c in enumerate(DOC_COLUMNS)}
            arrays["norm"] = split_glued(normalize_many(batch.column(DOC_COLUMNS.index("text") + 1)).cast(pa.string()))
            con.register("_search_batch", pa.table(arrays))
            try:
                # ORDER BY keeps the rows in rid order on disk: zone maps then find a page in a few row groups
                con.execute("INSERT INTO search_docs SELECT * FROM _search_batch ORDER BY rid")
            finally:
                con.unregister("_search_batch")
            done += n
            if progress is not None:
                progress("matching form", done, total)
        con.execute("INSERT INTO search_uids SELECT uid, rid, src_rowid FROM search_docs ORDER BY uid")
        words = f"unnest(regexp_extract_all(norm, '{_WORD_SQL}'))"
        # pairs: the last word of each space-separated chunk and the first word of the next (punctuation between
        # them, as in "word, word", makes no pair: the literal phrase "word word" is not in the text)
        pairs = (f"unnest(list_filter(list_transform(range(1, len(c)), lambda i: regexp_extract(c[i], "
                 f"'{_WORD_SQL}$') || ' ' || regexp_extract(c[i + 1], '^{_WORD_SQL}')), lambda b: NOT "
                 "starts_with(b, ' ') AND NOT ends_with(b, ' ')))")
        for table, column, expr, origin in (
                ("search_tokens", "token", words, "search_docs"),
                ("search_bigrams", "bigram", pairs, "(SELECT rid, string_split(norm, ' ') AS c FROM search_docs)")):
            # distinct per slice of rids (a slice's rows are distinct from every other's), then one sort that
            # may spill to disk: bounded memory whatever the corpus size
            con.execute(f"CREATE TEMP TABLE _search_slices ({column} VARCHAR, rid INTEGER)")
            for lo in range(0, max(done, 1), INDEX_SLICE):
                con.execute(f"INSERT INTO _search_slices SELECT DISTINCT {expr} AS {column}, rid FROM {origin} "
                            "WHERE rid >= ? AND rid < ?", [lo, lo + INDEX_SLICE])
                if progress is not None:
                    progress(column.replace("bigram", "word pair") + "s", min(lo + INDEX_SLICE, done), done)
            con.execute(f"INSERT INTO {table} SELECT {column}, rid FROM _search_slices ORDER BY {column}, rid")
            con.execute("DROP TABLE _search_slices")
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


def _lookup(table: str, column: str, value: str, prefix: bool, params: list[Any]) -> str:
    if prefix:  # several words start with it: a message may hold more than one
        params += [value, value + "\U0010ffff"]
        return f"SELECT DISTINCT rid FROM {table} WHERE {column} >= ? AND {column} < ?"
    params.append(value)
    return f"SELECT rid FROM {table} WHERE {column} = ?"


def _candidates_sql(term: Term, params: list[Any]) -> str:
    """Rids of messages that may match the term; exactly those that do for :attr:`Term.exact` terms."""
    chunks = term.chunks
    if term.exact and len(chunks) == 1:
        return _lookup("search_tokens", "token", chunks[0], term.prefix, params)
    if term.exact:  # two words: one space apart (a pair), or written together (one word)
        pair = _lookup("search_bigrams", "bigram", f"{chunks[0]} {chunks[1]}", term.prefix, params)
        joined = _lookup("search_tokens", "token", chunks[0] + chunks[1], term.prefix, params)
        return f"{pair} UNION {joined}"
    forms = []
    for gaps in itertools.product((" ", ""), repeat=len(chunks) - 1):
        # one way of writing the term: its chunks with these spaces kept; every pair of neighbouring pure words
        # must be in the pair table, every other word in the word table (candidates; checked afterwards)
        parts = (chunks[0] + "".join(g + c for g, c in zip(gaps, chunks[1:], strict=True))).split(" ")
        lookups = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if i + 1 < len(parts) and term._pure(part) and term._pure(parts[i + 1]):
                lookups.append(_lookup("search_bigrams", "bigram", f"{part} {parts[i + 1]}",
                                       term.prefix and i + 1 == len(parts) - 1, params))
            elif not (i > 0 and term._pure(part) and term._pure(parts[i - 1])) or len(parts) == 1:
                words = Term.words(part)
                lookups += [_lookup("search_tokens", "token", w, term.prefix and last and j == len(words) - 1,
                                    params) for j, w in enumerate(words)]
        forms.append(" INTERSECT ".join(lookups))
    return " UNION ".join(f"({f})" for f in forms)


def _verified(corpus: Corpus, term: Term) -> list[int]:
    """Rids of the messages that match a term the tables cannot answer exactly: its candidates' matching form is
    checked with the matcher's boundaries (in batches read by rid, so only their rows are read)."""
    params: list[Any] = []
    rids = [int(r[0]) for r in corpus.connection.execute(
        f"SELECT rid FROM ({_candidates_sql(term, params)}) ORDER BY rid", params).fetchall()]
    if len(rids) > MAX_CANDIDATES:
        raise UsageError(f"the phrase {term.text!r} leaves {len(rids):,} messages to check: make it more specific "
                         "(a rarer word, or one more word)")
    pattern = regex.compile(term.pattern())
    found: list[int] = []
    for lo in range(0, len(rids), 2000):
        # read like a page's rows: a few candidates far apart cost a vector each, not a scan of the rids between
        rows = _rows_by_rid(corpus, rids[lo:lo + 2000], "rid, norm")
        found += [int(rid) for rid, norm in rows.iter_rows() if norm and pattern.search(norm)]
    return sorted(found)


def _term_sql(corpus: Corpus, term: Term, params: list[Any]) -> str:
    """SQL giving the rids of messages matching one term."""
    if term.exact:
        return _candidates_sql(term, params)
    params.append(_verified(corpus, term))
    return "SELECT unnest(?::INTEGER[]) AS rid"


def _matches_sql(corpus: Corpus, query: SearchQuery, params: list[Any]) -> str:
    """SQL giving the rids of messages matching any term of the query."""
    return " UNION ".join(f"({_term_sql(corpus, t, params)})" for t in query.terms)


def _index_filter(filt: MessageFilter | None) -> tuple[str, list[Any]]:
    """WHERE clause for search_docs. The index holds the content kinds only (what lists show): a filter on
    exactly those needs no clause; another set of kinds is refused."""
    filt = filt or MessageFilter()
    if set(filt.kinds) != set(CONTENT_KINDS):
        raise UsageError(f"the search index holds {', '.join(CONTENT_KINDS)} messages only")
    return filter_sql(replace(filt, kinds=()))


def check_ready(corpus: Corpus) -> None:
    if not index_status(corpus)["ready"]:
        raise UsageError("the search index is not built for this corpus yet: build it from the messages page")


def _list_columns(columns: Sequence[str]) -> str:
    bad = [c for c in columns if c not in DOC_COLUMNS]
    if bad:
        raise ValueError(f"not a search_docs column: {bad}")
    return ", ".join(["rid", *columns])


def page(corpus: Corpus, query: SearchQuery | None, filt: MessageFilter | None = None, *,
         columns: Sequence[str] = DOC_COLUMNS, limit: int = 50, offset: int = 0, verified: bool = False) -> pl.DataFrame:
    """One page of the messages matching the query (every message when ``query`` is None) and the filter,
    newest first, with ``rid`` (the index's row number) and the given list columns. ``verified``: the caller
    checked :func:`index_status` for this corpus state already (a server whose store nobody else can change)."""
    if not verified:
        check_ready(corpus)
    where, params = _index_filter(filt)
    tail = f"ORDER BY rid LIMIT {int(limit)} OFFSET {int(offset)}"
    # first the page's rids, from narrow columns only; then its rows, read by rid (rids are stored in order, so
    # zone maps skip every row group but the few that hold them)
    if query is None:
        sql, args = f"SELECT rid FROM search_docs {where} {tail}", params
    elif query.empty:
        sql, args = "SELECT rid FROM search_docs WHERE false", []
    else:
        mparams: list[Any] = []
        matches = _matches_sql(corpus, query, mparams)
        if where:
            sql = f"SELECT rid FROM search_docs {where} AND rid IN (SELECT rid FROM ({matches})) {tail}"
            args = [*params, *mparams]
        else:
            sql, args = f"SELECT rid FROM ({matches}) {tail}", mparams
    rids = [int(r[0]) for r in corpus.connection.execute(sql, args).fetchall()]
    cols = _list_columns(columns)
    if not rids:
        return corpus.sql(f"SELECT {cols} FROM search_docs WHERE false")
    return _rows_by_rid(corpus, rids, cols)


#: DuckDB decompresses a vector (2,048 rows) of a string column to read any row of it
VECTOR = 2048
#: at most this many separate ranges in one read by rid (each is a sub-query DuckDB plans)
MAX_RUNS = 64


def _rows_by_rid(corpus: Corpus, rids: list[int], cols: str) -> pl.DataFrame:
    """Rows of search_docs by rid (sorted), touching as few vectors as possible. Measured on 1 M messages: one
    range scan filtered by the rids costs about as much as the vectors between the extremes, one point read
    about one vector each (~1 ms of CPU), so rids within about ``len(rids)`` vectors of each other are read in
    one range (a channel's page: 5 ms instead of 50), scattered ones in runs that share a vector."""
    if max(rids) - min(rids) < len(rids) * VECTOR:
        runs = [rids]
    else:
        runs = [[rids[0]]]
        for rid in rids[1:]:
            if rid - runs[-1][-1] < VECTOR:
                runs[-1].append(rid)
            else:
                runs.append([rid])
        if len(runs) > MAX_RUNS:  # thousands of phrase candidates: one scan beats planning a query per run
            runs = [rids]
    parts, params = [], []
    for run in runs:
        parts.append(f"SELECT {cols} FROM search_docs WHERE rid BETWEEN ? AND ? AND rid IN "
                     f"({', '.join('?' for _ in run)})")
        params += [run[0], run[-1], *run]
    return corpus.sql(f"SELECT * FROM ({' UNION ALL '.join(parts)}) ORDER BY rid", params)


def matching_rids(corpus: Corpus, query: SearchQuery, filt: MessageFilter | None = None, *,
                  verified: bool = False) -> np.ndarray:
    """Every rid (the index's row number: newest first) matching the query and the filter, sorted, as int32 —
    a posting list a caller may keep: its length is the count, a slice of it a page (:func:`rows`), so paging
    through a search costs one look-up instead of one per page and one more per count."""
    if not verified:
        check_ready(corpus)
    if query.empty:
        return np.zeros(0, np.int32)
    where, params = _index_filter(filt)
    mparams: list[Any] = []
    matches = _matches_sql(corpus, query, mparams)
    if where:
        sql, args = f"SELECT rid FROM search_docs {where} AND rid IN (SELECT rid FROM ({matches}))", [*params, *mparams]
    else:
        sql, args = f"SELECT DISTINCT rid FROM ({matches})", mparams
    found = corpus.connection.execute(sql, args).fetchnumpy()["rid"]
    return np.sort(np.asarray(found, dtype=np.int32))


def rows(corpus: Corpus, rids: Sequence[int], columns: Sequence[str] = DOC_COLUMNS) -> pl.DataFrame:
    """The index's rows of the given rids (sorted ascending), with ``rid`` and the given list columns."""
    cols = _list_columns(columns)
    picked = sorted(int(r) for r in rids)
    if not picked:
        return corpus.sql(f"SELECT {cols} FROM search_docs WHERE false")
    return _rows_by_rid(corpus, picked, cols)


def count(corpus: Corpus, query: SearchQuery | None, filt: MessageFilter | None = None, *,
          verified: bool = False) -> int:
    """How many messages :func:`page` pages through."""
    if not verified:
        check_ready(corpus)
    where, params = _index_filter(filt)
    if query is None:
        sql, args = f"SELECT count(*) FROM search_docs {where}", params
    elif query.empty:
        return 0
    else:
        mparams: list[Any] = []
        matches = _matches_sql(corpus, query, mparams)
        if where:
            sql = f"SELECT count(*) FROM search_docs {where} AND rid IN (SELECT rid FROM ({matches}))"
            args = [*params, *mparams]
        else:
            sql, args = f"SELECT count(*) FROM ({matches})", mparams
    row = corpus.connection.execute(sql, args).fetchone()
    return int(row[0]) if row else 0


def search(corpus: Corpus, query: SearchQuery, filt: MessageFilter | None = None, *, limit: int = 50,
           offset: int = 0) -> tuple[int, list[str]]:
    """(number of matching messages, uids of the requested page, newest first)."""
    rows = page(corpus, query, filt, columns=("uid",), limit=limit, offset=offset)
    return count(corpus, query, filt), rows["uid"].to_list()


def message_hint(corpus: Corpus, rid: int | None, uid: str) -> int | None:
    """The messages-table rowid of the message ``uid`` (a fast direct read), or None when the index does not
    hold it. ``rid`` (the index's row number, from a list page) is read directly; without it the uid directory
    (sorted by uid) finds the row without scanning every uid."""
    if rid is not None:
        row = corpus.connection.execute("SELECT src_rowid FROM search_docs WHERE rid = ? AND uid = ?",
                                        [int(rid), uid]).fetchone()
    else:
        row = corpus.connection.execute("SELECT src_rowid FROM search_uids WHERE uid = ?", [uid]).fetchone()
    return int(row[0]) if row else None


def search_reader(corpus: Corpus, query: SearchQuery, filt: MessageFilter | None, columns: list[str],
                  batch_rows: int = 20_000) -> pa.RecordBatchReader:
    """Every matching message (the given message columns), newest first, streamed in Arrow batches (exports)."""
    check_ready(corpus)
    _index_filter(filt)
    where, params = filter_sql(replace(filt or MessageFilter(), kinds=()), alias="d")
    mparams: list[Any] = []
    matches = _matches_sql(corpus, query, mparams)
    cols = ", ".join(f"m.{c}" for c in columns)
    cond = f"{where} AND" if where else "WHERE"
    return corpus.connection.execute(
        f"SELECT {cols} FROM search_docs d JOIN messages m USING (uid) {cond} d.rid IN (SELECT rid FROM "
        f"({matches})) ORDER BY d.rid", [*params, *mparams]).to_arrow_reader(batch_rows)
