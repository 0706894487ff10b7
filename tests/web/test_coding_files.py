"""Coded samples leave and re-enter the web interface as the CLI's CSV files, unchanged."""

from __future__ import annotations

import re

import pytest

from narrascope.errors import UsageError
from narrascope.frames import load_lexicon
from narrascope.store import coding
from narrascope.validate import sample_corpus
from narrascope.web import coding_files
from tests.web.conftest import csrf

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def coded(client, demo_copy):
    db, _ = demo_copy
    lexicon = load_lexicon(db.parent / "lexicon.yaml")
    store = client.app.state.web.store
    with store.writer() as writer:
        rows = sample_corpus(writer, lexicon, "resistance", 12)
        coding.add_lexicon(writer, lexicon_hash=lexicon.content_hash, name="demo", filename="lexicon.yaml",
                           fmt="yaml", source=(db.parent / "lexicon.yaml").read_text(encoding="utf-8"))
        key = coding.create_sample(writer, rows, name="s", frame="resistance", lexicon_hash=lexicon.content_hash)
        for i, item in enumerate(rows["sample_id"].to_list()):
            coding.set_label(writer, key, item, "ana", "1" if i % 2 else "0", note="n" if i == 3 else None)
            if i < 8:
                coding.set_label(writer, key, item, "bo", "1" if i % 3 else "0")
    return key, rows


def test_export_then_import_gives_the_same_labels(client, coded):
    key, _ = coded
    exported = client.get(f"/validate/{key}/export.csv", params={"coder": "ana"})
    assert exported.status_code == 200 and exported.content.startswith("\ufeff".encode())
    token = csrf(client)
    response = client.post("/validate/import", data={"csrf_token": token}, follow_redirects=False,
                           files={"file": ("copy.csv", exported.content, "text/csv")})
    assert response.status_code == 303, response.text[-500:]
    new_key = re.search(r"/validate/([0-9a-f]{12})$", response.headers["location"]).group(1)
    store = client.app.state.web.store
    original = coding.labels(store.reader(), key, "ana").select("sample_id", "label", "note").sort("sample_id")
    copied = coding.labels(store.reader(), new_key, "ana").select("sample_id", "label", "note").sort("sample_id")
    assert copied.equals(original)
    assert coding.items(store.reader(), new_key).drop("position").equals(
        coding.items(store.reader(), key).drop("position"))
    # and back into the first sample as a third coder's file (coder named by the file, as validate score does)
    blank = exported.content.decode("utf-8-sig").replace(",ana,", ",,")
    response = client.post(f"/validate/{key}/import", data={"csrf_token": token}, follow_redirects=False,
                           files={"file": ("cy.csv", blank.encode("utf-8"), "text/csv")})
    assert response.status_code == 303
    assert coding.labels(store.reader(), key, "cy").height == original.height


def test_tampered_rows_are_refused(client, coded):
    key, _ = coded
    text = client.get(f"/validate/{key}/export.csv", params={"coder": "ana"}).content.decode("utf-8-sig")
    lines = text.split("\r\n")
    with pytest.raises(UsageError, match="check code"):
        coding_files.parse_upload("\r\n".join([lines[0], lines[1].replace("S0001", "S0002", 1)]).encode(), "x.csv")
    with pytest.raises(UsageError, match="not an id"):
        coding_files.parse_upload("\r\n".join([lines[0], lines[1].replace("S0001", "'><b>", 1)]).encode(), "x.csv")
    with pytest.raises(UsageError, match="missing column"):
        coding_files.parse_upload(b"a,b\r\n1,2\r\n", "x.csv")


def test_agreement_and_corrected_shares_appear_once_enough_is_coded(client, coded):
    key, _ = coded
    page = client.get(f"/validate/{key}/agreement")
    assert page.status_code == 200
    assert 'id="alpha"' in page.text and "Disagreements" in page.text
    with coding_files.coded_files(client.app.state.web.store.reader(), key) as paths:
        assert len(paths) == 2
