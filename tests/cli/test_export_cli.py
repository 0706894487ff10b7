"""narrascope export --parquet and import-results from the command line (JSON, one-line errors, exit codes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from narrascope import Corpus
from narrascope.cli import main
from narrascope.engines.results import ResultManifest, write_result_dataset
from narrascope.frames import load_lexicon
from narrascope.frames.corpus_match import frame_hits_key, match_corpus
from tests.conftest import desktop_message


def test_export_writes_the_dataset_and_says_so(demo_store: tuple[Path, Any], tmp_path: Path, capsys) -> None:
    assert main(["export", "--parquet", str(tmp_path / "out"), "--db", str(demo_store[0]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    with Corpus.open(demo_store[0], read_only=True) as corpus:
        assert out["messages"] == corpus.sql("SELECT count(*) AS n FROM messages")["n"][0]
        assert out["state_token"] == corpus.state_token()
    assert (tmp_path / "out" / "_narrascope.json").is_file() and out["folder"] == str(tmp_path / "out")
    assert main(["export", "--parquet", str(tmp_path / "out"), "--db", str(demo_store[0])]) == 0  # replaced
    assert "messages in" in capsys.readouterr().out


def test_export_refuses_a_foreign_folder_in_one_line(demo_store: tuple[Path, Any], tmp_path: Path, capsys) -> None:
    (tmp_path / "mine.txt").write_text("x", encoding="utf-8")
    assert main(["export", "--parquet", str(tmp_path), "--db", str(demo_store[0])]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--force" in err and len(err.strip().splitlines()) == 1


def test_import_results_publishes_a_dataset(demo_store: tuple[Path, Any], tmp_path: Path, chat_file, capsys) -> None:
    db = tmp_path / "c.duckdb"
    shutil.copy(demo_store[0], db)
    lex = load_lexicon(demo_store[1].lexicon_path)
    with Corpus.open(db, read_only=True) as corpus:
        hits = match_corpus(corpus, lex, since="2025-03-01")
        manifest = ResultManifest(analysis="frames", key=frame_hits_key(lex, corpus, "2025-03-01", None),
                                  state_token=corpus.state_token(), tables=["frame_hits"],
                                  rows={"frame_hits": hits.num_rows})
    write_result_dataset(tmp_path / "res", manifest, {"frame_hits": hits})
    assert main(["import-results", str(tmp_path / "res"), "--db", str(db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["key"] == manifest.key and out["tables"] == {"frame_hits": hits.num_rows}
    with Corpus.open(db) as corpus:
        assert corpus.results.has("frame_hits", manifest.key)
        corpus.ingest([chat_file([desktop_message(1, "later")])])
    assert main(["import-results", str(tmp_path / "res"), "--db", str(db)]) == 2
    assert "export again" in capsys.readouterr().err
