"""Channel attributes: CSV and YAML tables resolved to the demo store's channels, unknown rows reported, bad files
refused with the store unchanged, and attributes usable as --by groups of frame shares."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from narrascope import Corpus
from narrascope.cli import main
from narrascope.errors import InputError
from narrascope.network.attributes import (
    channel_attributes,
    normalise_username,
    set_channel_attributes,
    unknown_channel_attributes,
)


def _truth(manifest) -> list[dict]:
    return json.loads((manifest.folder / "truth" / "truth.json").read_text(encoding="utf-8"))["channels"]


def _location(i: int) -> str:
    return "abroad" if i % 3 == 0 else "inside"


@pytest.fixture
def store(demo_store, tmp_path):
    """A private copy of the demo store (the session store is shared by other tests)."""
    db, manifest = demo_store
    copy = tmp_path / "corpus.duckdb"
    shutil.copy(db, copy)
    return copy, manifest


def _write_csv(path: Path, manifest, extra_rows=()) -> Path:
    """channel_id + name + username + location; the HTML-exported channels' ids are not in the store (Desktop HTML
    exports carry no id), so those rows must be matched by name."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["channel_id", "channel", "username", "location", "owner"])
        for i, c in enumerate(_truth(manifest)):
            w.writerow([c["channel_id"], c["name"], c["username"], _location(i), "" if i % 2 else f"o{i % 4}"])
        w.writerows(extra_rows)
    return path


def test_csv_rows_resolve_by_id_and_by_name_and_unknown_rows_are_reported(store, tmp_path):
    db, manifest = store
    path = _write_csv(tmp_path / "channels.csv", manifest, [["424242", "Ghost Channel", "ghost_chan", "abroad", ""]])
    with Corpus.open(db) as corpus:
        report = set_channel_attributes(corpus, path)
        table = channel_attributes(corpus)
        unknown = unknown_channel_attributes(corpus)
        n_channels = corpus.channel_attributes.channels().height
    truth = _truth(manifest)
    assert report.entries == len(truth) + 1 and report.matched == len(truth) == n_channels
    assert report.attributes == ["location", "owner", "username"]
    assert [u["name"] for u in report.unknown] == ["Ghost Channel"] and report.unknown[0]["row"] == len(truth) + 1
    assert unknown.select("channel_id", "name", "location", "username").row(0) == (
        "424242", "Ghost Channel", "abroad", "ghost_chan")
    by_name = {r["channel"]: r for r in table.iter_rows(named=True)}
    for i, c in enumerate(truth):
        row = by_name[c["name"]]
        assert row["location"] == _location(i) and row["username"] == c["username"]
        assert row["owner"] == (None if i % 2 else f"o{i % 4}")  # an empty cell is no value
    html = [c for c in truth if c["export"] == "html"]
    assert html and all(by_name[c["name"]]["channel_id"].startswith("name:") for c in html)


def test_yaml_mapping_and_list_forms_read_the_same(store, tmp_path):
    db, manifest = store
    truth = _truth(manifest)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("channels:\n" + "".join(
        f"  \"@{c['username']}\" : {{location: {_location(i)}, rank: {i}}}\n" if i % 2 else
        f"  \"{c['name']}\": {{location: {_location(i)}, rank: {i}}}\n" for i, c in enumerate(truth)), encoding="utf-8")
    listing = tmp_path / "list.yml"
    listing.write_text("".join(f"- channel: \"{c['name']}\"\n  location: {_location(i)}\n  rank: {i}\n"
                               for i, c in enumerate(truth)), encoding="utf-8")
    with Corpus.open(db) as corpus:
        first = set_channel_attributes(corpus, _write_csv(tmp_path / "c.csv", manifest))  # gives the usernames
        assert first.matched == len(truth)
        set_channel_attributes(corpus, mapping)
        a = channel_attributes(corpus).select("channel_id", "location", "rank").sort("channel_id")
        report = set_channel_attributes(corpus, listing)
        b = channel_attributes(corpus).select("channel_id", "location", "rank").sort("channel_id")
    assert report.matched == len(truth) and not report.unknown
    assert a.equals(b) and a.height == len(truth)
    assert sorted(a["rank"].to_list(), key=int) == [str(i) for i in range(len(truth))]


def test_later_files_win_and_names_match_on_the_matching_form(store, tmp_path):
    db, manifest = store
    truth = _truth(manifest)
    persian = next(c for c in truth if "ی" in c["name"] or "ک" in c["name"])
    arabic_letters = persian["name"].replace("ی", "ي").replace("ک", "ك")  # the same name typed with Arabic letters
    one = tmp_path / "one.csv"
    one.write_text(f"channel,side\n{arabic_letters},a\n", encoding="utf-8")
    two = tmp_path / "two.yaml"
    two.write_text(f"- {{channel: '{persian['name']}', side: b}}\n", encoding="utf-8")
    with Corpus.open(db) as corpus:
        report = set_channel_attributes(corpus, [one, two])
        table = channel_attributes(corpus)
    assert report.matched == 1 and report.notes and table["side"].to_list() == ["b"]
    assert len(report.without_attributes) == len(truth) - 1


@pytest.mark.parametrize("content, suffix, needle", [
    ("foo,bar\n1,2\n", ".csv", "no channel_id, channel (or name) or username column"),
    ("channel,month\nAzadi Voice,x\n", ".csv", "shadow the built-in group"),
    ("channel,side,side\nAzadi Voice,a,b\n", ".csv", "twice"),
    ("channel: [1\n", ".yaml", "not valid YAML"),
    ("- just a string\n", ".yaml", "must be a mapping"),
    ("- {channel: Azadi Voice, side: [a, b]}\n", ".yaml", "single values"),
    ("username,side\nno,a\n", ".csv", "not a Telegram-style username"),
    (",side\n,a\n", ".csv", "without a name"),
])
@pytest.mark.slow
def test_bad_files_are_one_line_errors_and_leave_the_store_unchanged(store, tmp_path, capsys, content, suffix,
                                                                     needle):
    db, manifest = store
    good = _write_csv(tmp_path / "good.csv", manifest)
    assert main(["channels", "set-attributes", str(good), "--db", str(db), "--json"]) == 0
    with Corpus.open(db, read_only=True) as corpus:
        before = corpus.channel_attributes.long().drop("set_at").rows()
    bad = tmp_path / f"bad{suffix}"
    bad.write_text(content, encoding="utf-8")
    capsys.readouterr()
    # the good file first: nothing of it may be stored either when a later file is bad
    assert main(["channels", "set-attributes", str(good), str(bad), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1, err
    with Corpus.open(db, read_only=True) as corpus:
        assert corpus.channel_attributes.long().drop("set_at").rows() == before


def test_frames_by_attribute_adds_up_the_channels_of_each_group(store, tmp_path, capsys):
    db, manifest = store
    path = _write_csv(tmp_path / "channels.csv", manifest)
    lex = str(manifest.lexicon_path)
    assert main(["channels", "set-attributes", str(path), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["frames", lex, "--by", "location", "--db", str(db), "--json"]) == 0
    by_location = pl.DataFrame(json.loads(capsys.readouterr().out)["rows"])
    assert main(["frames", lex, "--by", "channel_id", "--db", str(db), "--json"]) == 0
    by_channel = pl.DataFrame(json.loads(capsys.readouterr().out)["rows"])
    with Corpus.open(db, read_only=True) as corpus:
        locations = channel_attributes(corpus).select("channel_id", "location")
    expected = (by_channel.join(locations, on="channel_id").group_by("location", "frame")
                .agg(pl.col("n").sum(), pl.col("k").sum()).sort("location", "frame"))
    got = by_location.select("location", "frame", "n", "k").sort("location", "frame")
    assert got.equals(expected.select(got.columns))
    assert set(got["location"]) == {"abroad", "inside"}
    assert main(["frames", lex, "--by", "location,month", "--db", str(db), "--json"]) == 0
    capsys.readouterr()
    assert main(["frames", lex, "--by", "locaton", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "locaton" in err and "location" in err and len(err.strip().splitlines()) == 1


def test_channels_without_a_value_form_a_visible_group(store, tmp_path, capsys):
    db, manifest = store
    truth = _truth(manifest)
    path = tmp_path / "some.csv"
    path.write_text(f"channel,side\n{truth[0]['name']},a\n", encoding="utf-8")
    assert main(["channels", "set-attributes", str(path), "--db", str(db), "--json"]) == 0
    capsys.readouterr()
    assert main(["frames", str(manifest.lexicon_path), "--by", "side", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert {r["side"] for r in rows} == {"a", "(none)"}


def test_channels_list_shows_attributes(store, tmp_path, capsys):
    db, manifest = store
    path = _write_csv(tmp_path / "channels.csv", manifest, [["424242", "Ghost Channel", "", "abroad", ""]])
    assert main(["channels", "set-attributes", str(path), "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "Ghost Channel" in err and f"row {len(_truth(manifest)) + 1}" in err  # the row after every channel
    assert main(["channels", "list", "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["channels"]) == len(_truth(manifest)) and all(c["location"] for c in data["channels"])
    assert [u["name"] for u in data["unknown"]] == ["Ghost Channel"]


def test_normalise_username():
    assert normalise_username("@Azadi_Voice") == "azadi_voice"
    assert normalise_username("https://t.me/azadi_voice/123") == "azadi_voice"
    assert normalise_username("t.me/s/pg_wire") == "pg_wire"
    assert normalise_username("no") is None and normalise_username("1abcde") is None


def test_bad_file_leaves_attributes_unset_in_a_fresh_store(store, tmp_path):
    db, _ = store
    bad = tmp_path / "bad.csv"
    bad.write_text("foo\n1\n", encoding="utf-8")
    with Corpus.open(db) as corpus:
        with pytest.raises(InputError):
            set_channel_attributes(corpus, bad)
        assert corpus.channel_attributes.long().is_empty()


def test_corrected_shares_group_by_an_attribute_too(store, tmp_path, capsys):
    db, manifest = store
    path = _write_csv(tmp_path / "channels.csv", manifest)
    lex = str(manifest.lexicon_path)
    assert main(["channels", "set-attributes", str(path), "--db", str(db)]) == 0
    sample = tmp_path / "sample.csv"
    assert main(["validate", "sample", lex, "--frame", "resistance", "--n", "60", "-o", str(sample),
                 "--db", str(db)]) == 0
    with sample.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:  # a coder who agrees with the lexicon
        row["label"] = "1" if row["dictionary"] == "hit" else "0"
    with sample.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    capsys.readouterr()
    assert main(["frames", lex, "--by", "location", "--validated", str(sample), "--db", str(db), "--json"]) == 0
    table = pl.DataFrame(json.loads(capsys.readouterr().out)["rows"])
    assert set(table["location"]) == {"abroad", "inside"}
    assert "corrected" in table.columns


def test_a_table_naming_an_outside_channel_gives_its_forwards_their_name_back(tmp_path):
    """A Desktop export does not say whether a forward's origin is a person, so an origin outside the store is stored
    under a pseudonym; the user's channel table naming it is the evidence that it is a channel."""
    from tests.conftest import desktop_message, write_chat

    write_chat(tmp_path / "a" / "result.json", [desktop_message(1, "x", forwarded_from="Elsewhere News"),
                                                desktop_message(2, "y", forwarded_from="Some Person")],
               name="Channel A", chat_id=1001)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        corpus.ingest([tmp_path / "a"])
        stored = corpus.sql("SELECT fwd_from_name FROM messages ORDER BY message_id")["fwd_from_name"].to_list()
        assert all(n.startswith("a_") for n in stored)  # both pseudonymised at ingest
        before = corpus.state_token()
        (tmp_path / "t.csv").write_text("channel,side\nChannel A,x\nElsewhere News,y\n", encoding="utf-8")
        report = set_channel_attributes(corpus, tmp_path / "t.csv")
        after = corpus.sql("SELECT fwd_from_name FROM messages ORDER BY message_id")["fwd_from_name"].to_list()
        assert after == ["Elsewhere News", stored[1]]  # the person the table does not name stays a pseudonym
        assert any("1 forwards" in n for n in report.notes)
        renamed = corpus.state_token()
        assert renamed != before  # cached results computed on the old names are not reused
        set_channel_attributes(corpus, tmp_path / "t.csv")  # again: nothing left to change, the state stays
        assert corpus.state_token() == renamed
