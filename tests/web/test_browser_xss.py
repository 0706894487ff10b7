"""OWASP XSS filter-evasion payloads in channel names, message texts, authors, lexicon labels and file names are
inert on every page: no script runs (a flag the payloads would set stays unset, no dialog opens) and no element is
injected — checked in the browser's DOM, not in the HTML source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from narrascope import Corpus
from narrascope.coordination import find_coordination, load_coordination
from narrascope.frames import load_lexicon
from narrascope.ingest.base import IngestOptions
from narrascope.network import analyse_network, load_network
from narrascope.reuse import find_reuse
from narrascope.store import coding, search
from narrascope.validate import sample_corpus
from tests.conftest import desktop_message, write_chat
from tests.web.pages import Watch
from tests.web.server import start_server, stop_server

pytestmark = pytest.mark.slow

# From the OWASP XSS Filter Evasion Cheat Sheet (adapted to set a flag instead of alert), plus attribute breakers.
PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=//127.0.0.1/x.js></SCRIPT>",
    "<IMG SRC=\"javascript:window.__xss=1;\">",
    "<IMG SRC=JaVaScRiPt:window.__xss=1>",
    "<IMG \"\"\"><SCRIPT>window.__xss=1</SCRIPT>\">",
    "<img src=x onerror=\"window.__xss=1\">",
    "<IMG SRC=# onmouseover=\"window.__xss=1\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;window.__xss=1>",
    "<svg/onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "<BODY ONLOAD=window.__xss=1>",
    "<iframe src=\"javascript:window.__xss=1\"></iframe>",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "<details open ontoggle=window.__xss=1>",
    "<input autofocus onfocus=window.__xss=1>",
    "<video><source onerror=\"window.__xss=1\">",
    "<math><mi xlink:href=\"javascript:window.__xss=1\">x</mi></math>",
    "<<SCRIPT>window.__xss=1//<</SCRIPT>",
    "</textarea><script>window.__xss=1</script>",
    "</title><script>window.__xss=1</script>",
    "\"><script>window.__xss=1</script>",
    "'><img src=x onerror=window.__xss=1>",
    "\" onmouseover=\"window.__xss=1\" x=\"",
    "' autofocus onfocus='window.__xss=1' x='",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:window.__xss=1;\">",
    "<BASE HREF=\"javascript:window.__xss=1;//\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"javascript:window.__xss=1\"></OBJECT>",
    "<EMBED SRC=\"javascript:window.__xss=1\">",
    "<STYLE>@import'javascript:window.__xss=1';</STYLE>",
    "<DIV STYLE=\"background-image: url(javascript:window.__xss=1)\">",
    "<form action=\"javascript:window.__xss=1\"><button>x</button></form>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "javascript:window.__xss=1",
]

# What the DOM of a page must not contain, whatever it displays.
DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(el.tagName + ' ' + name);
      if (name === 'style') bad.push(el.tagName + ' style');
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(name)
          && value.startsWith('javascript:')) bad.push(el.tagName + ' ' + name + '=javascript:');
    }
  }
  for (const el of document.querySelectorAll('script')) {
    if (!el.src || new URL(el.src).pathname.indexOf('/static/') !== 0) bad.push('script ' + (el.src || 'inline'));
  }
  for (const sel of ['img', 'iframe', 'object', 'embed', 'video', 'math', 'base', 'meta[http-equiv]', 'style',
                     'body > svg', 'textarea', 'frame', 'frameset', 'marquee', 'form[action^="javascript"]']) {
    for (const el of document.querySelectorAll(sel)) bad.push('element ' + sel);
  }
  for (const el of document.querySelectorAll('svg')) {
    if (!['chart', 'timeline', 'network'].some(c => el.classList.contains(c))) bad.push('svg injected');
  }
  return {bad: bad, flag: window.__xss === undefined ? null : String(window.__xss),
          text: document.body.innerText};
}"""


def _hostile_store(folder: Path) -> Path:
    """Channels named by payloads, posting payload texts (each text in two channels, so reuse links them), with
    payload authors kept as they are (--keep-authors)."""
    for c, payload in enumerate(PAYLOADS[:12]):
        messages = []
        for i, text in enumerate(PAYLOADS):
            body = f"{text} — خیزش مردمی و مقاومت ایران {i} regime change uprising report number {i} of the day"
            messages.append(desktop_message(i + 1, body, **{"from": PAYLOADS[(i + c) % len(PAYLOADS)],
                                                             "from_id": f"user{i}"}))
        write_chat(folder / "exports" / f"c{c}" / "result.json", messages, name=payload, chat_id=5000 + c,
                   chat_type="public_supergroup")
    db = folder / "corpus.duckdb"
    with Corpus.open(db) as corpus:
        report = corpus.ingest([folder / "exports"], IngestOptions(keep_authors=True))
        assert not report.failed, report.failed
        find_reuse(corpus)
        network = analyse_network(corpus)  # reuse edges between the payload-named channels
        assert network.graph.edges.height > 0
        find_coordination(corpus)  # groups of payload-named channels, if the null worlds let any through
        search.build_index(corpus)
    return db


def _lexicon_file(folder: Path) -> Path:
    frames = [{"id": f"f{i}", "label": p, "description": PAYLOADS[-1 - i],
               "terms": {"en": ["uprising", "regime change"], "fa": ["خیزش", "مقاومت ایران"]}}
              for i, p in enumerate(PAYLOADS[:6])]
    name = folder / "<img src=x onerror=window.__xss=1>.yaml"
    name.write_text(yaml.safe_dump({"name": PAYLOADS[5], "frames": frames}, allow_unicode=True), encoding="utf-8")
    return name


def test_payloads_are_inert_on_every_page(browser, tmp_path):
    db = _hostile_store(tmp_path)
    lexicon_file = _lexicon_file(tmp_path)
    lexicon = load_lexicon(lexicon_file)
    with Corpus.open(db) as corpus:
        rows = sample_corpus(corpus, lexicon, "f0", 12)
        coding.add_lexicon(corpus, lexicon_hash=lexicon.content_hash, name=PAYLOADS[0], filename=lexicon_file.name,
                           fmt="yaml", source=lexicon_file.read_text(encoding="utf-8"))
        sample = coding.create_sample(corpus, rows, name=PAYLOADS[1], frame="f0", lexicon_hash=lexicon.content_hash)
        for j, item in enumerate(rows["sample_id"].to_list()):
            coding.set_label(corpus, sample, item, PAYLOADS[2], "1", note=PAYLOADS[3])
            coding.set_label(corpus, sample, item, PAYLOADS[6], "1" if j % 4 else "0")
        uid = corpus.sql("SELECT uid FROM messages LIMIT 1")["uid"][0]
        cascade = corpus.sql("SELECT cascade_id FROM result_reuse_cascades LIMIT 1")["cascade_id"][0]
        channel = corpus.sql("SELECT channel_id FROM messages LIMIT 1")["channel_id"][0]
        graph = load_network(corpus)
        assert graph is not None
        edge = graph.graph.edges.row(0, named=True)
        coordination = load_coordination(corpus)
        assert coordination is not None
        groups = [f"/network/group/{g}" for g in coordination.groups["group_id"].to_list()[:2]]
    proc, url = start_server(db)
    try:
        context = browser.new_context()
        page = context.new_page()
        watch = Watch(page)
        # the lexicon, uploaded through the page under a hostile file name
        page.goto(url + "/frames")
        page.set_input_files("input[type=file][name=file]", str(lexicon_file))
        page.click("form[action='/frames/lexicon'] button[type=submit]")
        page.wait_for_url("**/frames?lexicon=*")
        page.wait_for_selector("table.shares", timeout=120_000)  # matched already when the sample was drawn
        from urllib.parse import quote, urlencode

        coder = quote(PAYLOADS[4])
        pages = ["/", f"/?channel={channel}", "/messages", f"/messages?q={quote(PAYLOADS[0])}",
                 "/messages?q=" + quote("خیزش, uprising"), f"/messages?channel={channel}&q=uprising",
                 f"/message/{uid}", f"/message/{quote(PAYLOADS[0])}",
                 f"/frames?lexicon={lexicon.content_hash}", f"/frames?lexicon={lexicon.content_hash}&frame=f1",
                 "/validate", f"/validate/{sample}", f"/validate/{sample}/code?coder={coder}",
                 f"/validate/{sample}/code?coder={quote(PAYLOADS[2])}", f"/validate/{sample}/agreement",
                 "/cascades", f"/cascade/{cascade}", f"/cascade/{quote(PAYLOADS[0])}", "/jobs", "/network",
                 "/network?colour=kind&relation=reuse", "/network/edge?" + urlencode({k: edge[k] for k in ("relation", "source", "target")}),
                 f"/messages?since={quote(PAYLOADS[0])}", f"/network/group/{quote(PAYLOADS[0])}", *groups]
        shown = 0
        for path in pages:
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            result = page.evaluate(DOM_CHECK)
            assert result["flag"] is None, f"{path}: a payload ran"
            assert not result["bad"], f"{path}: injected {result['bad'][:5]}"
            shown += sum(p in result["text"] for p in PAYLOADS[:10])
        # the network view's panels: an edge's evidence (server HTML put in by script), a node (built by script)
        page.goto(url + "/network")
        page.locator("#network-svg .edge").first.dispatch_event("click")
        page.wait_for_selector("#evidence #edge-evidence")
        page.locator("#network-svg .node").first.dispatch_event("click")
        page.wait_for_selector("#evidence dl")
        page.locator("#network-svg .edge").first.dispatch_event("click")
        page.wait_for_selector("#evidence #edge-evidence")
        result = page.evaluate(DOM_CHECK)
        assert result["flag"] is None and not result["bad"], result["bad"][:5]
        assert any(p in result["text"] for p in PAYLOADS[:12])
        assert shown > 50, "the pages should display the hostile strings as text"
        assert not watch.dialogs, watch.dialogs
        assert not [e for e in watch.errors if "pageerror" in e], watch.errors
        context.close()
    finally:
        stop_server(proc)
    json.dumps(PAYLOADS)  # the list itself is plain data
    shutil.rmtree(tmp_path / "exports", ignore_errors=True)
