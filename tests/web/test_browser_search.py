"""Search in the browser: a Persian term typed with ZWNJ, Arabic yeh and tatweel finds every way the corpus spells
it, highlighted; pages read right-to-left where the text is Persian; screenshots at 1366 and 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope import Corpus
from tests.conftest import desktop_message, write_chat
from tests.web.pages import Watch, screenshot
from tests.web.server import start_server, stop_server

pytestmark = pytest.mark.slow

SPELLINGS = [
    "آنها میخواهند به خانه بروند",        # Persian yeh, no ZWNJ
    "آنها می‌خواهند به خانه بروند",       # ZWNJ
    "آنها می خواهند به خانه بروند",       # a space
    "دانشجویان ميخواهند اعتراض کنند",      # Arabic yeh
]
OTHERS = ["کتابخواهند نیست", "The students want to protest", "خبر امروز درباره اقتصاد"]
QUERY = "مي\u200cخـواهند"  # Arabic yeh, ZWNJ, tatweel


@pytest.fixture
def store(tmp_path: Path) -> Path:
    texts = SPELLINGS + OTHERS
    write_chat(tmp_path / "x" / "result.json", [desktop_message(i + 1, t) for i, t in enumerate(texts)],
               name="کانال آزمایشی", chat_id=77)
    with Corpus.open(tmp_path / "corpus.duckdb") as corpus:
        corpus.ingest([tmp_path / "x"])
    return tmp_path / "corpus.duckdb"


def test_search_finds_every_spelling_and_reads_right_to_left(browser, store):
    from playwright.sync_api import expect

    proc, url = start_server(store)  # the server builds the search index itself
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        watch = Watch(page)
        page.goto(url + "/messages")
        page.click("input[name=q]")
        page.keyboard.type(QUERY)
        page.keyboard.press("Enter")
        for _ in range(30):  # the index may still be building when the first search arrives
            if page.locator("#total").count():
                break
            page.wait_for_timeout(1000)
            page.keyboard.press("Enter")
        expect(page.locator("#total")).to_have_attribute("data-total", str(len(SPELLINGS)))
        articles = page.locator("article.msg")
        assert articles.count() == len(SPELLINGS)
        found = {articles.nth(i).locator("p.text").inner_text() for i in range(articles.count())}
        assert found == set(SPELLINGS)
        marks = page.locator("article.msg mark")
        assert marks.count() == len(SPELLINGS)  # each spelling highlighted where it stands in the original text
        assert {m.strip() for m in marks.all_inner_texts()} == {"میخواهند", "می\u200cخواهند", "می خواهند",
                                                                 "ميخواهند"}
        text = articles.first.locator("p.text")
        assert text.get_attribute("dir") == "auto"
        assert text.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert page.locator("input[name=q]").evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert page.evaluate("() => getComputedStyle(document.body).direction") == "ltr"  # the interface stays LTR
        screenshot(page, "search", 1366)
        screenshot(page, "search", 390)
        page.goto(url + "/")
        assert page.locator("#n-messages").get_attribute("data-value") == str(len(SPELLINGS) + len(OTHERS))
        screenshot(page, "overview", 1366)
        screenshot(page, "overview", 390)
        assert watch.clean(), watch.errors
    finally:
        stop_server(proc)
