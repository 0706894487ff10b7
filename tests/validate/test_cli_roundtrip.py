"""End to end: `validate sample` → a script codes the CSV as a coder would and re-saves it the way a spreadsheet
does (UTF-16 with tabs; Windows-1256 with semicolons) → `validate score` (also with two coders) → corrected
shares from the same files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from narrascope.cli import main
from narrascope.frames.lexicon import load_lexicon
from narrascope.store.corpus import Corpus
from narrascope.validate import validated_frame_shares


def _code(sample: Path, out: Path, encoding: str, delimiter: str, coder: str, flip_every: int = 0) -> Path:
    rows = list(csv.DictReader(io.StringIO(sample.read_text(encoding="utf-8-sig"), newline="")))
    for i, r in enumerate(rows):
        label = 1 if "[[" in r["text"] else 0  # this coder agrees with the dictionary …
        if flip_every and i % flip_every == 0:
            label = 1 - label  # … except now and then
        r["label"] = ["no", "yes"][label] if encoding == "cp1256" else str(label)
        r["coder"] = coder
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    out.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    return out


@pytest.mark.slow
def test_sample_code_score_correct(demo_store, tmp_path, capsys):
    db, lexicon = demo_store / "corpus.duckdb", demo_store / "demo" / "lexicon.yaml"
    sample = tmp_path / "sample.csv"
    assert main(["validate", "sample", str(lexicon), "--frame", "sedition", "--n", "120", "--by", "channel",
                 "--seed", "1", "-o", str(sample), "--db", str(db), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["items"] == 120 and summary["hits"] == 60
    ann = _code(sample, tmp_path / "ann.csv", "utf-16", "\t", "ann")
    bob = _code(sample, tmp_path / "bob.txt", "cp1256", ";", "bob", flip_every=10)
    assert main(["validate", "score", str(ann), str(bob), "--lexicon", str(lexicon), "--json",
                 "--bootstrap", "200"]) == 0
    report = json.loads(capsys.readouterr().out)
    entry = report["frames"][0]
    assert entry["frame"] == "sedition" and report["coders"] == ["ann", "bob"]
    assert entry["agreement"]["pairable_items"] == 120
    assert len(entry["agreement"]["disagreements"]) == 12
    assert 0.5 < entry["agreement"]["alpha"] < 0.95
    acc = entry["accuracy"]
    assert acc["precision"]["coded"] + acc["npv"]["coded"] <= 120
    assert any("cp1256" in w for w in report["warnings"])
    # human-readable output too
    assert main(["validate", "score", str(ann)]) == 0
    assert "precision (PPV)" in capsys.readouterr().out

    # … and the corrected shares from the CLI, from both re-saved files (two coders: majority labels)
    assert main(["frames", str(lexicon), "--by", "channel", "--validated", str(ann), "--validated", str(bob),
                 "--db", str(db),
                 "--json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out)["rows"] if r["frame"] == "sedition"]
    assert rows and all(r["corrected"] is not None and r["corrected_lower"] <= r["corrected"] <= r["corrected_upper"]
                        for r in rows)
    assert all(r["coded"] > 0 for r in rows)

    with Corpus.open(db, read_only=True) as corpus:
        table, coded = validated_frame_shares(corpus, load_lexicon(lexicon), [ann], by=["channel"])
    sedition = table.filter(pl.col("frame") == "sedition")
    assert {"share", "corrected", "corrected_lower", "corrected_upper", "ppi", "warning"} <= set(table.columns)
    # ann agrees with the dictionary everywhere: the corrected share equals the raw one
    assert (sedition["corrected"] - sedition["share"]).abs().max() < 1e-9


def test_score_reports_each_problem_and_exits_2(demo_store, tmp_path, capsys):
    db, lexicon = demo_store / "corpus.duckdb", demo_store / "demo" / "lexicon.yaml"
    sample = tmp_path / "sample.csv"
    assert main(["validate", "sample", str(lexicon), "--frame", "resistance", "--n", "30", "-o", str(sample),
                 "--db", str(db)]) == 0
    capsys.readouterr()
    text = sample.read_bytes().decode("utf-8-sig").replace("S0003", "S9999", 1)
    lines = text.split("\r\n")
    lines[1] = lines[1].replace(",,,,", ",perhaps,,,", 1)
    sample.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    assert main(["validate", "score", str(sample)]) == 2
    err = capsys.readouterr().err
    assert "'perhaps' is not allowed" in err and "check code" in err
    assert "2 problem(s)" in err
    # the warnings found on the way (here: the rows left unlabelled) are not lost behind the errors
    assert "warning:" in err and "have no label" in err
    # a file drawn with another lexicon: one line for the file, not one per row
    from narrascope.frames import EXAMPLE_LEXICON

    good = tmp_path / "good.csv"
    good.write_bytes(sample.read_bytes().decode("utf-8-sig").replace(",perhaps,", ",1,").replace("S9999", "S0003")
                     .encode("utf-8-sig"))
    assert main(["validate", "score", str(good), "--lexicon", str(EXAMPLE_LEXICON)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 2 and "drawn with lexicon" in err and "1 problem(s)" in err, err
