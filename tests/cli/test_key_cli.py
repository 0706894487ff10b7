"""narrascope key export / import: two stores share pseudonyms; a different key is refused once authors exist."""

from __future__ import annotations

import json

import pytest

from narrascope import Corpus
from narrascope.cli import main
from tests.conftest import desktop_message


@pytest.mark.slow
def test_key_round_trip_gives_same_pseudonyms(tmp_path, chat_file, capsys):
    path = chat_file([desktop_message(1, author="Sara Ahmadi"), desktop_message(2, author="Reza K")])
    a, b = str(tmp_path / "a.duckdb"), str(tmp_path / "b.duckdb")
    keyfile = tmp_path / "key.txt"
    assert main(["ingest", str(path), "--db", a, "--no-progress"]) == 0
    assert main(["key", "export", "-o", str(keyfile), "--db", a]) == 0
    assert oct(keyfile.stat().st_mode & 0o777) == "0o600"
    capsys.readouterr()
    assert main(["key", "import", str(keyfile), "--db", b, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == str(keyfile)
    assert main(["ingest", str(path), "--db", b, "--no-progress"]) == 0
    with Corpus.open(a, read_only=True) as ca, Corpus.open(b, read_only=True) as cb:
        q = "SELECT message_id, author FROM messages ORDER BY message_id"
        assert ca.sql(q).rows() == cb.sql(q).rows()
    other = tmp_path / "other.txt"
    other.write_text("ab" * 32, encoding="ascii")
    capsys.readouterr()
    assert main(["key", "import", str(other), "--db", b]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["key", "export", "--db", a, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["key"]) == 64
