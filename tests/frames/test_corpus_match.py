"""Frame matching over a corpus store: uids, date range, service rows left out, the cache, 1 vs 2 workers."""

from __future__ import annotations

import pyarrow as pa
import pytest

from narrascope import Corpus, IngestOptions
from narrascope.frames import EXAMPLE_LEXICON, load_lexicon, match_corpus
from narrascope.frames.corpus_match import frame_mask_many, map_batches
from narrascope.frames.lexicon import parse_lexicon_yaml
from narrascope.frames.match import Matcher
from tests.conftest import BASE_TS, desktop_message

TEXTS = ["down with the mullahs' regime", "منافقين و فتنه‌گران", "weather today", "کتاب های تازه",
         "the enemy wins", "Regime change now"]
LEX = parse_lexicon_yaml("""
frames:
  - id: opp
    terms: {en: [regime change, "mullah*"], fa: [{term: کتاب, suffixes: true}]}
  - id: state
    terms: {en: [the enemy], fa: [منافقین, فتنه‌گران]}
""")


@pytest.fixture
def corpus(tmp_path, chat_file):
    messages = [desktop_message(i + 1, t) for i, t in enumerate(TEXTS)]
    messages.append({"id": 99, "type": "service", "date": "2023-11-14T22:13:20",
                     "date_unixtime": str(BASE_TS + 99 * 3600), "actor": "Test Channel", "actor_id": "channel1001",
                     "action": "pin_message", "text": "the enemy pinned", "text_entities": []})
    path = chat_file(messages)
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.ingest([path], IngestOptions())
        yield c


def test_match_corpus_reports_uids_and_original_spans(corpus: Corpus) -> None:
    table = match_corpus(corpus, LEX, workers=1)
    assert table.column_names == ["uid", "frame", "term", "start", "end"]
    texts = dict(corpus.connection.execute("SELECT uid, text FROM messages").fetchall())
    found = sorted((texts[r["uid"]][r["start"]:r["end"]], r["frame"], r["term"]) for r in table.to_pylist())
    assert found == sorted([
        ("mullahs", "opp", "mullah*"), ("منافقين", "state", "منافقین"), ("فتنه‌گران", "state", "فتنه‌گران"),
        ("کتاب های", "opp", "کتاب"), ("the enemy", "state", "the enemy"), ("Regime change", "opp", "regime change"),
    ])  # the service message "the enemy pinned" is left out


def test_match_corpus_is_cached_and_respects_dates(corpus: Corpus) -> None:
    first = match_corpus(corpus, LEX, workers=1)
    assert len(corpus.results.list("frame_hits")) == 1
    assert match_corpus(corpus, LEX, workers=1).equals(first)
    assert len(corpus.results.list("frame_hits")) == 1  # served from the cache
    since = "2023-11-15T02:00:00Z"  # messages 4.. are after BASE_TS + 3 h
    later = match_corpus(corpus, LEX, since=since, workers=1)
    assert 0 < later.num_rows < first.num_rows
    assert len(corpus.results.list("frame_hits")) == 2
    other = match_corpus(corpus, load_lexicon(EXAMPLE_LEXICON), workers=1)
    assert set(other.column("frame").to_pylist()) == {"opposition", "state"}


def test_workers_give_identical_results() -> None:
    texts = pa.array(TEXTS * 50 + [None], type=pa.large_string())
    one = frame_mask_many(LEX, texts, workers=1, batch_rows=64)
    two = frame_mask_many(LEX, texts, workers=2, batch_rows=64)
    assert (one == two).all() and one.any()
    assert (one == Matcher(LEX).frame_mask(texts)).all()
    batches = [texts.slice(lo, 64) for lo in range(0, len(texts), 64)]
    hits1 = pa.concat_tables(map_batches(LEX, batches, kind="hits", workers=1))
    hits2 = pa.concat_tables(map_batches(LEX, batches, kind="hits", workers=2))
    assert hits1.equals(hits2) and hits1.num_rows > 0


def test_cached_matches_are_keyed_by_the_normalisation_and_matcher_versions(corpus: Corpus,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A change of the matching form or of the matching rules (issue 10 §2) must not reuse matches cached before."""
    import narrascope.frames.corpus_match as cm

    key = cm.frame_hits_key(LEX, corpus, None, None)
    monkeypatch.setattr(cm, "MATCH_TABLE_VERSION", cm.MATCH_TABLE_VERSION + "x")
    changed_table = cm.frame_hits_key(LEX, corpus, None, None)
    monkeypatch.setattr(cm, "MATCHER_VERSION", cm.MATCHER_VERSION + "x")
    assert len({key, changed_table, cm.frame_hits_key(LEX, corpus, None, None)}) == 3


def test_the_store_stream_gives_the_same_hits_in_any_batch_size(corpus: Corpus,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from narrascope.frames import corpus_match

    whole = match_corpus(corpus, LEX, workers=1, use_cache=False)
    assert whole.num_rows >= 6
    for rows, workers in ((1, 1), (1, 2), (2, 2), (4, 1)):  # every message its own batch, and batches that straddle
        monkeypatch.setattr(corpus_match, "BATCH_ROWS", rows)
        assert match_corpus(corpus, LEX, workers=workers, use_cache=False).equals(whole), (rows, workers)


def test_hits_come_in_document_order_though_the_texts_stream_as_stored(tmp_path, chat_file,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The texts are read without a sort (it spilled 11 GB on 10 M messages); the hits are put in document order
    afterwards, exactly as a scan of the texts in document order gives them."""
    later = [desktop_message(100 + i, t) for i, t in enumerate(TEXTS * 3)]  # stored first, posted last
    earlier = [desktop_message(1 + i, t) for i, t in enumerate(reversed(TEXTS * 3))]
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        corpus.ingest([chat_file(later, filename="later.json", chat_id=7001, name="Later")], IngestOptions())
        corpus.ingest([chat_file(earlier, filename="earlier.json", chat_id=7002, name="Earlier")], IngestOptions())
        stored = [u for b in corpus.message_batches(["uid"], ordered=False) for u in b.column(0).to_pylist()]
        ordered = corpus.messages(columns=["uid", "text"], text_only=True)
        assert stored != ordered.get_column("uid").to_list()  # else this test would show nothing
        scan = Matcher(LEX).scan(ordered.get_column("text").to_arrow())
        expected = [(ordered.get_column("uid")[r], f, t, s, e) for r, f, t, s, e in zip(
            *(scan.column(c).to_pylist() for c in ("row", "frame", "term", "start", "end")), strict=True)]
        from narrascope.frames import corpus_match

        for rows in (4, 1000):
            monkeypatch.setattr(corpus_match, "BATCH_ROWS", rows)
            got = match_corpus(corpus, LEX, workers=2, use_cache=False)
            assert [tuple(r.values()) for r in got.to_pylist()] == expected
