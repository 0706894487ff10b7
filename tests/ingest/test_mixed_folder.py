"""One folder mixing every format ingests in one command, and `narrascope info` shows the platforms side by side.

The real samples are copied from ../shared/data into a temporary folder at test time (never committed); parts
whose sample or reader is absent are left out, and the expectations follow what was put in.
"""

from __future__ import annotations

import io
import json
import lzma
import shutil
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from narrascope.cli import main
from narrascope.ingest.detect import available

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TELEGRAM_JSON = DATA / "telegram" / "all1app_daily_channel" / "result.reconstructed.json"
INSTAGRAM = DATA / "instagram" / "yummyhopper_posts" / "posts_1.json"
NEWS_PAGE = DATA / "html" / "news_pages" / "bbc.com.52241221.html"
ARABIC_PAGE = DATA / "html" / "news_pages" / "assabah.com.tn.article.html"
SEED = DATA / "seeds" / "outlet_a_article.txt"


def _copy(src: Path, dest: Path) -> bool:
    if not src.exists():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dest)
    return True


def _write_warc(src: Path, dest: Path, url: str) -> bool:
    if not src.exists():
        return False
    with dest.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(src.read_bytes()),
                                                      http_headers=http))
    return True


def _instaloader_folder(dest: Path) -> None:
    dest.mkdir(parents=True)
    node = {"__typename": "GraphImage", "shortcode": "Cmixed1", "taken_at_timestamp": 1704164645,
            "owner": {"username": "mixed_profile"},
            "edge_media_to_caption": {"edges": [{"node": {"text": "پست آزمایشی #تست"}}]}}
    with lzma.open(dest / "2024-01-02_03-04-05_UTC.json.xz", "wt", encoding="utf-8") as fh:
        json.dump({"node": node, "instaloader": {"node_type": "Post"}}, fh)


def _build(folder: Path) -> tuple[set[str], set[str]]:
    """Fill ``folder``; return (platforms expected, readers expected in the ingest log)."""
    readers = set(available())
    platforms: set[str] = set()
    formats: set[str] = set()
    if "telegram_json" in readers and _copy(TELEGRAM_JSON, folder / "telegram" / "result.json"):
        platforms.add("telegram")
        formats.add("telegram_json")
    if _copy(INSTAGRAM, folder / "instagram-yummyhopper-2024-05-13-x" / "your_instagram_activity" / "content"
             / "posts_1.json"):
        platforms.add("instagram")
        formats.add("instagram")
    if _copy(NEWS_PAGE, folder / "pages" / "bbc.html"):
        platforms.add("web")
        formats.add("web_html")
    if _copy(SEED, folder / "outlet_a_article.txt"):
        platforms.add("web")
        formats.add("text_article")
    if _write_warc(ARABIC_PAGE, folder / "crawl.warc.gz", "http://www.assabah.com.tn/article/164913"):
        platforms.add("web")
        formats.add("warc")
    _instaloader_folder(folder / "mixed_profile")
    platforms.add("instagram")
    formats.add("instaloader")
    if "table" in readers:
        (folder / "posts.csv").write_text(
            "channel,message_id,posted_at,text\nsome_outlet,1,2024-01-01T00:00:00Z,a table row\n", encoding="utf-8")
        formats.add("table")
    return platforms, formats


def test_mixed_folder_ingests_in_one_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not DATA.exists():
        pytest.skip("../shared/data is absent")
    folder = tmp_path / "mixed"
    platforms, formats = _build(folder)
    db = str(tmp_path / "c.duckdb")
    assert main(["ingest", str(folder), "--db", db, "--no-progress"]) == 0, capsys.readouterr()
    capsys.readouterr()
    assert main(["info", "--json", "--db", db]) == 0
    info = json.loads(capsys.readouterr().out)
    seen = {row["platform"] for row in info["by_platform"]}
    assert platforms <= seen
    assert formats <= {row["format"] for row in info["ingests"]}
    channels = {(row["platform"], row["channel_id"]) for row in info["by_channel"]}
    assert ("web", "bbc.com") in channels and ("instagram", "yummyhopper") in channels
    assert ("instagram", "mixed_profile") in channels and ("web", "outlet_a") in channels
    if "warc" in formats:
        assert ("web", "assabah.com.tn") in channels
    if "telegram" in platforms:
        assert {"telegram", "instagram", "web"} <= seen
