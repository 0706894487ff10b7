"""The pages as a client sees them: overview filters, message pages, frames, cascades (in-process client)."""

from __future__ import annotations

import re
import time

import pytest

from narrascope.reuse import find_reuse
from tests.web.conftest import csrf, wait_job

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _number(html: str, element_id: str, attr: str) -> int:
    return int(re.search(rf'id="{element_id}" {attr}="(\d+)"', html).group(1))


def test_overview_filters_change_the_numbers(client):
    everything = _number(client.get("/").text, "n-messages", "data-value")
    corpus = client.app.state.web.store.reader()
    channel, n = corpus.sql("SELECT channel_id, count(*) AS n FROM messages WHERE kind <> 'service' "
                            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1").row(0)
    one = client.get("/", params={"channel": channel}, headers={"hx-request": "true", "hx-target": "overview-body"})
    assert "<html" not in one.text  # a fragment for htmx
    assert _number(one.text, "n-messages", "data-value") == n < everything
    since = client.get("/", params={"since": "2025-01-01"}).text
    assert _number(since, "n-messages", "data-value") < everything
    assert "is not a date" in client.get("/", params={"since": "yesterday"}).text


def test_message_pages_page_through_newest_first(client):
    first = client.get("/messages").text
    total = int(re.search(r'data-total="(\d+)"', first).group(1))
    second = client.get("/messages", params={"page": 2}).text
    uids1 = re.findall(r'data-uid="([0-9a-f]+)"', first)
    uids2 = re.findall(r'data-uid="([0-9a-f]+)"', second)
    assert len(uids1) == len(uids2) == 50 and not set(uids1) & set(uids2)
    corpus = client.app.state.web.store.reader()
    newest = corpus.sql("SELECT uid FROM messages WHERE kind <> 'service' ORDER BY posted_at DESC NULLS LAST, "
                        "channel_id, message_id LIMIT 100")["uid"].to_list()
    assert uids1 + uids2 == newest
    assert total == corpus.sql("SELECT count(*) AS n FROM messages WHERE kind <> 'service'")["n"][0]
    link = re.search(r'href="(/message/[0-9a-f]+\?r=\d+)"', first).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "Metadata" in page.text
    assert client.get("/message/nope").status_code == 404


def test_frames_page_shares_trend_examples_and_discovery(client, demo_copy):
    db, _ = demo_copy
    token = csrf(client)
    upload = client.post("/frames/lexicon", data={"csrf_token": token}, follow_redirects=False,
                         files={"file": ("lexicon.yaml", (db.parent / "lexicon.yaml").read_bytes())})
    lexicon = upload.headers["location"].split("lexicon=")[1]
    started = client.post("/frames/match", data={"lexicon": lexicon}, headers={"x-csrf-token": token}).text
    wait_job(client, started)
    page = client.get("/frames", params={"lexicon": lexicon, "frame": "resistance", "by": "channel"}).text
    assert "table class=\"shares\"" in page and "Change points" in page and "<mark>" in page
    rows = re.findall(r"<meter", page)
    assert len(rows) > 5
    exported = client.get("/frames/export.csv", params={"lexicon": lexicon, "by": "channel"})
    assert exported.status_code == 200 and exported.text.count("\n") == len(rows) + 1
    job = client.post("/frames/discover", data={"lexicon": lexicon, "frame": "resistance"},
                      headers={"x-csrf-token": token})
    wait_job(client, job.text)
    page = client.get("/frames", params={"lexicon": lexicon, "frame": "resistance"}).text
    assert "log-odds" in page


def test_cascades_list_timeline_and_side_by_side(client):
    store = client.app.state.web.store
    assert "No reuse results" in client.get("/cascades").text
    token = csrf(client)
    wait_job(client, client.post("/cascades/run", data={"threshold": "0.5", "boilerplate": "on"},
                                  headers={"x-csrf-token": token}).text)
    listing = client.get("/cascades").text
    ids = re.findall(r'href="/cascade/([0-9a-f]+)"', listing)
    assert ids
    page = client.get(f"/cascade/{ids[0]}").text
    assert "<circle" in page and 'id="side-a"' in page and 'id="side-b"' in page
    side_b = page.split('id="side-b"')[1].split("</p>")[0]
    assert "<mark>" in side_b  # the aligned passage marked in the member's text
    # the same run as the CLI's: a stored reuse result, the message page links its cascade
    with store.writer() as writer:
        assert find_reuse(writer).stats.get("cached")
    members = client.get(f"/cascade/{ids[0]}/export.csv")
    assert members.status_code == 200 and members.text.count("\n") == page.count("<circle") + 1
    member = re.search(r'href="/message/([0-9a-f]+)"', page).group(1)
    assert f"/cascade/{ids[0]}" in client.get(f"/message/{member}").text


def test_channel_lists_and_searches_agree_with_the_store(client):
    """Channel filters answered from the in-memory channel directory: the same totals and rows as SQL."""
    from narrascope.store import search
    from narrascope.store.browse import MessageFilter

    corpus = client.app.state.web.store.reader()
    channels = corpus.sql("SELECT channel_id, count(*) AS n FROM messages WHERE kind <> 'service' "
                          "GROUP BY 1 ORDER BY 2 DESC")["channel_id"].to_list()
    word = corpus.sql("SELECT token FROM search_tokens GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")["token"][0]
    for picked in ([channels[0]], channels[1:3], [channels[0], channels[0]]):
        filt = MessageFilter(channels=tuple(picked))
        for q in ("", word):
            query = search.parse_query(q) if q else None
            expected = search.page(corpus, query, filt, columns=("uid",), limit=50, offset=50)["uid"].to_list()
            html = client.get("/messages", params={"channel": picked, "q": q, "page": 2}).text
            assert int(re.search(r'data-total="(\d+)"', html).group(1)) == search.count(corpus, query, filt)
            assert re.findall(r'data-uid="([0-9a-f]+)"', html) == expected


def test_bare_message_links_before_and_after_the_uid_directory_loads(client):
    web = client.app.state.web
    corpus = web.store.reader()
    picked = corpus.sql("SELECT uid, text FROM messages WHERE kind <> 'service' AND text <> '' "
                        "ORDER BY uid LIMIT 5")
    before = [client.get(f"/message/{uid}") for uid in picked["uid"]]  # starts the load; SQL answers meanwhile
    for _ in range(200):
        if web._uids is not None:
            break
        time.sleep(0.05)
    assert web._uids is not None, "the uid directory did not load"
    after = [client.get(f"/message/{uid}") for uid in picked["uid"]]
    for b, a, uid in zip(before, after, picked["uid"], strict=True):
        assert b.status_code == a.status_code == 200 and f"<th>uid</th><td dir=\"auto\">{uid}</td>" in a.text
    assert client.get("/message/" + "0" * 32).status_code == 404
