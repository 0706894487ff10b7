"""The corpus store: schema, upsert semantics, atomic ingest, pseudonyms, queries."""

from __future__ import annotations

import duckdb
import pytest

from narrascope import Corpus, IngestOptions
from narrascope.errors import InputError, StoreError, StoreVersionError, UsageError
from narrascope.models import MESSAGE_SCHEMA
from narrascope.store.migrations import SCHEMA_VERSION
from tests.conftest import BASE_TS, desktop_message, store_state


def test_new_store_has_current_schema_and_contract_columns(tmp_path):
    with Corpus.open(tmp_path / "c.duckdb") as c:
        assert c.schema_version == SCHEMA_VERSION
        cols = [r[0] for r in c.connection.execute("DESCRIBE messages").fetchall()]
    assert cols == MESSAGE_SCHEMA.names
    for name in ("uid", "platform", "channel_id", "channel", "message_id", "kind", "posted_at", "author", "text"):
        assert name in cols


def test_store_from_newer_narrascope_is_refused(tmp_path):
    db = tmp_path / "c.duckdb"
    Corpus.open(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE narrascope_meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreVersionError, match="upgrade narrascope"):
        Corpus.open(db)


def test_foreign_files_are_refused_with_actionable_errors(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreVersionError, match="--db"):
        Corpus.open(junk)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE x (a INT)")
    con.close()
    with pytest.raises(StoreVersionError, match="not a narrascope store"):
        Corpus.open(other)
    with pytest.raises(StoreError, match="narrascope ingest"):
        Corpus.open(tmp_path / "missing.duckdb", read_only=True)


def test_reingest_and_overlap_add_nothing_twice(tmp_path, chat_file):
    db = tmp_path / "c.duckdb"
    first = chat_file([desktop_message(i) for i in range(1, 6)], filename="a.json")
    overlap = chat_file([desktop_message(i) for i in range(4, 9)], filename="b.json")
    with Corpus.open(db) as c:
        r1 = c.ingest([first]).files[0]
        r2 = c.ingest([first]).files[0]
        r3 = c.ingest([overlap]).files[0]
        n = c.sql("SELECT count(*) AS n FROM messages")["n"][0]
    assert (r1.added, r1.skipped) == (5, 0)
    assert (r2.added, r2.updated, r2.skipped) == (0, 0, 5)
    assert (r3.added, r3.skipped) == (3, 2)
    assert n == 8


def test_newer_edit_replaces_older_and_older_is_skipped(tmp_path, chat_file):
    db = tmp_path / "c.duckdb"
    orig = chat_file([desktop_message(1, "first version")], filename="v1.json")
    newer = chat_file([desktop_message(1, "second version", edited=BASE_TS + 7200)], filename="v2.json")
    with Corpus.open(db) as c:
        c.ingest([orig])
        upd = c.ingest([newer]).files[0]
        back = c.ingest([orig]).files[0]
        rows = c.sql("SELECT text, edited_at FROM messages").rows()
    assert (upd.added, upd.updated) == (0, 1)
    assert (back.added, back.updated, back.skipped) == (0, 0, 1)
    assert len(rows) == 1 and rows[0][0] == "second version"


def test_duplicates_within_one_file_keep_latest_edit(tmp_path, chat_file):
    msgs = [desktop_message(1, "old"), desktop_message(1, "new", edited=BASE_TS + 3600 + 99), desktop_message(2)]
    with Corpus.open(tmp_path / "c.duckdb") as c:
        res = c.ingest([chat_file(msgs)]).files[0]
        texts = sorted(c.sql("SELECT text FROM messages")["text"].to_list())
    assert (res.rows_read, res.added, res.duplicates) == (3, 2, 1)
    assert texts == ["new", "post number 2"]


def test_bad_record_mid_file_leaves_store_exactly_as_before(tmp_path, chat_file):
    db = tmp_path / "c.duckdb"
    good = chat_file([desktop_message(i) for i in range(1, 4)], filename="good.json")
    bad_msgs = [desktop_message(i) for i in range(10, 40)]
    bad_msgs[20]["date_unixtime"] = "not-a-number"
    bad_msgs[20].pop("date")
    bad = chat_file(bad_msgs, filename="bad.json")
    with Corpus.open(db) as c:
        c.ingest([good])
    before = store_state(db)
    with Corpus.open(db) as c, pytest.raises(InputError, match="bad.json"):
        c.ingest([bad], IngestOptions(batch_size=5))
    assert store_state(db) == before


def test_folder_with_bad_file_ingests_good_ones_and_strict_stops(tmp_path, chat_file):
    chat_file([desktop_message(1)], filename="a_good.json")
    (tmp_path / "exports" / "b_bad.json").write_text(  # a recognisable export, cut off mid-message
        '{"name": "x", "type": "public_channel", "id": 9, "messages": [{"id": 1, "type": "message", "date": "20',
        encoding="utf-8")
    (tmp_path / "exports" / "notes.md").write_text("my notes", encoding="utf-8")
    chat_file([desktop_message(2)], filename="c_good.json", name="Other", chat_id=2002)
    with Corpus.open(tmp_path / "c.duckdb") as c:
        rep = c.ingest([tmp_path / "exports"])
        assert [f.status for f in rep.files] == ["ok", "failed", "ok", "skipped"]
        assert "b_bad.json" in (rep.files[1].error or "")
    with Corpus.open(tmp_path / "s.duckdb") as c, pytest.raises(InputError, match="b_bad.json"):
        c.ingest([tmp_path / "exports"], IngestOptions(strict=True))


@pytest.mark.slow
def test_authors_are_pseudonymised_consistently_and_keys_transfer(tmp_path, chat_file):
    msgs = [desktop_message(1, author="Sara Ahmadi"), desktop_message(2, author="Sara Ahmadi"),
            desktop_message(3, author="Reza K")]
    path = chat_file(msgs)
    with Corpus.open(tmp_path / "a.duckdb") as a:
        a.ingest([path])
        authors_a = a.sql("SELECT message_id, author FROM messages ORDER BY message_id").rows()
        key = a.export_key()
    assert authors_a[0][1] == authors_a[1][1] != authors_a[2][1]
    assert all(x[1].startswith("a_") and "Sara" not in x[1] for x in authors_a)
    with Corpus.open(tmp_path / "b.duckdb") as b:
        b.import_key(key)
        b.ingest([path])
        assert b.sql("SELECT message_id, author FROM messages ORDER BY message_id").rows() == authors_a
        with pytest.raises(UsageError, match="--force"):
            b.import_key("ab" * 32)
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.ingest([path], IngestOptions(keep_authors=True))
        assert c.sql("SELECT author FROM messages ORDER BY message_id")["author"].to_list()[0] == "Sara Ahmadi"
        assert c.sql("SELECT keep_authors FROM ingests")["keep_authors"].to_list() == [True]
    with Corpus.open(tmp_path / "d.duckdb") as d:  # a different key gives different pseudonyms
        d.ingest([path])
        assert d.sql("SELECT author FROM messages ORDER BY message_id")["author"][0] != authors_a[0][1]


def test_messages_filters_and_service_exclusion(tmp_path, chat_file):
    msgs = [desktop_message(i) for i in range(1, 5)]
    msgs.append({"id": 9, "type": "service", "date": "2023-11-15T00:00:00", "date_unixtime": str(BASE_TS + 50_000),
                 "actor": "Test Channel", "actor_id": "channel1001", "action": "pin_message", "message_id": 1,
                 "text": "", "text_entities": []})
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.ingest([chat_file(msgs)])
        assert c.messages().height == 4
        assert c.messages(kinds=None).height == 5
        assert c.messages(since="2023-11-15T00:00:00Z").height == 3  # ids 2–4 (posted 00:13, 01:13, 02:13 UTC)
        assert c.messages(channel="Test Channel", columns=["uid", "text"]).columns == ["uid", "text"]
        with pytest.raises(UsageError, match="unknown column"):
            c.messages(columns=["nope"])
        info = c.info()
    assert info["messages"] == 5
    assert {r["kind"]: r["messages"] for r in info["by_kind"]} == {"post": 4, "service": 1}
    assert info["by_channel"][0]["channel"] == "Test Channel"
    assert info["ingests"][0]["added"] == 5


def test_folder_with_nothing_readable_is_an_error(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "README.md").write_text("not data", encoding="utf-8")
    with Corpus.open(tmp_path / "c.duckdb") as c, pytest.raises(InputError, match="no file here is in a format"):
        c.ingest([folder])


def test_memory_capped_restores_the_limit_and_rejects_bad_sizes(tmp_path, chat_file):
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.ingest([chat_file([desktop_message(i, text=f"message {i}") for i in range(1, 6)] + [desktop_message(6, text="")])])

        def limit() -> str:
            return str(c.connection.execute("SELECT current_setting('memory_limit')").fetchone()[0])

        before = limit()
        with c.memory_capped("64MB"):
            assert limit() != before
            inside = c.messages(columns=["uid"], text_only=True)
        assert limit() == before and inside.height == c.messages(columns=["uid"], text_only=True).height
        with pytest.raises(RuntimeError, match="boom"), c.memory_capped("128MB"):
            raise RuntimeError("boom")
        assert limit() == before  # restored when the block fails too
        with pytest.raises(UsageError, match="not a size"), c.memory_capped("lots"):
            pass
        with pytest.raises(UsageError, match="not a size"):
            list(c.message_batches(["uid"], memory_limit="1 GBs"))
        assert limit() == before
    with Corpus.open(tmp_path / "c.duckdb", read_only=True) as c:

        def held() -> float:
            """The limit DuckDB's buffer manager holds, in GiB (current_setting can differ from it: after a RESET
            in DuckDB 1.5 it reported the default while the buffer manager kept 64 MB)."""
            value, unit = c.connection.execute("SELECT memory_limit FROM pragma_database_size()").fetchall()[0][0].split()
            return float(value) * {"KiB": 2**-20, "MiB": 2**-10, "GiB": 1.0, "TiB": 2**10}[unit]

        default = held()
        for _ in range(3):  # set back each time, without drifting
            assert sum(b.num_rows for b in c.message_batches(["uid"], memory_limit="64MB")) == 6
            assert abs(held() - default) <= 0.01 * default
