"""narrascope export --parquet: the store's canonical records as a month-partitioned Parquet dataset."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.dataset as ds
import pytest

from narrascope import Corpus
from narrascope.engines import export_parquet
from narrascope.engines.dataset import MANIFEST, read_manifest
from narrascope.errors import UsageError
from narrascope.models import MESSAGE_SCHEMA
from tests.conftest import desktop_message


def _dataset_rows(folder: Path) -> pl.DataFrame:
    table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def test_export_holds_every_message_with_every_canonical_column(demo_store: tuple[Path, Any], tmp_path: Path) -> None:
    db, _ = demo_store
    with Corpus.open(db, read_only=True) as corpus:
        manifest = export_parquet(corpus, tmp_path / "out", rows_per_file=1000)
        stored = corpus.sql(f"SELECT {', '.join(MESSAGE_SCHEMA.names)} FROM messages ORDER BY uid")
        state = corpus.state_token()
    rows = _dataset_rows(tmp_path / "out")
    assert manifest.state_token == state and manifest.messages == stored.height
    assert manifest.columns == MESSAGE_SCHEMA.names
    exported = rows.select(MESSAGE_SCHEMA.names).sort("uid")
    # the store's connection names UTC "Etc/UTC"; the export writes the canonical schema's "UTC"
    stored = stored.with_columns(pl.col(c).dt.convert_time_zone("UTC") for c in ("posted_at", "edited_at",
                                                                                   "fwd_posted_at"))
    assert exported.schema == stored.schema
    assert exported.equals(stored)
    # the partition column is the UTC month of posted_at (undated messages in Hive's null partition)
    months = rows.select(pl.col("month"),
                         pl.col("posted_at").dt.convert_time_zone("UTC").dt.strftime("%Y-%m").alias("want"))
    assert months.filter(pl.col("want").is_not_null())["month"].to_list() == \
        months.filter(pl.col("want").is_not_null())["want"].to_list()
    assert manifest.files == len(list((tmp_path / "out").rglob("*.parquet"))) > 18
    assert json.loads((tmp_path / "out" / MANIFEST).read_text(encoding="utf-8"))["messages"] == stored.height


def test_undated_and_service_messages_are_exported(chat_file, tmp_path: Path) -> None:
    undated = desktop_message(2, "no date here")
    del undated["date_unixtime"]
    del undated["date"]
    path = chat_file([desktop_message(1, "dated"), undated,
                      {**desktop_message(3, ""), "type": "service", "action": "pin_message"}])
    with Corpus.open(tmp_path / "s.duckdb") as corpus:
        corpus.ingest([path])
        kinds = sorted(corpus.sql("SELECT kind FROM messages")["kind"].to_list())
        export_parquet(corpus, tmp_path / "out")
    rows = _dataset_rows(tmp_path / "out")
    assert sorted(rows["kind"].to_list()) == kinds
    assert rows.filter(pl.col("posted_at").is_null()).height == rows.filter(pl.col("month").is_null()).height


def test_a_folder_holding_other_files_is_refused_and_left_alone(demo_store: tuple[Path, Any], tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", encoding="utf-8")
    with Corpus.open(demo_store[0], read_only=True) as corpus, pytest.raises(UsageError, match="--force"):
        export_parquet(corpus, tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]


def test_an_earlier_export_is_replaced_whole(chat_file, tmp_path: Path) -> None:
    with Corpus.open(tmp_path / "s.duckdb") as corpus:
        corpus.ingest([chat_file([desktop_message(i) for i in range(1, 4)])])
        first = export_parquet(corpus, tmp_path / "out")
        corpus.ingest([chat_file([desktop_message(i) for i in range(1, 8)], filename="more.json")])
        second = export_parquet(corpus, tmp_path / "out")
    assert first.state_token != second.state_token
    assert read_manifest(tmp_path / "out") == second
    assert _dataset_rows(tmp_path / "out").height == 7
    assert not list(tmp_path.glob(".out.partial-*"))


def test_a_failed_export_leaves_no_folder_behind(demo_store: tuple[Path, Any], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import narrascope.engines.dataset as dataset

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(dataset.ds, "write_dataset", broken)
    with Corpus.open(demo_store[0], read_only=True) as corpus, pytest.raises(OSError):
        dataset.export_parquet(corpus, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_without_manifest_is_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="narrascope export --parquet"):
        read_manifest(tmp_path)
    shutil.rmtree(tmp_path)
