"""narrascope frames / trends / show on the demo corpus, through the CLI entry point."""

from __future__ import annotations

import csv
import json

import pytest

from narrascope.cli import main
from narrascope.frames import load_lexicon
from narrascope.frames.prevalence import ANY
from narrascope.text.normalize import normalize


def _run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_frames_json_csv_and_overall(demo_store, capsys, tmp_path):
    db, manifest = demo_store
    lex = str(manifest.lexicon_path)
    code, out, _ = _run(capsys, "frames", lex, "--db", str(db), "--by", "channel", "--json",
                        "--csv", str(tmp_path / "t.csv"))
    assert code == 0
    data = json.loads(out)
    frames = {r["frame"] for r in data["rows"]}
    assert frames == {*(f.id for f in load_lexicon(lex).frames), ANY}
    assert all(r["lower"] <= r["share"] <= r["upper"] for r in data["rows"])
    with open(tmp_path / "t.csv", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(data["rows"])
    code, out, _ = _run(capsys, "frames", lex, "--db", str(db), "--by", "", "--weight", "views", "--json")
    overall = json.loads(out)["rows"]
    assert code == 0 and len(overall) == len(frames)
    assert {"w_share", "n_eff"} <= set(overall[0])


def test_frames_bad_arguments_are_one_line_errors(demo_store, capsys, tmp_path):
    db, manifest = demo_store
    code, _, err = _run(capsys, "frames", str(manifest.lexicon_path), "--db", str(db), "--by", "colour")
    assert code == 2 and "--by colour" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("frames:\n  - id: x\n    terms:\n      en: ['']\n", encoding="utf-8")
    code, _, err = _run(capsys, "frames", str(bad), "--db", str(db))
    assert code == 2 and "line" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, "show", str(manifest.lexicon_path), "--frame", "nope", "--db", str(db))
    assert code == 2 and "nope" in err
    code, _, err = _run(capsys, "frames", str(manifest.lexicon_path), "--db", str(tmp_path / "missing.duckdb"))
    assert code == 2 and "narrascope ingest" in err


def test_trends_reports_the_planted_rise(demo_store, capsys):
    db, manifest = demo_store
    code, out, _ = _run(capsys, "trends", str(manifest.lexicon_path), "--db", str(db), "--compare", "12m", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data["series"]) >= {ANY}
    activity = data["activity_comparison"][0]
    # the generator makes activity rise in the last 12 months
    assert activity["rate_ratio_lower"] > 1.0
    for row in data["comparison"]:
        assert row["diff_lower"] <= row["diff"] <= row["diff_upper"]
    code, _, err = _run(capsys, "trends", str(manifest.lexicon_path), "--db", str(db), "--compare", "soon")
    assert code == 2 and "12m" in err


def test_show_spans_slice_the_original_text_to_a_term(demo_store, capsys):
    db, manifest = demo_store
    lexicon = load_lexicon(manifest.lexicon_path)
    frame = lexicon.frames[0]
    code, out, _ = _run(capsys, "show", str(manifest.lexicon_path), "--frame", frame.id, "--n", "5",
                        "--db", str(db), "--json")
    assert code == 0
    shown = json.loads(out)
    assert len(shown) == 5
    terms = {normalize(t.text) for t in frame.terms}
    for m in shown:
        assert m["spans"]
        for s in m["spans"]:
            assert normalize(m["text"][s["start"]:s["end"]]) in terms | {normalize(s["term"])}


@pytest.mark.parametrize("k", [1, 50])
def test_reach_counts_channels(demo_store, capsys, k):
    db, manifest = demo_store
    code, out, _ = _run(capsys, "frames", str(manifest.lexicon_path), "--db", str(db), "--reach", str(k), "--by", "",
                        "--json")
    rows = json.loads(out)["rows"]
    channels = len(json.loads(manifest.truth_path.read_text(encoding="utf-8"))["channels"])  # base + coordination cast
    assert code == 0 and all(r["channels"] == channels for r in rows)
    assert all(0 <= r["carrying"] <= channels for r in rows)


def test_coder_error_without_a_coded_sample_is_refused(demo_store, capsys):
    db, manifest = demo_store
    code, _, err = _run(capsys, "frames", str(manifest.lexicon_path), "--db", str(db), "--coder-error", "0.05")
    assert code == 2 and "--validated" in err


@pytest.mark.slow
def test_undated_articles_and_bad_dates(tmp_path, capsys):
    """Articles without a date are shown as such (show, report), never crash; a bad --since is a one-line error."""
    from narrascope.frames import EXAMPLE_LEXICON

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "outlet_x_article.txt").write_text(
        "Officials warn of regime change talk online\n\nThe statement said the uprising was driven by the enemy.\n",
        encoding="utf-8")
    db = str(tmp_path / "a.duckdb")
    assert main(["ingest", str(folder), "--db", db, "--no-progress"]) == 0
    code, out, _ = _run(capsys, "show", str(EXAMPLE_LEXICON), "--frame", "opposition", "--db", db)
    assert code == 0 and "no date" in out
    code, out, _ = _run(capsys, "frames", str(EXAMPLE_LEXICON), "--db", db, "--by", "month", "--json")
    rows = json.loads(out)["rows"]
    assert code == 0 and {r["month"] for r in rows} == {"(undated)"} and max(r["k"] for r in rows) == 1
    assert main(["report", "-o", str(tmp_path / "r.html"), "--lexicon", str(EXAMPLE_LEXICON), "--db", db]) == 0
    capsys.readouterr()
    code, _, err = _run(capsys, "frames", str(EXAMPLE_LEXICON), "--db", db, "--since", "2024-13-45")
    assert code == 2 and "not a date" in err and len(err.strip().splitlines()) == 1


def _coders(db, lexicon, tmp_path, capsys) -> list[str]:
    """A validation sample coded by two coders who split on a few items; returns the two files."""
    sample = tmp_path / "sample.csv"
    assert main(["validate", "sample", str(lexicon), "--frame", "resistance", "--n", "60", "--seed", "4",
                 "-o", str(sample), "--db", str(db), "--json"]) == 0
    capsys.readouterr()
    with open(sample, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    paths = []
    for coder, flip_every in (("ann", 7), ("bob", 5)):
        coded = [{**r, "coder": coder, "label": str(int(r["dictionary"] == "hit") ^ int(i % flip_every == 0))}
                 for i, r in enumerate(rows)]
        path = tmp_path / f"{coder}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(coded[0]))
            writer.writeheader()
            writer.writerows(coded)
        paths.append(str(path))
    return paths


@pytest.mark.slow
def test_validated_takes_several_files_after_one_flag_as_the_docs_show(demo_store, capsys, tmp_path):
    db, manifest = demo_store
    lex = str(manifest.lexicon_path)
    ann, bob = _coders(db, lex, tmp_path, capsys)
    code, listed, err = _run(capsys, "frames", lex, "--db", str(db), "--by", "", "--validated", ann, bob, "--json")
    assert code == 0, err
    code, repeated, _ = _run(capsys, "frames", lex, "--db", str(db), "--by", "", "--validated", ann,
                             "--validated", bob, "--json")
    assert code == 0 and json.loads(listed) == json.loads(repeated)
    code, one, _ = _run(capsys, "frames", lex, "--db", str(db), "--by", "", "--validated", ann, "--json")
    assert json.loads(one) != json.loads(listed)  # the second coder's labels were used
    # LEXICON after the files: the files are taken as files, and the error says where LEXICON goes
    code, _, err = _run(capsys, "frames", "--db", str(db), "--validated", ann, bob)
    assert code == 2 and "LEXICON" in err and "before" in err
    code, _, err = _run(capsys, "report", "-o", str(tmp_path / "r.html"), "--db", str(db), "--validated", ann, bob)
    assert code == 2 and "--lexicon" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()
    code, _, err = _run(capsys, "report", "-o", str(tmp_path / "r.html"), "--db", str(db), "--lexicon", lex,
                        "--validated", ann, bob, "--json")
    assert code == 0, err


def test_weights_the_export_lacks_are_a_warning_not_a_silent_null(demo_store, capsys):
    db, manifest = demo_store  # Telegram Desktop exports: no view counts at all
    code, out, err = _run(capsys, "frames", str(manifest.lexicon_path), "--db", str(db), "--by", "",
                          "--weight", "views", "--json")
    data = json.loads(out)
    assert code == 0 and "no message in the selection has a views count" in err
    assert data["warnings"] and all(r["w_share"] is None and "no message" in r["w_note"] for r in data["rows"])
    code, out, err = _run(capsys, "frames", str(manifest.lexicon_path), "--db", str(db), "--by", "",
                          "--weight", "views")
    assert code == 0 and "warning: no message in the selection has a views count" in err


def test_show_marks_matches_in_plain_output(demo_store, capsys):
    db, manifest = demo_store
    code, out, _ = _run(capsys, "show", str(manifest.lexicon_path), "--frame", "resistance", "--n", "3",
                        "--db", str(db))
    assert code == 0 and "matches marked [[like this]]" in out
    code, js, _ = _run(capsys, "show", str(manifest.lexicon_path), "--frame", "resistance", "--n", "3",
                       "--db", str(db), "--json")
    for m in json.loads(js):
        for s in m["spans"]:
            assert f"[[{m['text'][s['start']:s['end']]}" in out  # every match is marked in the printed text


def test_trends_counts_undated_messages_and_refuses_a_range_without_dates(tmp_path, capsys):
    from narrascope.frames import EXAMPLE_LEXICON

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Officials warn of regime change talk\n\nThe uprising was driven by the enemy.\n",
                                  encoding="utf-8")
    db = str(tmp_path / "a.duckdb")
    assert main(["ingest", str(folder), "--db", db, "--no-progress"]) == 0
    capsys.readouterr()
    code, _, err = _run(capsys, "trends", str(EXAMPLE_LEXICON), "--db", db)
    assert code == 2 and "no dated messages" in err and "its 1 message has no date" in err

def test_frames_by_script_and_lang(demo_store, capsys):
    """Issue 10 §6: English and Arabic were never tagged in `lang`; shares can be grouped by script and language."""
    db, manifest = demo_store
    code, out, _ = _run(capsys, "frames", str(manifest.lexicon_path), "--db", str(db), "--by", "script,lang", "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    pairs = {(r["script"], r["lang"]) for r in rows}
    assert ("Arab", "fa") in pairs and ("Latn", "en") in pairs
    assert all(lang != "(none)" for script, lang in pairs if script != "(none)")  # every script gets a language tag
    code, out, _ = _run(capsys, "info", "--db", str(db), "--json")
    scripts = json.loads(out)["by_script"]
    assert {"script": "Latn", "lang": "en"}.items() <= next(r for r in scripts if r["script"] == "Latn").items()


@pytest.mark.slow
def test_trends_prints_how_many_undated_messages_it_leaves_out(tmp_path, capsys):
    """Issue 10 §5: a store with dated and undated messages; the series and comparison are printed, and a note
    counts the undated messages (and those carrying a frame) a time axis cannot place."""
    from datetime import UTC, datetime, timedelta

    from narrascope import Corpus

    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("frames:\n- id: riot\n  terms:\n    en: [riot]\n", encoding="utf-8")
    db = tmp_path / "t.duckdb"
    with Corpus.open(db) as corpus:
        for i in range(400):  # every 40th undated (10), every 3rd about a riot (4 of the undated: 0, 120, 240, 360)
            at = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(days=2 * i) if i % 40 else None
            corpus.connection.execute(
                "INSERT INTO messages (uid, platform, channel_id, channel, message_id, kind, posted_at, text, script, "
                "lang, source_file, ingest_id) VALUES (?, 'telegram', ?, ?, ?, 'post', ?, ?, NULL, NULL, 'f', 1)",
                [f"u{i}", f"c{i % 2}", f"C{i % 2}", str(i), at, "a riot today" if i % 3 == 0 else "a calm day"])
    code, out, err = _run(capsys, "trends", str(lexicon), "--db", str(db), "--compare", "6m")
    assert code == 0, err
    text = " ".join(out.split())
    assert "riot: change points at" in text and "activity:" in text
    assert ("note: 10 undated message(s) (4 carrying a frame) are not in the series or the comparison: a time axis "
            "cannot place them") in text
    code, out, _ = _run(capsys, "trends", str(lexicon), "--db", str(db), "--since", "2022-01-02")
    assert code == 0 and "undated" not in out  # a date range leaves the undated messages out: nothing to count
