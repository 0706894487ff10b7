"""Plain-text articles: title line, header lines, outlet from header/URL/file name, ad labels, detection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from narrascope.errors import InputError
from narrascope.ingest import text_article
from narrascope.ingest.base import ReadContext
from narrascope.ingest.text_article import channel_from_filename, looks_like_table, parse_text

ARTICLE = """728 x 90

Regime officials admit online losses

Officials said on Monday that the campaign had reached millions of users, according to a state agency.

It was the second such statement this year.
"""


def _read(path: Path) -> tuple[dict[str, Any], ReadContext]:
    ctx = ReadContext(path)
    [rec] = list(text_article.read(path, ctx))
    return rec, ctx


def test_title_text_and_outlet_from_file_name(tmp_path: Path) -> None:
    path = tmp_path / "outlet_a_article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    assert text_article.sniff(path, path.read_bytes())
    rec, ctx = _read(path)
    assert rec["title"] == "Regime officials admit online losses"
    assert rec["text"].startswith("Regime officials admit online losses\n\nOfficials said")
    assert "728 x 90" not in rec["text"]
    assert (rec["platform"], rec["kind"], rec["channel_id"], rec["channel"]) == ("web", "article", "outlet_a", "outlet_a")
    assert rec["message_id"].startswith("sha256:") and rec["url"] is None
    assert any("file name" in n for n in ctx.notes)


def test_headers_give_url_site_author_date(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("Source: Iran Focus\nURL: https://www.iranfocus.com/en/news/123\nBy: A. Writer\n"
                    "Date: 2018-09-11\n\n" + ARTICLE, encoding="utf-8")
    rec, _ = _read(path)
    assert rec["channel_id"] == "iranfocus.com" and rec["channel"] == "Iran Focus"
    assert rec["url"] == rec["message_id"] == "https://www.iranfocus.com/en/news/123"
    assert rec["author"] == "A. Writer"
    assert rec["posted_at"] == datetime(2018, 9, 11, tzinfo=UTC)
    assert "Source:" not in rec["text"] and rec["title"] == "Regime officials admit online losses"


def test_bare_url_line_names_the_outlet(tmp_path: Path) -> None:
    path = tmp_path / "y.txt"
    path.write_text("https://english.example.ir/story/9\n\n" + ARTICLE, encoding="utf-8")
    rec, _ = _read(path)
    assert rec["channel_id"] == "english.example.ir" and rec["url"] == "https://english.example.ir/story/9"


@pytest.mark.parametrize("first, is_title", [
    ("Short headline without a full stop", True),
    ("This first line is a sentence and it ends with a full stop.", False),
    ("Who is behind the campaign?", True),
    ("word " * 40, False),
])
def test_first_line_is_a_title_only_when_it_looks_like_one(first: str, is_title: bool) -> None:
    parsed = parse_text(f"{first}\n\nBody of the article follows here.")
    assert (parsed.title == first.strip()) is is_title


def test_first_line_followed_by_text_is_not_a_title() -> None:
    assert parse_text("Short start\ncontinues on the next line.").title is None


@pytest.mark.parametrize("name, outlet", [
    ("outlet_a_article.txt", "outlet_a"), ("bbc_2018-09-11.txt", "bbc"), ("iranfocus_article_17.txt", "iranfocus"),
    ("article.txt", "article"), ("2018.txt", "2018"),
])
def test_channel_from_filename(name: str, outlet: str) -> None:
    assert channel_from_filename(Path(name)) == outlet


def test_sniff_rejects_tables_json_html_binary_and_other_extensions(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    assert text_article.sniff(p, ARTICLE.encode())
    assert text_article.sniff(p, "متن فارسی، با ویرگول.\nخط دوم".encode())
    assert not text_article.sniff(p, b"id,text,date\n1,hello,2020\n2,bye,2021\n3,x,2022\n")
    assert not text_article.sniff(p, b"id\ttext\n1\thello\n2\tbye\n")
    assert not text_article.sniff(p, b'{"a": 1}')
    assert not text_article.sniff(p, b"<!doctype html><html>")
    assert not text_article.sniff(p, b"\x00\x01binary")
    assert text_article.sniff(p, "caf\u00e9".encode("latin-1") + b" au lait")  # windows-1252, detected
    assert not text_article.sniff(p, b"\x00\x01binary")
    assert not text_article.sniff(tmp_path / "a.csv", ARTICLE.encode())
    assert not text_article.sniff(tmp_path / "LICENSE.txt", ARTICLE.encode())
    # A multi-byte character cut by the 64 KiB head limit is still UTF-8.
    assert text_article.sniff(p, "سلام دنیا".encode()[:-1])


def test_looks_like_table_leaves_prose_alone() -> None:
    prose = ["First, we went home.", "Then, after a while, we ate.", "Nothing else happened", "Finally, sleep."]
    assert not looks_like_table(prose)
    assert looks_like_table(["a;b;c", "1;2;3", "4;5;6"])


def test_legacy_code_pages_are_detected_and_noted(tmp_path: Path) -> None:
    """Issue 10 §3: files are decoded explicitly — a BOM, UTF-8, else a detector — and the log says how."""
    persian = "خبر فوری\n\nمسئولان استان گفتند که اعتراضات دیشب در خیابان‌های شهر ادامه داشت."
    cases = {
        "fa_1256.txt": (persian.replace("ی", "ي").replace("\u200c", " ").encode("cp1256"), "windows-1256 (detected)"),
        "fr_1252.txt": ("Titre\n\ncafé crème à la française, déjà servi.".encode("cp1252"), "windows-1252 (detected)"),
        "fa_16.txt": (persian.encode("utf-16"), "utf-16-le (byte-order mark)"),
        "fa_8.txt": (persian.encode("utf-8"), "utf-8 (valid UTF-8)"),
    }
    for name, (data, how) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert text_article.sniff(path, data[:65536]), name
        ctx = ReadContext(path)
        [rec] = list(text_article.read(path, ctx))
        assert f"encoding: {how}" in ctx.notes, (name, ctx.notes)
        assert "ã" not in rec["text"] and "\ufffd" not in rec["text"]
    assert "اعتراضات" in rec["text"]


def test_binary_and_undecidable_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    junk = bytes(range(1, 256)) * 4  # control characters and bytes that are not UTF-8
    assert not text_article.sniff(path, junk)
    path.write_bytes(junk)
    with pytest.raises(InputError, match="bad.txt.*not text in any encoding"):
        _read(path)


def test_mojibake_is_noted(tmp_path: Path) -> None:
    path = tmp_path / "moji.txt"
    path.write_text("The stateâ€™s plan\n\nThe peopleâ€™s â€œvoiceâ€\x9d was heard in the stateâ€™s capital.",
                    encoding="utf-8")
    ctx = ReadContext(path)
    list(text_article.read(path, ctx))
    assert any(n.startswith("the text looks like mojibake") and "stateâ€™s" in n for n in ctx.notes)


def test_empty_file_raises_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("728 x 90\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no article text"):
        _read(path)
