"""The chunked msgspec path of the Desktop JSON reader gives exactly the tolerant reader's rows, notes and errors.

Every comparison runs the paths on the same file: the tolerant one (:func:`telegram_json.read`, ijson, record by
record), the chunked one (:func:`telegram_json.read_columns`) with tiny chunks and batches, so that every chunk
boundary, the fall-back ladder and the restart of the tolerant reader mid-file are exercised, and the same cut into
2 and 3 parts read on their own (:mod:`narrascope.store.ingest_parts`, workers run in this process) with the
store's fall-back to a whole read when a part fails.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from narrascope.errors import InputError
from narrascope.ingest import telegram_chunks, telegram_json
from narrascope.ingest.base import IngestOptions, ReadContext
from narrascope.store import ingest_parts
from narrascope.store.batches import column_batches, record_batches
from narrascope.store.pseudonym import Pseudonymiser
from narrascope.text.script import with_script_columns
from tests.conftest import BASE_TS, desktop_message, write_chat
from tests.fuzz.mutate import MUTATORS
from tests.fuzz.seeds import SEEDS
from tests.store.test_ingest_parts import inline_workers, parts_outcome

KEY = "ab" * 32
CHUNKS = [64, 700, 1 << 22]


def _outcome(path: Path, fast: bool, *, tz: str | None = None, batch: int = 4,
             ctx: ReadContext | None = None) -> dict[str, Any]:
    ctx = ctx or ReadContext(path, IngestOptions(tz=tz, batch_size=batch))
    pseudo = Pseudonymiser(KEY)
    names: set[tuple[str, str]] = set()
    try:
        columns = telegram_json.read_columns(path, ctx, batch) if fast else None
        if columns is not None:
            tables = list(column_batches(columns, ctx, 1, pseudo, {}, names))
        else:
            tables = list(record_batches(telegram_json.read(path, ctx), ctx, 1, batch, pseudo, {}, names))
    except InputError as exc:
        return {"error": str(exc), "type": type(exc).__name__}
    ctx.closing_notes()
    rows = with_script_columns(pa.concat_tables(tables)).to_pylist() if tables else []
    return {"rows": rows, "notes": ctx.notes, "channels": ctx.channels, "tz": ctx.tz_used,
            "surrogates": ctx.surrogates}


def assert_same(path: Path, monkeypatch: pytest.MonkeyPatch, *, parts: bool = True, **kw: Any) -> dict[str, Any]:
    """All paths agree at every chunk size (``parts``: read in parts too); returns the outcome, with how many
    messages took the typed path and how many times the file was read in parts (not read whole after a part
    failed)."""
    slow = _outcome(path, False, **kw)
    typed = _count_typed(monkeypatch)
    inline_workers(monkeypatch)
    monkeypatch.setattr(ingest_parts, "MIN_PART_BYTES", 1)
    in_parts = 0
    for chunk in CHUNKS:
        monkeypatch.setattr(telegram_chunks, "CHUNK_BYTES", chunk)
        fast = _outcome(path, True, **kw)
        assert fast == slow, f"chunk {chunk}: {path.name}"
        for cores in ((2, 3) if chunk == 700 else (2,)) if parts else ():
            got = parts_outcome(path, cores, path.parent / f"parts-{chunk}-{cores}", lambda ctx: _outcome(
                path, True, ctx=ctx, **kw), **kw)
            in_parts += got.pop("in_parts")
            assert got == slow, f"chunk {chunk}, {cores} parts: {path.name}"
    return {**slow, "typed": typed[0], "in_parts": in_parts}


def _count_typed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    count = [0]
    add = telegram_chunks.add_typed

    def counting(cols: Any, msgs: list[Any], *args: Any) -> None:
        count[0] += len(msgs)
        add(cols, msgs, *args)

    monkeypatch.setattr(telegram_chunks, "add_typed", counting)
    return count


# ----------------------------------------------------------------------------------------------- generated exports
def _message(rng: random.Random, i: int) -> dict[str, Any]:
    """A message with a random mix of what Desktop writes (and a few quirks)."""
    words = rng.choices(["خبر", "امروز", "كشور", "the", "report", "de", "Привет", "😀", "x&amp;y"], k=rng.randint(0, 12))
    plain = " ".join(words)
    parts: list[Any] = [plain]
    for _ in range(rng.randint(0, 3)):
        kind = rng.choice(["link", "text_link", "mention", "mention_name", "hashtag", "bold", "plain"])
        part: dict[str, Any] = {"type": kind, "text": rng.choice(["@chan", "#tag", "https://t.me/x/1", "Ali", ""])}
        if kind == "text_link":
            part["href"] = rng.choice(["https://example.org/" + "1234567890123456789012", "", None])
        if kind == "mention_name":
            part["user_id"] = 55
        parts.append(part)
    msg: dict[str, Any] = desktop_message(i)
    if rng.random() < 0.3:
        msg["text"] = plain
        if rng.random() < 0.5:
            del msg["text_entities"]
    else:
        msg["text"] = parts
        msg["text_entities"] = [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]
    r = rng.random()
    if r < 0.1:
        msg.update(type="service", actor=rng.choice(["Test Channel", "Someone", None]),
                   actor_id=rng.choice(["channel1001", "user7"]), action="pin_message")
    elif r < 0.3:
        msg.update({"from": rng.choice(["Ali", "", None]), "from_id": rng.choice(["user42", "channel1001", 42]),
                    "author": rng.choice(["Editor", None])})
    if rng.random() < 0.2:
        msg["forwarded_from"] = rng.choice(["Other Channel", "Ali", "", None])
        if rng.random() < 0.5:
            msg["forwarded_from_id"] = rng.choice(["user9", "channel8", "chat7", None])
    if rng.random() < 0.2:
        msg["reply_to_message_id"] = rng.choice([i - 1, str(i - 2), True])
        if rng.random() < 0.3:
            msg["reply_to_peer_id"] = "channel5"
    if rng.random() < 0.2:
        msg["reactions"] = [{"type": "emoji", "count": rng.choice([1, 3, "7", None]), "emoji": "👍"}, "x"]
    if rng.random() < 0.2:
        key = rng.choice(["photo", "file", "poll", "place_name", "location_information", "contact_information",
                          "game_title", "invoice_information", "giveaway_information", "giveaway_results"])
        msg[key] = rng.choice(["photos/a.jpg", None, {"question": "?"}])
    if rng.random() < 0.1:
        msg["media_type"] = rng.choice(["sticker", "", None])
    if rng.random() < 0.1:
        msg["edited"] = "2023-11-15T00:00:00"
        msg["edited_unixtime"] = str(BASE_TS + 10**6)
    if rng.random() < 0.05:
        del msg["date_unixtime"]  # old exports: local time only
    return msg


@pytest.mark.parametrize("seed", range(6))
def test_generated_exports_give_the_same_rows(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    messages = [_message(rng, i) for i in range(1, 80)]
    path = write_chat(tmp_path / "result.json", messages)
    out = assert_same(path, monkeypatch, tz="Asia/Tehran" if seed % 2 else None)
    assert len(out["rows"]) == 79 and out["in_parts"] >= 2
    assert out["typed"] > 79  # most chunks took the typed path (some fall back: wrong-typed fields on purpose)


def test_one_message_per_line_and_a_bare_array(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    messages = [_message(rng, i) for i in range(1, 40)]
    lines = tmp_path / "lines.json"
    lines.write_text('{"name": "L", "type": "public_channel", "id": 5, "messages": [\n  '
                     + ",\n  ".join(json.dumps(m, ensure_ascii=False) for m in messages) + "\n ]\n}\n")
    out = assert_same(lines, monkeypatch)
    assert len(out["rows"]) == 39 and out["typed"] > 39 and out["in_parts"] >= 2
    array = tmp_path / "array.json"
    array.write_text(json.dumps(messages, indent=1))
    out = assert_same(array, monkeypatch)
    assert len(out["rows"]) == 39 and out["typed"] > 39 and out["in_parts"] >= 2


@pytest.mark.parametrize("body", [
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}), id="one line: tolerant reader"),
    pytest.param(lambda ms: json.dumps({"name": "C", "messages": ms, "id": 9}, indent=1), id="id after messages"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms, "more": [1, {"a": "]"}]}, indent=1),
                 id="keys after messages"),
    pytest.param(lambda ms: "\ufeff" + json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1), id="BOM"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1) + " x", id="trailing junk"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1)[:-40], id="truncated"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1).replace(
        '"id": 20', '"id": 123456789012345678901234'), id="id beyond 64 bits"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1).replace(
        '"id": 20', '"id": "20"').replace('"id": 30', '"id": true'), id="wrong-typed ids"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1).replace(
        'post number 25', 'cut \\ud83d emoji \\x0b tab'), id="lone surrogate and \\x escape"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1).replace(
        '"date_unixtime": "1700108000"', '"date_unixtime": "soon"'), id="bad timestamp"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1).replace(
        '"text": "post number 33"', '"text": 33'), id="text as a number"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1).replace(
        '"text": "post number 12"', '"text": "' + "[" * 150 + '"'), id="brackets in text"),
    pytest.param(lambda ms: json.dumps({"name": "C", "id": 9, "messages": ms}, indent=1).replace(
        '"text": "post number 12"', '"text": ' + "[" * 150 + "]" * 150), id="too deep"),
])
def test_quirks_give_the_same_rows_or_the_same_error(body: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "result.json"
    path.write_text(body([desktop_message(i) for i in range(1, 41)]))
    assert_same(path, monkeypatch)


def _fuzz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: bool) -> None:
    (tmp_path / "seed").mkdir()
    seed = SEEDS["telegram_json"](tmp_path / "seed")
    original = seed.victim.read_bytes()
    compared = 0
    for name, mutate in sorted(MUTATORS.items()):
        for draw in range(3):
            data = mutate(random.Random(f"{name}-{draw}"), original, "json")
            if data is None:
                continue
            path = tmp_path / f"{name}-{draw}" / "result.json"
            path.parent.mkdir()
            path.write_bytes(data)
            assert_same(path, monkeypatch, parts=parts)
            compared += 1
    assert compared >= 30


def test_fuzz_mutations_of_the_desktop_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every mutator of the fuzz suite, three draws each, on the Desktop JSON seed: same rows or same error."""
    _fuzz(tmp_path, monkeypatch, parts=False)


@pytest.mark.slow
def test_fuzz_mutations_of_the_desktop_seed_in_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, read in 2 and 3 parts as well (most mutations make a part fail: the file is then read whole)."""
    _fuzz(tmp_path, monkeypatch, parts=True)


@pytest.mark.slow
def test_demo_exports_give_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Desktop JSON export of a small demo corpus (Persian and English, forwards, replies, edits, service
    messages, the coordination cast): the same rows by every path, and most files really read in parts."""
    from narrascope.demo import DemoConfig, generate_demo

    manifest = generate_demo(tmp_path / "demo", DemoConfig(seed=3, messages=800, channels=6, months=4))
    exports = [e for e in manifest.exports if e.is_file() and e.suffix == ".json"]
    assert len(exports) >= 10
    rows = in_parts = 0
    for export in exports:
        out = assert_same(export, monkeypatch, batch=300)
        rows += len(out["rows"])
        in_parts += out["in_parts"] > 0
    assert rows >= 800 and in_parts == len(exports)


def test_the_reader_hashes_the_file_in_its_pass(tmp_path: Path) -> None:
    import hashlib

    path = write_chat(tmp_path / "result.json", [desktop_message(i) for i in range(1, 30)])
    ctx = ReadContext(path)
    columns = telegram_json.read_columns(path, ctx, 7)
    assert columns is not None
    assert sum(len(c["message_id"]) for c in columns) == 29
    assert ctx.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
