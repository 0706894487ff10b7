"""Reading coded files back: spreadsheet encodings, and one line per problem — nothing dropped silently."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from narrascope.frames.lexicon import parse_lexicon_yaml
from narrascope.validate.coded import CodedFileError, decode_csv_bytes, load_coded, parse_label
from narrascope.validate.sample import draw_sample, write_sample_csv

from .helpers import LEXICON, synthetic


def _sample(tmp_path: Path, n: int = 60) -> tuple[Path, list[dict[str, str]]]:
    messages, hits, truth = synthetic(400)
    s = draw_sample(messages, hits, "unrest", n, lexicon_hash=LEXICON.content_hash, seed=2)
    path = write_sample_csv(s, tmp_path / "sample.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    uid_truth = {f"{i:032x}": int(t) for i, t in enumerate(truth)}
    for r in rows:
        r["label"] = str(uid_truth[r["uid"]])
    return path, rows


def _write(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8-sig", delimiter: str = ",",
           newline: str = "\r\n") -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator=newline)
    w.writeheader()
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    return path


@pytest.mark.parametrize(("encoding", "delimiter", "newline"), [
    ("utf-8-sig", ",", "\r\n"), ("utf-8", ",", "\r\n"), ("utf-16", "\t", "\r\n"), ("utf-16-le", "\t", "\n"),
    ("cp1256", ";", "\r\n"),
])
def test_spreadsheet_resaves_are_read(tmp_path, encoding, delimiter, newline):
    _, rows = _sample(tmp_path)
    path = _write(tmp_path / "coded.csv", rows, encoding, delimiter, newline)
    coded = load_coded(path, LEXICON)
    assert len(coded.items) == len(rows)
    assert coded.items["label"].to_list() == [int(r["label"]) for r in rows]
    assert (len(coded.warnings) == 1) == (encoding == "cp1256")


def test_decode_detects_each_encoding():
    text = "sample_id,label\nS0001,بله\n"
    for enc, name in (("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-8", "utf-8"), ("cp1256", "cp1256")):
        decoded, found = decode_csv_bytes(text.encode(enc))
        assert found == name and decoded.replace("\ufeff", "") == text


def test_labels_in_many_spellings():
    assert [parse_label(x) for x in ["1", "YES", "True", "۱", "بله", " x "]] == [1] * 6
    assert [parse_label(x) for x in ["0", "no", "FALSE", "۰", "خیر"]] == [0] * 5
    assert parse_label("") is None and parse_label("?") == "unsure"
    with pytest.raises(ValueError):
        parse_label("maybe")


def test_every_problem_is_reported_on_its_own_line(tmp_path):
    _, rows = _sample(tmp_path)
    rows[0]["label"] = "maybe"  # outside the allowed set
    rows[1]["sample_id"] = "X12"  # unknown id
    rows[2]["uid"] = "f" * 32  # edited uid: fails the check code
    rows[3]["label"] = ""  # missing: a warning, not an error
    rows[4]["label"] = "?"  # unsure: a warning
    rows.append(dict(rows[5]))  # duplicate row
    with pytest.raises(CodedFileError) as err:
        load_coded(_write(tmp_path / "coded.csv", rows), LEXICON)
    problems = err.value.problems
    assert len(problems) == 4, problems
    assert all("\n" not in p for p in problems)
    assert any("'maybe' is not allowed" in p and "row 2 " in p for p in problems)
    assert any("unknown sample id 'X12'" in p for p in problems)
    assert any("check code" in p and "row 4 " in p for p in problems)
    assert any("appears twice" in p for p in problems)


def test_missing_labels_are_warnings_and_counted(tmp_path):
    _, rows = _sample(tmp_path)
    rows[3]["label"] = ""
    rows[4]["label"] = "?"
    coded = load_coded(_write(tmp_path / "coded.csv", rows), LEXICON)
    assert len(coded.items) == len(rows)  # kept, with a null label
    assert coded.items["label"].null_count() == 2
    assert any("1 row(s) have no label" in w for w in coded.warnings)
    assert any("marked unsure" in w for w in coded.warnings)


def test_a_file_from_another_lexicon_is_refused(tmp_path):
    path, rows = _sample(tmp_path)
    other = parse_lexicon_yaml("frames:\n  - id: unrest\n    terms:\n      en: [riot]\n")
    with pytest.raises(CodedFileError, match="drawn with lexicon"):
        load_coded(_write(tmp_path / "coded.csv", rows), other)


def test_missing_columns_and_mixed_samples(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,label\n1,1\n", encoding="utf-8")
    with pytest.raises(CodedFileError, match="missing column"):
        load_coded(bad)
    _, rows_a = _sample(tmp_path)
    messages, hits, _ = synthetic(400)
    s2 = draw_sample(messages, hits, "unrest", 60, lexicon_hash=LEXICON.content_hash, seed=99)
    p2 = write_sample_csv(s2, tmp_path / "other.csv")
    with pytest.raises(CodedFileError, match="different samples"):
        load_coded([_write(tmp_path / "a.csv", rows_a), p2], LEXICON)


@pytest.mark.slow
def test_a_sample_nobody_has_coded_yet_is_refused(tmp_path):
    """Scoring an uncoded sample must not print a table of empty estimates with exit 0."""
    import csv as _csv

    from narrascope.cli import main
    from narrascope.demo import DemoConfig, generate_demo

    manifest = generate_demo(tmp_path / "d", DemoConfig(messages=600, html_channels=0))
    db = str(tmp_path / "c.duckdb")
    assert main(["ingest", str(manifest.folder / "exports"), "--db", db, "--no-progress"]) == 0
    sample = tmp_path / "s.csv"
    frame = manifest.lexicon_path.read_text(encoding="utf-8").split("id:")[1].split()[0].strip("'\"")
    assert main(["validate", "sample", str(manifest.lexicon_path), "--frame", frame, "--n", "40", "--db", db,
                 "-o", str(sample)]) == 0
    with open(sample, encoding="utf-8-sig") as fh:
        assert all(not r["label"] for r in _csv.DictReader(fh))
    assert main(["validate", "score", str(sample)]) == 2
