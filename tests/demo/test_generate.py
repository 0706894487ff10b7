"""Tests of the demo corpus generator: determinism, valid Desktop JSON, exact frame and cascade truth, variety."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from narrascope.demo import (
    FRAMES,
    DemoConfig,
    DemoStream,
    generate_demo,
    phrases,
    planted_lexicon,
    term_variants,
    write_planted_lexicon,
)

SMALL = DemoConfig(seed=11, messages=2000)
ENTITY_TYPES = {"plain", "mention", "hashtag", "link", "text_link"}

# -- an independent matcher (deliberately simple, not the project's): the spellings a lexicon must equate ---
_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, superscript alef, tatweel
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": ""})
_PLURAL_SPACE = re.compile(r" (های|ها)(?=\W|$)")


def norm(text: str) -> str:
    return _PLURAL_SPACE.sub(r"\1", _MARKS.sub("", text).translate(_FOLD).lower())


def _pattern(terms: list[str]) -> re.Pattern[str]:
    alts = "|".join(re.escape(norm(t)) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)")


LISTED = {f.id: _pattern([t for ts in f.terms.values() for t in ts]) for f in FRAMES}
UNLISTED = {f.id: _pattern([t for ts in f.unlisted.values() for t in ts]) for f in FRAMES}


def text_of(msg: dict[str, Any]) -> str:
    t = msg["text"]
    return t if isinstance(t, str) else "".join(p if isinstance(p, str) else p["text"] for p in t)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    folder = tmp_path_factory.mktemp("demo")
    return folder, generate_demo(folder, SMALL)


@pytest.fixture(scope="module")
def loaded(corpus: tuple[Path, Any]) -> dict[str, dict[str, Any]]:
    """channel_id -> parsed result.json of every JSON export."""
    folder, manifest = corpus
    out = {}
    for path in manifest.exports:
        if path.name == "result.json":
            chat = json.loads(path.read_text(encoding="utf-8"))
            out[str(chat["id"])] = chat
    return out


@pytest.fixture(scope="module")
def truth(corpus: tuple[Path, Any]) -> dict[str, Any]:
    return json.loads(corpus[1].truth_path.read_text(encoding="utf-8"))


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.slow
def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    config = DemoConfig(seed=3, messages=800)
    generate_demo(tmp_path / "a", config)
    generate_demo(tmp_path / "b", config)
    generate_demo(tmp_path / "c", DemoConfig(seed=4, messages=800))
    a, b, c = _hashes(tmp_path / "a"), _hashes(tmp_path / "b"), _hashes(tmp_path / "c")
    assert len(a) >= 15 and any(k.endswith(".html") for k in a)
    assert a == b
    assert a.keys() == c.keys() and a["exports/ChatExport_azadi_voice/result.json"] != c[
        "exports/ChatExport_azadi_voice/result.json"]


@pytest.mark.slow
def test_output_does_not_depend_on_string_hashing(tmp_path: Path) -> None:
    """Same bytes from a fresh interpreter with another PYTHONHASHSEED (no set/dict-order leaks)."""
    import os
    import subprocess
    import sys

    config = DemoConfig(seed=9, messages=500)
    generate_demo(tmp_path / "here", config)
    code = (
        "import sys; from pathlib import Path; from narrascope.demo import DemoConfig, generate_demo; "
        "generate_demo(Path(sys.argv[1]), DemoConfig(seed=9, messages=500))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert _hashes(tmp_path / "here") == _hashes(tmp_path / "there")


@pytest.mark.slow
def test_exports_are_valid_desktop_json(corpus: tuple[Path, Any], loaded: dict[str, dict[str, Any]],
                                        truth: dict[str, Any]) -> None:
    folder, manifest = corpus
    by_id = {c["channel_id"]: c for c in truth["channels"]}
    # 12 base channels (2 exported as HTML) and the coordination cast of 17 (demo/cast.py), all JSON
    assert sum(c["role"] == "news" for c in truth["channels"]) == 12 and len(truth["channels"]) == 12 + 17
    assert len(loaded) == 12 + 17 - 2 and sum(c["export"] == "html" for c in truth["channels"]) == 2
    seen_actions, seen_keys = set(), set()
    for cid, chat in loaded.items():
        assert set(chat) == {"name", "type", "id", "messages"} and chat["name"] == by_id[cid]["name"]
        raw = (folder / by_id[cid]["path"]).read_text(encoding="utf-8")
        assert raw.startswith('{\n "name": ') and '\n  {\n   "id": 1,\n' in raw  # Desktop's 1-space indents
        offset = by_id[cid]["utc_offset"]
        tz = timezone((-1 if offset[0] == "-" else 1) * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:])))
        last_id, last_t = 0, 0
        for msg in chat["messages"]:
            assert msg["id"] == last_id + 1 and int(msg["date_unixtime"]) >= last_t
            last_id, last_t = msg["id"], int(msg["date_unixtime"])
            local = datetime.fromtimestamp(last_t, tz).replace(tzinfo=None).isoformat()
            assert msg["date"] == local
            assert isinstance(msg["text_entities"], list)
            assert text_of(msg) == "".join(e["text"] for e in msg["text_entities"])
            assert {e["type"] for e in msg["text_entities"]} <= ENTITY_TYPES
            assert all("href" in e for e in msg["text_entities"] if e["type"] == "text_link")
            seen_keys.update(msg)
            if msg["type"] == "service":
                seen_actions.add(msg["action"])
                assert msg["actor_id"].startswith(("channel", "user"))
            else:
                assert msg["type"] == "message" and msg["from_id"].startswith(("channel", "user"))
                if "edited_unixtime" in msg:
                    assert int(msg["edited_unixtime"]) > last_t
                if msg.get("photo"):
                    assert msg["photo"].startswith("(File not included.")
            assert "forwarded_date_unixtime" not in msg  # HTML-only helper key never leaks into JSON
    assert {"create_channel", "pin_message", "edit_group_title", "join_group_by_link"} <= seen_actions
    assert {"edited", "reply_to_message_id", "forwarded_from", "author", "reactions", "photo"} <= seen_keys


@pytest.mark.slow
def test_frame_truth_matches_an_independent_recount(loaded: dict[str, dict[str, Any]], truth: dict[str, Any]) -> None:
    recount: Counter[tuple[str, str, str, str]] = Counter()
    for cid, chat in loaded.items():
        for msg in chat["messages"]:
            text = text_of(msg)
            if msg["type"] != "message" or not text:
                continue
            month = datetime.fromtimestamp(int(msg["date_unixtime"]), UTC).strftime("%Y-%m")
            recount[(cid, month, "", "posts")] += 1
            for fid, pattern in LISTED.items():
                recount[(cid, month, fid, "hits")] += bool(pattern.search(norm(text)))
    json_ids = set(loaded)
    cells = [c for c in truth["frame_cells"] if c["channel_id"] in json_ids]
    assert len(cells) == (12 + 17 - 2) * 18 * 2
    for cell in cells:
        key = (cell["channel_id"], cell["month"])
        assert cell["n_posts"] == recount[(*key, "", "posts")], cell
        assert cell["n_detectable"] == recount[(*key, cell["frame"], "hits")], cell
        if cell["detector_exact"]:
            assert cell["n_detectable"] == cell["n_carrying"], cell
    hard = [c for c in cells if not c["detector_exact"]]
    assert hard and sum(c["n_detectable"] != c["n_carrying"] for c in hard) >= 5  # hard cases are present


def test_frames_csv_equals_the_json_cells(corpus: tuple[Path, Any], truth: dict[str, Any]) -> None:
    with corpus[1].frames_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(truth["frame_cells"]) == (12 + 17) * 18 * 2
    for row, cell in zip(rows, truth["frame_cells"], strict=True):
        assert row == {k: str(v) for k, v in cell.items()}


def test_hard_cases_explain_every_detector_error(
    corpus: tuple[Path, Any], loaded: dict[str, dict[str, Any]], truth: dict[str, Any]
) -> None:
    with corpus[1].hard_cases_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    exact = {c["channel_id"] for c in truth["channels"] if c["detector_exact"]}
    assert {r["kind"] for r in rows} == {"decoy", "paraphrase"}
    assert not {r["channel_id"] for r in rows} & exact
    msgs = {(cid, m["id"]): m for cid, chat in loaded.items() for m in chat["messages"]}
    error: Counter[tuple[str, str, str]] = Counter()
    for r in rows:
        msg = msgs[(r["channel_id"], int(r["message_id"]))]
        found = bool(LISTED[r["frame"]].search(norm(text_of(msg))))
        assert found == (r["kind"] == "decoy")
        month = datetime.fromtimestamp(int(msg["date_unixtime"]), UTC).strftime("%Y-%m")
        error[(r["channel_id"], month, r["frame"])] += 1 if r["kind"] == "decoy" else -1
    for cell in truth["frame_cells"]:
        key = (cell["channel_id"], cell["month"], cell["frame"])
        assert cell["n_detectable"] - cell["n_carrying"] == error[key], cell


def test_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    from narrascope.errors import UsageError

    for bad in (DemoConfig(messages=0), DemoConfig(start="2024-01-15"), DemoConfig(html_channels=13)):
        with pytest.raises(UsageError, match="demo config"):
            generate_demo(tmp_path, bad)


def test_planted_spellings_all_occur_and_normalise_to_the_listed_term(loaded: dict[str, dict[str, Any]]) -> None:
    corpus_text = "\n".join(text_of(m) for chat in loaded.values() for m in chat["messages"] if m["text"])
    for frame in FRAMES:
        for lang, terms in frame.terms.items():
            for term in terms:
                for variant in term_variants(frame, lang, term):
                    assert norm(variant) == norm(term)
                    assert LISTED[frame.id].fullmatch(norm(variant))
    for needle in ("\u0640", "ي", "ك", "\u0650", "REGIME CHANGE", "کانون های شورشی", "اغتشاش\u200cگران"):
        assert needle in corpus_text, needle


def test_filler_material_is_frame_free() -> None:
    material: list[str] = []
    for lang in phrases.LANGS:
        material += phrases.FILLER[lang] + phrases.HEADLINES[lang] + phrases.CO_SENTENCES[lang]
        material += phrases.ADDED[lang] + phrases.BOILERPLATE[lang] + phrases.TOPIC_TAGS[lang]
        material += tuple(phrases.SWAPS[lang].values())
        for pool in phrases.SLOTS[lang].values():
            material += pool
        for by_frame in (phrases.FRAME_SENTENCES, phrases.PARAPHRASES, phrases.DECOYS):
            for fid in by_frame:
                material += by_frame[fid][lang]
    material += phrases.GROUP_MEMBERS
    for text in material:
        plain = norm(text.replace("{term}", "").replace("{co}", ""))
        for fid in LISTED:
            assert not LISTED[fid].search(plain) or text in _decoys(fid), text
            assert not UNLISTED[fid].search(plain), text
            squashed = plain.replace(" ", "")
            for term in [t for f in FRAMES for ts in f.terms.values() for t in ts]:
                if text not in _decoys_all():
                    assert norm(term).replace(" ", "") not in squashed, (text, term)


def _decoys(fid: str) -> set[str]:
    return {t for ts in phrases.DECOYS[fid].values() for t in ts}


def _decoys_all() -> set[str]:
    return set().union(*(_decoys(f.id) for f in FRAMES))


def test_cascade_truth_points_at_real_messages(corpus: tuple[Path, Any], loaded: dict[str, dict[str, Any]],
                                               truth: dict[str, Any]) -> None:
    folder, manifest = corpus
    names = {c["channel_id"]: c["name"] for c in truth["channels"]}
    roles = {c["channel_id"]: c["role"] for c in truth["channels"]}
    html = {c["channel_id"]: (folder / c["path"]) for c in truth["channels"] if c["export"] == "html"}
    html_text = {cid: "".join(p.read_text(encoding="utf-8") for p in sorted(d.glob("messages*.html")))
                 for cid, d in html.items()}
    msgs = {(cid, m["id"]): m for cid, chat in loaded.items() for m in chat["messages"]}
    with manifest.cascades_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == manifest.n_cascade_members and manifest.n_cascades >= 40
    by_cascade: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_cascade[row["cascade_id"]].append(row)
    relations = Counter(r["relation"] for r in rows)
    assert relations["origin"] == len(by_cascade) and min(relations.values()) >= 20
    json_forwards = 0
    for members in by_cascade.values():
        origin = members[0]
        assert origin["relation"] == "origin" and len(members) >= 2
        seen = {(origin["channel_id"], origin["message_id"])}
        for row in members:
            key = (row["channel_id"], int(row["message_id"]))
            if row["channel_id"] in html_text:
                assert f'id="message{row["message_id"]}"' in html_text[row["channel_id"]]
            else:
                assert key in msgs, row
            if row["relation"] == "origin":
                continue
            assert (row["parent_channel_id"], row["parent_message_id"]) in seen
            # base channels reuse a story at least 2 minutes later; the cast reposts (aggregator 20 s-15 min,
            # family 5-40 s) and copies campaign texts (within seconds) faster
            fast = roles[row["channel_id"]] != "news"
            assert int(row["lag_seconds"]) >= (1 if fast else 120) and row["channel_id"] != origin["channel_id"]
            seen.add((row["channel_id"], row["message_id"]))
            if row["channel_id"] in html_text:
                continue
            msg = msgs[key]
            parent = msgs.get((row["parent_channel_id"], int(row["parent_message_id"])))
            if row["relation"] == "forward":
                json_forwards += 1
                assert msg["forwarded_from"] == names[origin["channel_id"]]
                assert (row["parent_channel_id"], row["parent_message_id"]) == (origin["channel_id"],
                                                                                 origin["message_id"])
            else:
                assert "forwarded_from" not in msg
            if parent is not None and row["relation"] in ("forward", "copy"):
                assert text_of(msg).startswith(text_of(parent))
                assert text_of(msg) == text_of(parent) or text_of(msg)[len(text_of(parent)):].strip().count("@") == 1
            if parent is not None and row["relation"] == "rewrite":
                assert text_of(msg) != text_of(parent) and 0.2 <= float(row["jaccard5_to_parent"]) < 1
    assert json_forwards >= 20  # JSON channels carry most forward relations


def _shingle_sets(texts: list[str]) -> list[set[str]]:
    out = []
    for text in texts:
        toks = text.lower().split()
        out.append({" ".join(toks[i:i + 5]) for i in range(len(toks) - 4)})
    return out


@pytest.mark.slow
def test_unrelated_posts_are_not_near_duplicates() -> None:
    stream = DemoStream(DemoConfig(seed=5, messages=2000))
    texts = {(spec.channel_id, m["id"]): text_of(m) for spec, m in stream if m["type"] == "message" and m["text"]}
    in_cascade = {(c.channel_id, c.message_id) for c in stream.cascades}
    plain = [t for k, t in texts.items() if k not in in_cascade]
    assert len(plain) >= 1500
    sets = _shingle_sets(plain)
    index: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for sh in s:
            index[sh].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for posting in index.values():
        if len(posting) > 200:  # boilerplate lines shared by a whole channel
            continue
        for a in range(len(posting)):
            for b in range(a + 1, len(posting)):
                shared[(posting[a], posting[b])] += 1
    worst = max(n / min(len(sets[a]), len(sets[b])) for (a, b), n in shared.items())
    assert worst <= 0.5, worst


@pytest.mark.slow
def test_carrying_is_bernoulli_within_cells() -> None:
    """Wilson 95% intervals of realised shares cover p_true in about 95% of cells across corpora."""
    covered = total = 0
    for seed in range(40):
        stream = DemoStream(DemoConfig(seed=seed, messages=1500, html_channels=0))
        for _ in stream:
            pass
        for cell in stream.frame_cells.values():
            n = cell.n_posts
            if n < 5:
                continue
            p, z = cell.n_carrying / n, 1.959964
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            covered += centre - half <= cell.p_true <= centre + half
            total += 1
    assert total > 5000
    assert 0.93 <= covered / total <= 0.97, covered / total


def test_change_point_and_rising_activity(truth: dict[str, Any]) -> None:
    (cp,) = truth["change_points"]
    cells = [c for c in truth["frame_cells"] if c["channel_id"] == cp["channel_id"] and c["frame"] == cp["frame"]]
    before = [c for c in cells if c["month"] < cp["month"]]
    after = [c for c in cells if c["month"] >= cp["month"]]
    assert {c["p_true"] for c in before} == {cp["p_before"]} and {c["p_true"] for c in after} == {cp["p_after"]}
    share = lambda cs: sum(c["n_carrying"] for c in cs) / sum(c["n_posts"] for c in cs)  # noqa: E731
    assert share(after) - share(before) > 0.25
    mean_posts = lambda cs: sum(c["n_posts"] for c in cs) / len(cs)  # noqa: E731
    assert mean_posts(after) > 2 * mean_posts(before)


def test_unlisted_terms_lean_to_carrying_posts(loaded: dict[str, dict[str, Any]]) -> None:
    hits: dict[str, Counter[tuple[bool, str]]] = {f.id: Counter() for f in FRAMES}
    for chat in loaded.values():
        for msg in chat["messages"]:
            text = norm(text_of(msg))
            if msg["type"] != "message" or not text:
                continue
            for fid in hits:
                carrying = bool(LISTED[fid].search(text))
                hits[fid][(carrying, "posts")] += 1
                hits[fid][(carrying, "co")] += bool(UNLISTED[fid].search(text))
    for c in hits.values():
        rate_in = c[(True, "co")] / c[(True, "posts")]
        rate_out = c[(False, "co")] / c[(False, "posts")]
        assert rate_in > 0.4 and rate_out < 0.05 and c[(True, "co")] > c[(False, "co")]


def test_planted_lexicon_round_trips_as_yaml(tmp_path: Path) -> None:
    lex = planted_lexicon()
    assert [f["id"] for f in lex["frames"]] == ["resistance", "sedition"]
    assert all(set(f["terms"]) == {"en", "fa"} and all(f["terms"].values()) for f in lex["frames"])
    path = write_planted_lexicon(tmp_path / "lex.yaml")
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == lex
    assert "خیزش" in path.read_text(encoding="utf-8")


def test_coordination_truth_points_at_real_messages(corpus: tuple[Path, Any], loaded: dict[str, dict[str, Any]],
                                                    truth: dict[str, Any]) -> None:
    """Every planted campaign post exists, carries its campaign's link and sits within the group's spread; channels.csv
    gives every channel its attributes; the decoys are where truth.json says."""
    folder, manifest = corpus
    coordination = truth["coordination"]
    groups = {g["id"]: g for g in coordination["groups"]}
    assert set(groups) == {"A", "B", "C"} and [len(g["channel_ids"]) for g in groups.values()] == [4, 3, 3]
    msgs = {(cid, m["id"]): m for cid, chat in loaded.items() for m in chat["messages"]}
    with manifest.coordination_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(sum(g["posts"].values()) for g in groups.values()) and len(rows) > 50
    events: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        msg = msgs[(row["channel_id"], int(row["message_id"]))]
        assert row["channel_id"] in groups[row["group"]]["channel_ids"]
        assert int(msg["date_unixtime"]) == int(row["posted_unixtime"])
        links = [e.get("href", e["text"]) for e in msg["text_entities"] if e["type"] in ("link", "text_link")]
        assert row["url"] in links
        events[(row["group"], row["event"])].append(int(row["posted_unixtime"]))
    for (gid, _), times in events.items():
        assert max(times) - min(times) < groups[gid]["spread_seconds"] and len(set(times)) == len(times)
    assert sum(len(t) >= 2 for t in events.values()) > 20
    with manifest.channels_csv.open(encoding="utf-8") as fh:
        attrs = {r["channel_id"]: r for r in csv.DictReader(fh)}
    assert set(attrs) == {c["channel_id"] for c in truth["channels"]}
    assert {r["location"] for r in attrs.values()} == {"inside", "abroad"}
    decoys = {d["kind"]: d for d in coordination["decoys"]}
    (aggregator,) = decoys["aggregator"]["channel_ids"]
    assert attrs[aggregator]["type"] == "aggregator"
    assert len({attrs[c]["owner"] for c in decoys["same_owner"]["channel_ids"]}) == 1
    digests = decoys["popular_hours"]["channel_ids"]
    for cid in digests:  # digests post only in their five minutes of the day
        times = [int(m["date_unixtime"]) % 86400 for m in loaded[cid]["messages"] if m["type"] == "message"]
        assert times and all(59_400 <= t < 59_700 for t in times)
    pattern = truth["forward_pattern"]
    assert sum(pattern["forward_counts"].values()) >= sum(pattern["forward_counts_news"].values()) > 20
