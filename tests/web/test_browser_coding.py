"""A coder codes 20 messages with the keyboard only; a second coder codes the same sample blind; α and corrected
shares appear on the page and equal `validate score` and `frames --validated` on the CSVs the page exports."""

from __future__ import annotations

import json
import math
import re

import pytest

from tests.terminal import run_cli
from tests.web.pages import Watch, screenshot
from tests.web.server import start_server, stop_server

pytestmark = pytest.mark.slow

N = 20
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN = re.compile(r"[A-Za-z]")


def _first_strong(text: str) -> str | None:
    for ch in text:
        if ARABIC_SCRIPT.match(ch):
            return "rtl"
        if LATIN.match(ch):
            return "ltr"
    return None


def _wait_coded(page, done: int) -> None:
    from playwright.sync_api import expect

    # locator assertions, not wait_for_function: the page's CSP (rightly) refuses Playwright's string eval
    expect(page.locator(".coding-item")).to_have_attribute("data-done", str(done), timeout=30_000)


def _float(value: str | None) -> float | None:
    if value in (None, "None", ""):
        return None
    return float(value)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return a == b


def test_keyboard_blind_double_coding_matches_the_cli(browser, demo_copy, tmp_path):
    db, _ = demo_copy
    lexicon = db.parent / "lexicon.yaml"
    proc, url = start_server(db)
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page = context.new_page()
        watch = Watch(page)
        # the lexicon: uploaded, then matched in the background (progress bar, then the page reloads)
        page.goto(url + "/frames")
        page.set_input_files("input[type=file][name=file]", str(lexicon))
        page.click("form[action='/frames/lexicon'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/frames\?lexicon=[0-9a-f]{64}$"))
        if page.locator("text=Match it now").count():  # other tests may have cached the demo lexicon's matches
            page.click("text=Match it now")
        page.wait_for_selector("table.shares", timeout=120_000)
        # a sample of 20, drawn as `validate sample` draws it
        page.goto(url + "/validate")
        page.fill("input[name=name]", "keyboard sample")
        option = page.locator("select[name=frame] option[value$='|resistance']")
        assert option.count() >= 1
        page.select_option("select[name=frame]", option.first.get_attribute("value"))
        page.fill("input[name=n]", str(N))
        page.click("form[hx-post='/validate/new'] button[type=submit]")
        page.wait_for_selector(".job[data-status=done] a", timeout=120_000)
        page.click(".job[data-status=done] a")
        page.wait_for_url(re.compile(r".*/validate/[0-9a-f]{12}$"))
        sample_url = page.url

        # coder A: keyboard only, one decision at a time, reading what the screen shows
        page.click("input[name=coder]")
        page.keyboard.type("coder_ana")
        page.keyboard.press("Enter")
        page.wait_for_selector("#coding .coding-item")
        screenshot(page, "coding", 1366)
        screenshot(page, "coding", 390)
        page.set_viewport_size({"width": 1366, "height": 900})
        hits: dict[str, bool] = {}
        directions = set()
        for i in range(N):
            _wait_coded(page, i)
            item = page.locator(".coding-item").get_attribute("data-item")
            text_el = page.locator("#item-text")
            hits[item] = text_el.locator("mark").count() > 0
            expected = _first_strong(text_el.inner_text())
            if expected:
                direction = text_el.evaluate("e => getComputedStyle(e).direction")
                assert direction == expected, (item, text_el.inner_text()[:80])
                directions.add(direction)
            if i == 3:  # a note, typed after n, carried with the label
                page.keyboard.press("n")
                page.keyboard.type("ironic")
                page.keyboard.press("Escape")
            if i == 5:  # a wrong key, undone with u
                page.keyboard.press("0" if hits[item] else "1")
                _wait_coded(page, i + 1)
                page.keyboard.press("u")
                _wait_coded(page, i)
                assert page.locator(".coding-item").get_attribute("data-item") == item
            page.keyboard.press("1" if hits[item] else "0")
        _wait_coded(page, N)
        assert directions == {"rtl", "ltr"}, "the sample should hold Persian and English messages"
        assert len(hits) == N and any(hits.values()) and not all(hits.values())

        # coder B, in another browser profile: never sees A's labels; presses all keys at once (queued)
        other = browser.new_context(viewport={"width": 390, "height": 800})
        page_b = other.new_page()
        watch_b = Watch(page_b)
        page_b.goto(sample_url)
        page_b.click("input[name=coder]")
        page_b.keyboard.type("bo")
        page_b.keyboard.press("Enter")
        page_b.wait_for_selector("#coding .coding-item")
        assert "coder_ana" not in page_b.content()
        assert page_b.locator("button[aria-pressed=true]").count() == 0
        assert page_b.locator("#my-label").inner_text() == "none yet"
        order = list(hits)
        flips = {order[2], order[7], order[11]}
        for item in order:
            key = "1" if hits[item] != (item in flips) else "0"
            page_b.keyboard.press(key)
        _wait_coded(page_b, N)
        page_b.keyboard.press("ArrowLeft")
        from playwright.sync_api import expect

        expect(page_b.locator(".coding-item")).not_to_have_attribute("data-item", order[-1])
        assert "coder_ana" not in page_b.content()  # blind, also when reviewing
        item_b = page_b.locator(".coding-item").get_attribute("data-item")
        mine = page_b.locator("#my-label").inner_text()
        assert mine == ("1" if hits[item_b] != (item_b in flips) else "0")

        # agreement page: α, corrected shares, disagreements; then the exported files
        page.goto(sample_url + "/agreement")
        page.wait_for_selector("#alpha")
        page.wait_for_selector("#corrected tbody tr")
        screenshot(page, "agreement", 1366)
        screenshot(page, "agreement", 390)
        page.set_viewport_size({"width": 1366, "height": 900})
        alpha = float(page.locator("#alpha").get_attribute("data-alpha"))
        assert page.locator("article.disagreement").count() == len(flips)
        rows = page.locator("#corrected tbody tr")
        shown = []
        for j in range(rows.count()):
            row = rows.nth(j)
            shown.append({k: row.get_attribute(f"data-{k}") for k in ("channel", "frame", "corrected", "share", "ppi")})
        files = []
        for coder in ("coder_ana", "bo"):
            with page.expect_download() as download:
                page.click(f"a[href$='coder={coder}']")
            path = tmp_path / f"{coder}.csv"
            download.value.save_as(path)
            files.append(path)
        assert "ironic" in files[0].read_text(encoding="utf-8-sig")
        assert watch.clean(), watch.errors + watch.dialogs
        assert watch_b.clean(), watch_b.errors + watch_b.dialogs
        context.close()
        other.close()
    finally:
        stop_server(proc)

    code, out, err = run_cli(["validate", "score", *map(str, files), "--json"], tmp_path)
    assert code == 0, err
    report = json.loads(out)
    assert report["frames"][0]["agreement"]["alpha"] == alpha
    assert len(report["frames"][0]["agreement"]["disagreements"]) == len(flips)
    validated = [arg for f in files for arg in ("--validated", str(f))]
    code, out, err = run_cli(["frames", str(lexicon), *validated, "--by", "channel", "--json", "--db", str(db)],
                             tmp_path)
    assert code == 0, err
    cli_rows = {(r["channel"], r["frame"]): r for r in json.loads(out)["rows"]}
    assert len(shown) == len(cli_rows) > 0
    compared = 0
    for row in shown:
        cli = cli_rows[(row["channel"], row["frame"])]
        for key in ("corrected", "share", "ppi"):
            assert _same(_float(row[key]), cli[key]), (row, key, cli[key])
        compared += cli["corrected"] is not None
    assert compared > 0, "no corrected share to compare"
