"""The reuse commands and the report section on a small demo store."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from narrascope.cli import cli, main
from narrascope.demo import DemoConfig, generate_demo
from narrascope.report import build_report
from narrascope.store.corpus import Corpus

# a module fixture generates a corpus and runs reuse on it (seconds): every test here waits for it
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reuse_cli")
    generate_demo(folder, DemoConfig(seed=5, messages=800, channels=6, months=4))
    db = folder / "c.duckdb"
    with Corpus.open(db) as corpus:
        corpus.ingest([folder / "exports"])
    return db


def _json(args: list[str]) -> dict:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cascades_before_reuse_is_a_usage_error(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cascades", "--db", str(store)]) == 2
    assert "run `narrascope reuse" in capsys.readouterr().err


def test_reuse_then_cascades_then_cascade(store: Path) -> None:
    found = _json(["reuse", "--db", str(store), "--threshold", "0.5", "--workers", "1", "--json"])
    assert found["cascades"] > 5 and found["pairs_by_relation"].get("forward", 0) > 0
    assert found["stats"]["bands"] == 42 and found["stats"]["rows"] == 3
    assert any(b["line"].startswith("🆔 @") for b in found["boilerplate"])
    listed = _json(["cascades", "--db", str(store), "--top", "3", "--json"])
    assert len(listed["cascades"]) == 3 and listed["total"] == found["cascades"]
    assert listed["cascades"][0]["size"] >= listed["cascades"][2]["size"]
    cid = listed["cascades"][0]["cascade_id"]
    detail = _json(["cascade", cid[:8], "--db", str(store), "--json"])
    assert detail["cascade"]["cascade_id"] == cid
    assert detail["members"][0]["relation"] == "origin" and len(detail["members"]) == detail["cascade"]["size"]
    for pair in detail["pairs"]:
        for p in pair["passages"]:
            assert pair["parent_text"][p["parent_start"] : p["parent_end"]] == p["parent_text"]
            assert pair["text"][p["start"] : p["end"]] == p["text"]
    text = CliRunner().invoke(cli, ["cascade", cid, "--db", str(store)])
    assert text.exit_code == 0 and "Timeline" in text.output and "origin" in text.output
    table = CliRunner().invoke(cli, ["cascades", "--db", str(store)])
    assert table.exit_code == 0 and cid[:8] in table.output
    again = CliRunner().invoke(cli, ["reuse", "--db", str(store), "--no-boilerplate", "--top", "2"])
    assert again.exit_code == 0 and "cascades" in again.output


def test_unknown_cascade_and_bad_threshold_are_usage_errors(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reuse", "--db", str(store), "--threshold", "1.5"]) == 2
    assert "threshold" in capsys.readouterr().err
    main(["reuse", "--db", str(store), "--json"])
    capsys.readouterr()
    assert main(["cascade", "zzzz", "--db", str(store)]) == 2
    assert "no cascade" in capsys.readouterr().err


def test_report_section_lists_cascades_with_a_timeline_and_an_aligned_pair(store: Path, tmp_path: Path) -> None:
    main(["reuse", "--db", str(store), "--json"])
    with Corpus.open(store, read_only=True) as corpus:
        out = build_report(corpus, tmp_path / "r.html")
    page = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    section = page.xpath('//*[@id="data-reuse"]')
    assert section, "the reuse section is missing"
    data = json.loads(section[0].text)
    assert data["summary"]["cascades"] > 5 and len(data["cascades"]) == 10
    assert page.xpath('//table[@class="cascades"]/tbody/tr')
    assert page.xpath('//*[contains(@class, "timeline")]')
    assert data["summary"]["boilerplate_lines"] > 0 and data["boilerplate"]
    assert any(b["line"].startswith("🆔 @") for b in data["boilerplate"])
    assert "Boilerplate left out of matching" in section[0].getparent().text_content() or \
        page.xpath('//p[contains(., "Boilerplate left out of matching")]')
    pair = data["pair"]
    assert pair is not None and pair["passages"]
    assert page.xpath('//table[@class="aligned"]/tbody/tr')


def test_a_cached_rerun_becomes_the_latest_result_again(store: Path) -> None:
    from narrascope.reuse import load_reuse

    first = _json(["reuse", "--db", str(store), "--json"])
    _json(["reuse", "--db", str(store), "--no-boilerplate", "--json"])
    again = _json(["reuse", "--db", str(store), "--json"])
    assert again["stats"].get("cached") is True and first["stats"]["boilerplate_lines"] > 0
    with Corpus.open(store, read_only=True) as corpus:
        latest = load_reuse(corpus)
    assert latest is not None and latest.stats["boilerplate_lines"] == first["stats"]["boilerplate_lines"]
    assert _json(["cascades", "--db", str(store), "--json"])["total"] == first["cascades"]


def test_cascade_names_posts_as_its_timeline_does_and_shows_a_rewrite_first(store: Path) -> None:
    _json(["reuse", "--db", str(store), "--workers", "1", "--json"])
    with Corpus.open(store, read_only=True) as corpus:
        from narrascope.reuse import load_reuse

        result = load_reuse(corpus)
    assert result is not None
    from narrascope.reuse.detail import SHOW_FIRST

    linked = result.members.filter(pl.col("direct_parent").fill_null(False))
    kinds = linked.group_by("cascade_id").agg(pl.col("relation").unique().alias("kinds"), pl.len().alias("n"))
    mixed = kinds.filter(pl.col("kinds").list.len() >= 2).sort(["n", "cascade_id"], descending=[True, False])
    assert mixed.height, "the demo has cascades mixing relation kinds"
    cid, present = mixed["cascade_id"][0], set(mixed["kinds"][0])
    best = next(r for r in SHOW_FIRST if r in present)
    detail = _json(["cascade", cid, "--pairs", "1", "--db", str(store), "--json"])
    assert detail["pairs"][0]["relation"] == best  # the most informative kind first, whatever --pairs
    two = _json(["cascade", cid, "--pairs", "2", "--db", str(store), "--json"])
    assert len({p["relation"] for p in two["pairs"]}) == 2  # one of each kind before any repeat
    out = CliRunner().invoke(cli, ["cascade", cid, "--pairs", "2", "--db", str(store)], env={"COLUMNS": "220"}).output
    pair = detail["pairs"][0]
    header = f"{pair['parent_channel']} #{pair['parent_message_id']} → {pair['channel']} #{pair['message_id']}"
    assert header in out
    # no uid prefixes anywhere but the cascade's own id in the first line (an id derived from one member's uid)
    body = out.split("\n", 1)[1]
    assert pair["uid"][:12] not in body and pair["parent_uid"][:12] not in body
    assert f"{pair['channel']} #{pair['message_id']}" in out.split("Timeline", 1)[1].split("pair(s)", 1)[0]
