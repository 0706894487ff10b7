"""Result datasets: what a Spark job writes, and their import into a store for the report and the web interface.

Layout::

    OUT/_narrascope.json     manifest: analysis, result key, the input's state token, tables, row counts, params
    OUT/<table>/part-*.parquet   one folder per result table, with the columns of the store's result_<table>
                                 (``result_key`` first, then the analysis's columns)

:func:`import_results` checks that the store is in the state the input dataset was exported from (else the rows
would describe other messages), brings every table to the exact Arrow types the embedded engine saves (so both
engines' results share one ``result_*`` table), and publishes them with one ``corpus.results.save_many``
transaction: a failed import leaves every earlier result in force and none of these.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.dataset as ds

from ..errors import UsageError

if TYPE_CHECKING:
    from ..store.corpus import Corpus

__all__ = ["RESULTS_FORMAT", "ResultManifest", "import_results", "read_result_manifest", "register_table",
           "write_result_dataset"]

RESULTS_FORMAT = "narrascope-results"
RESULTS_VERSION = 1
MANIFEST = "_narrascope.json"
KEY_COLUMN = "result_key"

#: table name → function bringing the table read from Parquet to the Arrow types the embedded engine saves.
_CONFORM: dict[str, Callable[[pa.Table], pa.Table]] = {}


def register_table(name: str, conform: Callable[[pa.Table], pa.Table]) -> None:
    """Declare a result table a job may write, with its conversion to the embedded engine's Arrow types."""
    _CONFORM[name] = conform


def _ensure_registered() -> None:
    from . import tables  # noqa: F401  (registers the analyses' tables)


@dataclass(frozen=True)
class ResultManifest:
    """What a result dataset holds."""

    analysis: str
    key: str
    state_token: str
    tables: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    engine: str = "spark"
    created_at: str = ""
    narrascope: str = ""
    format: str = RESULTS_FORMAT
    version: int = RESULTS_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str, where: str = "manifest") -> ResultManifest:
        data = json.loads(text)
        if data.get("format") != RESULTS_FORMAT:
            raise UsageError(f"{where} is not a narrascope result dataset (format {data.get('format')!r}): give the "
                             "folder a narrascope Spark job wrote")
        if int(data.get("version", 0)) > RESULTS_VERSION:
            raise UsageError(f"{where} was written by a newer narrascope (result version {data['version']}): "
                             "upgrade narrascope")
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def read_result_manifest(folder: str | Path) -> ResultManifest:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise UsageError(f"{folder} holds no finished result dataset (no {MANIFEST}; a job writes it last): "
                         "give the output folder of a completed narrascope Spark job")
    return ResultManifest.from_json(path.read_text(encoding="utf-8"), str(folder))


def read_result_table(folder: str | Path, name: str, key: str | None = None) -> pa.Table:
    """One table of a result dataset, without the key column, in the embedded engine's Arrow types."""
    _ensure_registered()
    if name not in _CONFORM:
        raise UsageError(f"unknown result table {name!r}: this narrascope imports {', '.join(sorted(_CONFORM))}")
    path = Path(folder) / name
    if not path.is_dir():
        raise UsageError(f"{folder} lacks the table folder {name}/ its manifest lists: the dataset is incomplete")
    table = ds.dataset(path, format="parquet").to_table()
    if KEY_COLUMN in table.column_names:
        if key is not None and table.num_rows and set(table.column(KEY_COLUMN).unique().to_pylist()) != {key}:
            raise UsageError(f"{path} holds rows of another result key than its manifest's: the dataset was mixed "
                             "from two runs; write it again")
        table = table.drop_columns([KEY_COLUMN])
    return _CONFORM[name](table)


def write_result_dataset(folder: str | Path, manifest: ResultManifest, tables: dict[str, pa.Table]) -> Path:
    """Write ``tables`` (the analyses' columns, without the key) as a result dataset with ``manifest`` — the
    layout Spark jobs write, from any engine (a local folder; the manifest goes last)."""
    import pyarrow.parquet as pq

    out = Path(folder)
    (out / MANIFEST).unlink(missing_ok=True)
    for name in manifest.tables:
        table = tables[name]
        keyed = table.add_column(0, KEY_COLUMN, pa.array([manifest.key] * table.num_rows, pa.string()))
        (out / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(keyed, out / name / "part-0.parquet", compression="zstd")
    (out / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return out


def import_results(corpus: Corpus, folder: str | Path) -> ResultManifest:
    """Publish a result dataset's tables in ``corpus`` under the dataset's key (one transaction)."""
    manifest = read_result_manifest(folder)
    if corpus.read_only:
        raise UsageError(f"{corpus.path} is open read-only: results cannot be imported")
    state = corpus.state_token()
    if manifest.state_token != state:
        raise UsageError(
            f"{folder} was computed from an export of another state of this store (input state "
            f"{manifest.state_token}, store now {state}: messages were ingested since): export again with "
            "`narrascope export --parquet DIR` and rerun the job")
    tables = {name: read_result_table(folder, name, manifest.key) for name in manifest.tables}
    params = {name: manifest.params.get(name) for name in manifest.tables}
    corpus.results.save_many(tables, manifest.key, params)
    return manifest
