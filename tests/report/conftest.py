"""A full report of the demo corpus made harder the way real exports are: undated messages carrying frames, a channel
with a long Persian name, a long ingest path; with reuse run and a coded validation sample."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

LONG_CHANNEL = "کانال خبری مستقل و بسیار طولانی برای آزمودن نام‌های بلند در جدول‌های گزارش"
LONG_PATH = ("/home/researcher/پروژه‌ها/تلگرام/exports/ChatExport_2024-05-01_with_a_very_long_folder_name_indeed/"
             "messages_and_more_messages_from_the_channel_archive.json")
UNDATED_TEXT = "خیزش مردم در شهر ادامه دارد و مقاومت ایران بیانیه داد"  # carries frame "resistance" twice


@dataclass(frozen=True)
class FullReport:
    html: Path
    db: Path
    lexicon: Path
    coded: Path


def _add_hard_cases(db: Path) -> None:
    from narrascope import Corpus

    with Corpus.open(db) as corpus:
        con = corpus.connection
        now = datetime(2025, 7, 1, tzinfo=UTC)
        con.execute("INSERT INTO ingests VALUES (999, ?, 'x', 'telegram_json', ?, ?, 3, 3, 0, 0, 0, 'ok', NULL, false, "
                    "'{}', 'times were local; converted with Asia/Tehran; a long note about what happened here', "
                    "'0.1.0')", [LONG_PATH, now, now])
        for i in range(3):
            con.execute(
                "INSERT INTO messages (uid, platform, channel_id, channel, message_id, kind, posted_at, text, script, "
                "lang, source_file, ingest_id) VALUES (?, 'telegram', '555', ?, ?, 'post', NULL, ?, 'arabic', 'fa', "
                "?, 999)", [f"undated-{i}", LONG_CHANNEL, str(900 + i), f"{UNDATED_TEXT} {i}", LONG_PATH])


def _coded_sample(db: Path, lexicon: Path, out: Path) -> Path:
    from narrascope import Corpus
    from narrascope.frames import load_lexicon
    from narrascope.validate import sample_corpus, write_sample_csv

    with Corpus.open(db, read_only=True) as corpus:
        rows = sample_corpus(corpus, load_lexicon(lexicon), "resistance", 60, seed=3)
    write_sample_csv(rows, out)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        coded = list(csv.DictReader(fh))
    for i, row in enumerate(coded):  # agrees with the lexicon except on every sixth message
        row["label"] = str(int(row["dictionary"] == "hit") ^ int(i % 6 == 0))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(coded[0]))
        writer.writeheader()
        writer.writerows(coded)
    return out


@pytest.fixture(scope="session")
def full_report(demo_store: tuple[Path, object], tmp_path_factory: pytest.TempPathFactory) -> FullReport:
    from narrascope import Corpus, ReportOptions, build_report
    from narrascope.reuse import ReuseOptions, find_reuse

    source, manifest = demo_store
    work = tmp_path_factory.mktemp("full_report")
    db = work / "corpus.duckdb"
    shutil.copy(source, db)
    lexicon = Path(manifest.lexicon_path)  # type: ignore[attr-defined]
    _add_hard_cases(db)
    with Corpus.open(db) as corpus:
        find_reuse(corpus, ReuseOptions(workers=1))
    coded = _coded_sample(db, lexicon, work / "coded.csv")
    out = work / "report.html"
    with Corpus.open(db, read_only=True) as corpus:
        build_report(corpus, out, ReportOptions(lexicon=lexicon, validated=(coded,)))
    return FullReport(out, db, lexicon, coded)
