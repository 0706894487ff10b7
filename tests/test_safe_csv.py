"""CSV exports cannot run formulas (issue 15): every text cell a spreadsheet would read as a formula is
neutralised by the one shared helper, in `frames --csv` and in validation samples alike."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from narrascope.cli import main
from narrascope.errors import UsageError
from narrascope.safe_csv import FORMULA_PREFIXES, neutralise, neutralise_frame, write_csv
from tests.conftest import desktop_message, write_chat

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
            "\t=1", "\r=1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_formulas_get_an_apostrophe(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise_frame(pl.DataFrame({"c": [value]}))["c"][0] == "'" + value


def test_plain_text_numbers_and_lists_are_left_alone() -> None:
    assert neutralise("plain = text") == "plain = text" and neutralise(-3) == -3 and neutralise(None) is None
    frame = neutralise_frame(pl.DataFrame({"n": [-1.5], "tags": [["=x", "y"]], "t": ["a"]}))
    assert frame["n"][0] == -1.5 and frame["tags"][0] == "'=x; y" and frame["t"][0] == "a"
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


def test_write_csv_refuses_a_missing_folder_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        write_csv(pl.DataFrame({"a": [1]}), tmp_path / "no" / "x.csv")


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


@pytest.mark.slow
def test_frames_csv_and_validation_samples_are_neutralised(tmp_path: Path, capsys: Any) -> None:
    messages = [desktop_message(i, f"{FORMULAS[0]} resistance {i}") for i in range(1, 9)]
    write_chat(tmp_path / "e" / "result.json", messages, name=FORMULAS[0], chat_id=1001)
    db = str(tmp_path / "c.duckdb")
    assert main(["ingest", str(tmp_path / "e"), "--db", db, "--no-progress"]) == 0
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("frames:\n  - id: f\n    terms:\n      en: [resistance]\n")
    assert main(["frames", str(lexicon), "--by", "channel", "--csv", str(tmp_path / "f.csv"), "--db", db]) == 0
    assert main(["validate", "sample", str(lexicon), "--frame", "f", "--n", "4", "-o", str(tmp_path / "s.csv"),
                 "--db", db]) == 0
    for name in ("f.csv", "s.csv"):
        cells = _cells(tmp_path / name)
        assert any(c.startswith("'=HYPERLINK") for c in cells), name
        assert not any(c.startswith(FORMULA_PREFIXES) for c in cells), name
    assert main(["frames", str(lexicon), "--csv", str(tmp_path / "no" / "f.csv"), "--db", db]) == 2
    assert "does not exist" in capsys.readouterr().err
