"""Undated messages are counted wherever a web time axis drops them (issue 10 §5): the overview's messages per month
and the frames page's trend per month say how many messages without a date they leave out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import csrf, wait_job

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

UNDATED_TEXT = "خیزش مردم در شهر ادامه دارد و مقاومت ایران بیانیه داد"  # carries the demo frame "resistance"


def _add_undated(db: Path, n: int) -> None:
    """``n`` undated messages, recorded as an ingest of their own as a real one is (the store's state changes, so
    results cached from the demo copy — frame hits of another test — are not reused)."""
    from narrascope import Corpus

    with Corpus.open(db) as corpus:
        con = corpus.connection
        now = datetime(2025, 7, 1, tzinfo=UTC)
        con.execute("INSERT INTO ingests VALUES (999, 'undated.json', 'x', 'telegram_json', ?, ?, ?, ?, 0, 0, 0, "
                    "'ok', NULL, false, '{}', NULL, '0.1.0')", [now, now, n, n])
        for i in range(n):
            con.execute(
                "INSERT INTO messages (uid, platform, channel_id, channel, message_id, kind, posted_at, text, script, "
                "lang, source_file, ingest_id) VALUES (?, 'telegram', '555', 'بی‌تاریخ', ?, 'post', NULL, ?, "
                "'arabic', 'fa', 'undated.json', 999)", [f"undated-{i}", str(900 + i), f"{UNDATED_TEXT} {i}"])


@pytest.fixture
def undated_client(demo_copy: tuple[Path, Any]) -> Iterator[Any]:
    """A client over a demo copy with 3 undated messages carrying the frame "resistance"."""
    from starlette.testclient import TestClient

    from narrascope.web import create_app

    _add_undated(demo_copy[0], 3)
    app = create_app(demo_copy[0], build_index=False)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def _notes(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", n) for n in re.findall(r'<p class="muted undated">(.*?)</p>', html, re.S)]


def test_the_overview_counts_the_undated_messages_its_month_chart_drops(undated_client) -> None:
    page = undated_client.get("/").text
    assert "Messages per month" in page
    assert _notes(page) == ["3 messages without a date are not shown in this chart (they are counted everywhere else)."]
    fragment = undated_client.get("/", params={"channel": "555"},
                                  headers={"hx-request": "true", "hx-target": "overview-body"}).text
    assert "No dated messages in this selection." in fragment  # the chart is empty, and the note says why
    assert _notes(fragment) == ["3 messages without a date are not shown in this chart (they are counted everywhere "
                                "else)."]
    dated = undated_client.get("/", params={"since": "2020-01-01"}).text
    assert _notes(dated) == []  # a date filter leaves no undated message to mention


def test_the_frames_trend_counts_the_undated_messages_it_drops(undated_client, demo_copy) -> None:
    db, _ = demo_copy
    token = csrf(undated_client)
    upload = undated_client.post("/frames/lexicon", data={"csrf_token": token}, follow_redirects=False,
                                 files={"file": ("lexicon.yaml", (db.parent / "lexicon.yaml").read_bytes())})
    lexicon = upload.headers["location"].split("lexicon=")[1]
    started = undated_client.post("/frames/match", data={"lexicon": lexicon}, headers={"x-csrf-token": token}).text
    wait_job(undated_client, started)
    page = undated_client.get("/frames", params={"lexicon": lexicon, "frame": "resistance"}).text
    assert "Trend of resistance per month" in page
    assert _notes(page) == ["3 undated messages not shown in the trend or the comparison below (3 carry resistance; "
                            "they are counted in the shares table above)."]
    other = undated_client.get("/frames", params={"lexicon": lexicon, "frame": "sedition"}).text
    assert _notes(other)[0].startswith("3 undated messages not shown in the trend or the comparison below (0 carry "
                                       "sedition;")
