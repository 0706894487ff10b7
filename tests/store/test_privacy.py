"""With default settings no individual's name reaches any table, report or export (issue 15).

People's names are seeded into every Telegram format where a format can carry them — authors and signatures,
forward origins that are people (Desktop's ``forwarded_from``, Telethon/4CAT ``fwd_from.from_name``, 4CAT CSV,
telegram-tracker), mentions by display name, reaction senders, service actors — then every table of the store and
every output (report HTML, frames CSV, validation sample CSV, JSON of each command) is searched for them. Channel
names stay in clear, including a channel first seen as a forward origin and ingested later.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

from narrascope import Corpus
from narrascope.cli import main
from narrascope.demo.html_export import write_html_export
from tests.fuzz.seeds import FOURCAT_HEADER, TRACKER_COLUMNS

BASE = 1_700_000_000
# Names that occur only in metadata (never in a message's text): they must appear nowhere.
PEOPLE = {
    "author": "Zarvan Qeshlaghi", "signature": "Bahador Ostovari", "forward": "Nasrin Kuhpaye",
    "reaction": "Ardeshir Zolfaghar", "actor": "Mahtab Rudsari", "hidden": "Farrokh Sepidbar",
    "sender4cat": "Golnar Tabrizchi", "csv_author": "Siavash Dashtaki", "csv_forward": "Parvin Qanbari",
    "tracker_forward": "kamran_private_handle", "table_author": "Roshanak Mehrabadi", "html_author": "Yasaman Kordestani",
    "html_forward": "Behrouz Kalantari", "html_actor": "Shirin Tafreshi",
}
# People mentioned by display name: the name is part of the message text (kept verbatim), nowhere else.
MENTIONED = {"desktop": "Kianoush Varzandeh", "telethon": "Negar Hamedani", "html": "Omid Lorestani"}
FRAME_WORD = "resistance"


def _msg(i: int, text: Any, **extra: Any) -> dict[str, Any]:
    entities = text if isinstance(text, list) else [{"type": "plain", "text": text}]
    msg = {"id": i, "type": "message", "date": "2023-11-14T22:13:20", "date_unixtime": str(BASE + 3600 * i),
           "text": text, "text_entities": entities}
    msg.update(extra)
    return msg


def _desktop_group(folder: Path) -> Path:
    """A public group: people post, forward from a person, mention a person by name, react; a service event."""
    mention = [f"{FRAME_WORD} thanks ", {"type": "mention_name", "text": MENTIONED["desktop"], "user_id": 55},
               " and ", {"type": "mention", "text": "@public_handle"}]
    messages = [
        _msg(1, f"{FRAME_WORD} first post of the group", **{"from": PEOPLE["author"], "from_id": "user11"}),
        _msg(2, mention, **{"from": PEOPLE["author"], "from_id": "user11"}),
        _msg(3, f"{FRAME_WORD} a forwarded story", **{"from": PEOPLE["author"], "from_id": "user11",
                                                     "forwarded_from": PEOPLE["forward"]}),
        _msg(4, f"{FRAME_WORD} forwarded from a channel", **{"from": PEOPLE["author"], "from_id": "user11",
                                                            "forwarded_from": "Open News Channel"}),
        _msg(5, f"{FRAME_WORD} liked", **{"from": PEOPLE["author"], "from_id": "user11", "reactions": [
            {"type": "emoji", "emoji": "👍", "count": 2,
             "recent": [{"from": PEOPLE["reaction"], "from_id": "user77", "date": "2023-11-15T00:00:00"}]}]}),
        {"id": 6, "type": "service", "date": "2023-11-15T00:00:00", "date_unixtime": str(BASE + 99_000),
         "actor": PEOPLE["actor"], "actor_id": "user99", "action": "invite_members", "members": [PEOPLE["actor"]],
         "text": "", "text_entities": []},
    ]
    chat = {"name": "Open Discussion Group", "type": "public_supergroup", "id": 3003, "messages": messages}
    (folder / "group").mkdir(parents=True)
    (folder / "group" / "result.json").write_text(json.dumps(chat, ensure_ascii=False), encoding="utf-8")
    return folder / "group" / "result.json"


def _desktop_channel(folder: Path) -> Path:
    """The channel the group forwarded from, ingested after it: its name must come back in clear."""
    messages = [_msg(i, f"{FRAME_WORD} channel news {i}", **{"from": "Open News Channel", "from_id": "channel4004",
                                                            "author": PEOPLE["signature"]}) for i in (1, 2)]
    chat = {"name": "Open News Channel", "type": "public_channel", "id": 4004, "messages": messages}
    (folder / "channel").mkdir(parents=True)
    (folder / "channel" / "result.json").write_text(json.dumps(chat, ensure_ascii=False), encoding="utf-8")
    return folder / "channel" / "result.json"


def _html_group(folder: Path) -> Path:
    mention = [f"{FRAME_WORD} hello ", {"type": "mention_name", "text": MENTIONED["html"], "user_id": 56}]
    messages = [
        _msg(1, mention, **{"from": PEOPLE["html_author"], "from_id": "user21"}),
        _msg(2, f"{FRAME_WORD} forwarded", **{"from": PEOPLE["html_author"], "from_id": "user21",
                                             "forwarded_from": PEOPLE["html_forward"]}),
        {"id": 3, "type": "service", "date": "2023-11-15T00:00:00", "date_unixtime": str(BASE + 99_000),
         "actor": PEOPLE["html_actor"], "actor_id": "user31", "action": "join_group_by_link",
         "inviter": PEOPLE["html_author"], "text": "", "text_entities": []},
    ]
    chat = {"name": "Html Discussion Group", "type": "public_supergroup", "id": 5005, "messages": messages}
    write_html_export(chat, folder / "html_group")
    return folder / "html_group"


def _telethon(folder: Path) -> Path:
    text = f"{FRAME_WORD} hi {MENTIONED['telethon']} !"
    messages = [
        {"_": "Message", "id": 1, "peer_id": {"_": "PeerChannel", "channel_id": 6006}, "date": "2024-01-01T00:00:00",
         "message": text, "post_author": PEOPLE["signature"],
         "entities": [{"_": "MessageEntityMentionName", "offset": text.index("Negar"), "length": 14, "user_id": 5}]},
        {"_": "Message", "id": 2, "peer_id": {"_": "PeerChannel", "channel_id": 6006}, "date": "2024-01-02T00:00:00",
         "message": f"{FRAME_WORD} forwarded", "fwd_from": {"_": "MessageFwdHeader", "date": "2023-12-31T00:00:00",
                                                            "from_name": PEOPLE["hidden"]}},
    ]
    path = folder / "telethon.json"
    path.write_text(json.dumps({"chat": {"id": 6006, "title": "Telethon Channel", "broadcast": True},
                                "messages": messages}, ensure_ascii=False), encoding="utf-8")
    return path


def _fourcat(folder: Path) -> list[Path]:
    first, last = PEOPLE["sender4cat"].split()
    item = {"id": 1, "peer_id": {"channel_id": 7007, "_type": "PeerChannel"}, "date": BASE, "message":
            f"{FRAME_WORD} from 4cat", "from_id": {"user_id": 8, "_type": "PeerUser"},
            "fwd_from": {"date": BASE - 10, "from_name": PEOPLE["hidden"], "_type": "MessageFwdHeader"},
            "_chat": {"id": 7007, "title": "Fourcat Group", "username": "fourcat_group", "megagroup": True},
            "_sender": {"id": 8, "first_name": first, "last_name": last, "_type": "User"}}
    ndjson = folder / "fourcat.ndjson"
    ndjson.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    csv_path = folder / "fourcat.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, FOURCAT_HEADER)
        writer.writeheader()
        writer.writerow({"id": "grp-1", "thread_id": "grp", "chat": "grp", "author": "9", "author_username": "",
                         "author_name": PEOPLE["csv_author"], "body": f"{FRAME_WORD} csv post",
                         "unix_timestamp": str(BASE), "author_forwarded_from_name": PEOPLE["csv_forward"]})
    return [ndjson, csv_path]


def _tracker(folder: Path) -> Path:
    path = folder / "msgs_dataset.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, TRACKER_COLUMNS)
        writer.writeheader()
        writer.writerow({"signature": "s", "channel_id": "8008", "channel_name": "tracked_channel", "msg_id": "1",
                         "message": f"{FRAME_WORD} tracked", "date": "2023-03-01 10:00:00", "is_forward": "1",
                         "forward_msg_from_peer_type": "PeerUser",
                         "forward_msg_from_peer_name": PEOPLE["tracker_forward"]})
    return path


def _table(folder: Path) -> Path:
    path = folder / "posts.csv"
    path.write_text(f"id,channel,date,text,author\n1,Table Channel,2024-01-01T00:00:00Z,{FRAME_WORD} row,"
                    f"{PEOPLE['table_author']}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("privacy")
    inputs = work / "inputs"
    inputs.mkdir()
    ordered = [_desktop_group(inputs), _html_group(inputs), _telethon(inputs), *_fourcat(inputs), _tracker(inputs),
               _table(inputs), _desktop_channel(inputs)]  # the forwarded-from channel comes last
    db = work / "corpus.duckdb"
    for path in ordered:
        assert main(["ingest", str(path), "--db", str(db), "--no-progress", "--json"]) == 0, path
    lexicon = work / "lexicon.yaml"
    lexicon.write_text(f"frames:\n  - id: f\n    terms:\n      en: [{FRAME_WORD}]\n", encoding="utf-8")
    return db, lexicon


def _outputs(db: Path, lexicon: Path, work: Path, capsys: Any) -> dict[str, str]:
    """Every report, export and JSON output a user can produce from the store."""
    commands = {
        "info": ["info", "--json"], "frames": ["frames", str(lexicon), "--by", "channel,author", "--json",
                                               "--csv", str(work / "frames.csv")],
        "show": ["show", str(lexicon), "--frame", "f", "--json"], "reuse": ["reuse", "--json"],
        "cascades": ["cascades", "--json"], "trends": ["trends", str(lexicon), "--json"],
        "sample": ["validate", "sample", str(lexicon), "--frame", "f", "--n", "10", "-o", str(work / "sample.csv"),
                   "--json"],
        "report": ["report", "-o", str(work / "report.html"), "--lexicon", str(lexicon), "--json"],
    }
    out: dict[str, str] = {}
    for name, args in commands.items():
        assert main([*args, "--db", str(db)]) == 0, name
        out[name] = capsys.readouterr().out
    for name in ("frames.csv", "sample.csv", "report.html"):
        out[name] = (work / name).read_text(encoding="utf-8-sig")
    return out


def _every_value(db: Path, skip: set[tuple[str, str]] = frozenset()) -> dict[str, str]:  # type: ignore[assignment]
    """Every table's every column, as text (lists included), keyed table.column."""
    found: dict[str, str] = {}
    with Corpus.open(db, read_only=True) as c:
        tables = [r[0] for r in c.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                      "current_database()").rows()]
        for table in tables:
            for column in c.sql(f'SELECT * FROM "{table}" LIMIT 0').columns:
                if (table, column) in skip:
                    continue
                values = c.sql(f'SELECT CAST("{column}" AS VARCHAR) AS v FROM "{table}"')["v"].to_list()
                found[f"{table}.{column}"] = "\n".join(v for v in values if v)
    return found


@pytest.mark.slow
def test_no_name_of_a_person_is_in_any_table(seeded: tuple[Path, Path]) -> None:
    db, _ = seeded
    for where, text in _every_value(db).items():
        for role, name in PEOPLE.items():
            assert name not in text, f"{role} name {name!r} in {where}"
    for where, text in _every_value(db, {("messages", "text")}).items():
        for source, name in MENTIONED.items():
            assert name not in text, f"{source} mention {name!r} in {where}"


@pytest.mark.slow
def test_no_name_of_a_person_is_in_any_output(seeded: tuple[Path, Path], tmp_path: Path, capsys: Any) -> None:
    db, lexicon = seeded
    for output, text in _outputs(db, lexicon, tmp_path, capsys).items():
        for role, name in PEOPLE.items():
            assert name not in text, f"{role} name {name!r} in {output}"


@pytest.mark.slow
def test_pseudonyms_stand_where_the_names_were_and_channels_stay(seeded: tuple[Path, Path]) -> None:
    db, _ = seeded
    with Corpus.open(db, read_only=True) as c:
        rows = c.sql("SELECT channel, message_id, author, fwd_from_name, mentions FROM messages").rows()
    by = {(r[0], r[1]): r for r in rows}
    group = "Open Discussion Group"
    assert by[(group, "1")][2].startswith("a_")
    assert by[(group, "3")][3].startswith("a_")  # a forward from a person
    assert by[(group, "4")][3] == "Open News Channel"  # from a channel: its name, restored once it was ingested
    assert by[(group, "2")][4][0].startswith("a_") and by[(group, "2")][4][1] == "@public_handle"
    assert by[("Telethon Channel", "2")][3].startswith("a_") and by[("Telethon Channel", "1")][2].startswith("a_")
    assert by[("tracked_channel", "1")][3].startswith("a_")


@pytest.mark.slow
def test_forward_names_of_channels_are_kept_whatever_the_order(tmp_path: Path) -> None:
    """A name the store does not know as a channel is pseudonymised; once the channel is ingested, the forwards
    that named it show its name again — so the order of ingests does not change the result."""
    for order in ("group first", "channel first"):
        inputs = tmp_path / order.replace(" ", "_")
        inputs.mkdir()
        group, channel = _desktop_group(inputs), _desktop_channel(inputs)
        db = inputs / "c.duckdb"
        with Corpus.open(db) as c:
            for path in ([group, channel] if order == "group first" else [channel, group]):
                c.ingest([path])
            names = dict(c.sql("SELECT message_id, fwd_from_name FROM messages WHERE channel_id = '3003' "
                               "AND fwd_from_name IS NOT NULL").rows())
        assert names["4"] == "Open News Channel" and names["3"].startswith("a_"), (order, names)


def test_keep_authors_keeps_names(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    with Corpus.open(db) as c:
        from narrascope import IngestOptions

        c.ingest([_desktop_group(tmp_path)], IngestOptions(keep_authors=True))
        rows = c.sql("SELECT author, fwd_from_name FROM messages WHERE message_id = '3'").rows()
    assert rows == [(PEOPLE["author"], PEOPLE["forward"])]


def test_reaction_senders_are_not_stored(seeded: tuple[Path, Path]) -> None:
    db, _ = seeded
    assert not any(PEOPLE["reaction"] in text for text in _every_value(db).values())
    with Corpus.open(db, read_only=True) as c:
        assert c.sql("SELECT reactions FROM messages WHERE channel = 'Open Discussion Group' AND message_id = '5'"
                     ).rows() == [(2,)]


def test_key_export_creates_the_file_with_mode_600(seeded: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = seeded
    old = os.umask(0o000)  # even a permissive umask must not widen the key file
    try:
        assert main(["key", "export", "-o", str(tmp_path / "k.txt"), "--db", str(db)]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "k.txt").stat().st_mode & 0o777 == 0o600
    assert main(["key", "export", "-o", str(tmp_path / "k.txt"), "--db", str(db)]) == 2  # never overwritten
