"""Pages and text files decoded explicitly (issue 10 §3): BOM, valid UTF-8, declarations anywhere in the head, a
detector; mojibake found in the text. Authored Persian, Arabic and English pages, declared late, not at all, wrongly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.ingest.page_encoding import declared_charset, decode_page, decode_text, mojibake_sample

PERSIAN = ("مسئولان استان گفتند که اعتراضات دیشب در خیابان‌های شهر ادامه داشت و نیروهای امنیتی "
           "ده‌ها نفر را بازداشت کردند. خبرگزاری‌ها از قطع اینترنت در چند شهر خبر دادند.")
PERSIAN_1256 = PERSIAN.replace("ی", "ي").replace("\u200c", " ")  # Persian pages in windows-1256 used Arabic yeh
ARABIC = "قال الناشط الحقوقي السوداني إن كل الشروط متوفرة لثورة جديدة في البلاد، وإن الحكومة فقدت ثقة الشارع."
ENGLISH = "The state’s plan was “rushed”, critics said — and the minister’s café meeting didn’t help. " * 2
SCRIPT = "<script>var filler = '" + "x" * 3000 + "';</script>"  # pushes a late <meta> past 1 KB


def page(text: str, meta: str = "", head_filler: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><title>t</title>{head_filler}{meta}</head>"
            f"<body><article><p>{text}</p></article></body></html>")


@pytest.mark.parametrize(("text", "encoding", "meta", "filler", "http", "used", "source"), [
    # late declarations: after 3 KB of script, still in the head
    (PERSIAN, "utf-8", '<meta charset="utf-8">', SCRIPT, None, "utf-8", "UTF-8"),
    (PERSIAN_1256, "cp1256", '<meta charset="windows-1256">', SCRIPT, None, "cp1256", "meta"),
    (ENGLISH, "cp1252", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">', SCRIPT, None,
     "cp1252", "meta"),
    # no declaration at all
    (PERSIAN, "utf-8", "", "", None, "utf-8", "UTF-8"),
    (PERSIAN_1256, "cp1256", "", "", None, "cp1256", "detector"),
    (ARABIC, "cp1256", "", "", None, "cp1256", "detector"),
    (ENGLISH, "cp1252", "", "", None, "cp1252", "detector"),
    # wrong declarations
    (PERSIAN, "utf-8", '<meta charset="iso-8859-1">', "", None, "utf-8", "UTF-8"),
    (ENGLISH, "utf-8", '<meta charset="windows-1256">', "", None, "utf-8", "UTF-8"),
    (PERSIAN_1256, "cp1256", '<meta charset="utf-8">', "", None, "cp1256", "detector"),
    (ARABIC, "cp1256", '<meta charset="iso-8859-1">', "", None, "cp1256", "detector"),
    (ENGLISH, "cp1252", '<meta charset="utf-8">', "", None, "cp1252", "detector"),
    # the HTTP header outranks the page; a wrong header falls through to the page's own declaration
    (ARABIC, "cp1256", "", "", "text/html; charset=windows-1256", "cp1256", "HTTP header"),
    (ARABIC, "cp1256", '<meta charset="windows-1256">', "", "text/html; charset=ISO-8859-1", "cp1256", "meta"),
])
def test_pages_decode_to_their_text(text: str, encoding: str, meta: str, filler: str, http: str | None, used: str,
                                    source: str) -> None:
    data = page(text, meta, filler).encode(encoding)
    decoded = decode_page(data, http)
    assert text in decoded.text
    assert (decoded.encoding, decoded.source) == (used, source)
    assert mojibake_sample(decoded.text) is None


def test_byte_order_marks_win() -> None:
    for codec, bom in (("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-8", b"\xef\xbb\xbf")):
        decoded = decode_page(bom + page(PERSIAN, '<meta charset="windows-1256">').encode(codec))
        assert PERSIAN in decoded.text and decoded.source == "BOM"


def test_declarations_are_found_anywhere_in_the_head_and_only_there() -> None:
    assert declared_charset(page("x", '<meta charset="windows-1256">', SCRIPT * 20).encode()) == "windows-1256"
    assert declared_charset(b'<?xml version="1.0" encoding="ISO-8859-6"?><html><head></head>') == "ISO-8859-6"
    assert declared_charset(b"<html><head></head><body><p>charset=koi8-r <meta charset=cp1251></body>") is None
    assert declared_charset(b'<html><head><meta charset="no-such-thing"><meta charset=utf-8>') == "utf-8"


def test_describe_says_what_was_used_and_what_was_ignored() -> None:
    decoded = decode_page(page(PERSIAN_1256, '<meta charset="utf-8">').encode("cp1256"))
    assert decoded.describe() == "windows-1256 (detected; the page declares utf-8)"
    assert decode_text("سلام".encode()).describe() == "utf-8 (valid UTF-8)"


def test_mojibake_is_recognised() -> None:
    english = ENGLISH.encode("utf-8").decode("cp1252", "replace")
    persian = PERSIAN.encode("utf-8").decode("cp1252", "replace")
    assert "stateâ€™s" in (mojibake_sample(english) or "")
    assert mojibake_sample(persian) is not None
    assert mojibake_sample(PERSIAN) is None and mojibake_sample(ENGLISH) is None
    assert mojibake_sample("Café © 2024 für München, Zürich, Ã  bientôt") is None  # one odd pair is not enough


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200))
def test_any_utf8_page_round_trips(text: str) -> None:
    data = page(text).encode("utf-8")
    assert decode_page(data).text == data.decode("utf-8")
