"""Coded samples as files and as numbers: the store's coding rows ⇄ the CLI's sample CSV, and the agreement and
corrected shares computed from those very files with validate's public functions.

Why through files: a coded sample exported from the web interface must score exactly as ``narrascope validate
score`` and ``frames --validated`` score it, today and after validate changes (how ties between coders count, …).
So the page writes the same CSVs a user would download — one per coder, as several coders' spreadsheets would be —
and hands them to :func:`~narrascope.validate.load_coded`, :func:`~narrascope.validate.score` and
:func:`~narrascope.validate.validated_frame_shares`; it never re-implements a step of the scoring.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any

import polars as pl

from ..csvsniff import decode_csv, long_fields, sniff_csv
from ..errors import UsageError
from ..store import coding
from ..store.corpus import Corpus
from ..validate import load_coded, score, validated_frame_shares
from ..validate.coded import SAMPLE_COLUMNS, check_code, parse_label
from ..validate.sample import write_sample_csv
from . import lexicons

__all__ = ["ADJUDICATED", "MIN_PER_SIDE", "agreement", "coded_files", "coder_frame", "corrected", "parse_upload"]

#: consensus-labelled items needed on each side (dictionary hit / no hit) before corrected shares are shown.
MIN_PER_SIDE = 5
ADJUDICATED = "adjudicated"
MAX_UPLOAD = 50_000_000
_SAMPLE_ID = re.compile(r"^S\d{4,}$")


def _label_text(label: str | None) -> str:
    return "" if label is None else label


def coder_frame(corpus: Corpus, sample: str, coder: str) -> pl.DataFrame:
    """The sample file as ``coder`` filled it in: every item, with their label, name and note."""
    items = coding.items(corpus, sample)
    given = coding.labels(corpus, sample, coder).select("sample_id", "label", "note")
    frame = items.join(given, on="sample_id", how="left").with_columns(
        pl.col("label").fill_null(""), pl.col("note").fill_null(""), pl.lit(coder).alias("coder"))
    return frame.sort("position").select(list(SAMPLE_COLUMNS))


def _coders(corpus: Corpus, sample: str) -> list[str]:
    return sorted(set(coding.labels(corpus, sample)["coder"].to_list()))


def _adjudicated_frame(corpus: Corpus, sample: str, coder_paths: Sequence[Path]) -> pl.DataFrame | None:
    """One file whose label is the adjudicator's where given, else the coders' consensus (validate's majority
    rule; blank on a tie); None when nothing was adjudicated."""
    adj = coding.adjudications(corpus, sample)
    if adj.is_empty():
        return None
    items = coding.items(corpus, sample)
    consensus = load_coded(list(coder_paths)).consensus().select(
        "sample_id", pl.col("label").cast(pl.Utf8).alias("consensus"))
    frame = (items.join(consensus, on="sample_id", how="left")
             .join(adj.select("sample_id", pl.col("label").alias("adjudicated"), "note"), on="sample_id", how="left")
             .with_columns(pl.coalesce("adjudicated", "consensus").fill_null("").alias("label"),
                           pl.col("note").fill_null(""), pl.lit(ADJUDICATED).alias("coder")))
    return frame.sort("position").select(list(SAMPLE_COLUMNS))


@contextmanager
def coded_files(corpus: Corpus, sample: str, *, adjudicated: bool = False) -> Iterator[list[Path]]:
    """The sample's coded CSVs in a temporary folder: one per coder who labelled something (``<coder>.csv``), or,
    with ``adjudicated``, the single adjudicated file when there is one."""
    with tempfile.TemporaryDirectory(prefix="narrascope-coded-") as tmp:
        paths = []
        for i, coder in enumerate(_coders(corpus, sample)):
            paths.append(write_sample_csv(coder_frame(corpus, sample, coder), Path(tmp) / f"coder{i + 1}.csv"))
        if adjudicated and paths:
            frame = _adjudicated_frame(corpus, sample, paths)
            if frame is not None:
                paths = [write_sample_csv(frame, Path(tmp) / f"{ADJUDICATED}.csv")]
        yield paths


def agreement(corpus: Corpus, sample: str) -> dict[str, Any]:
    """``validate score`` of the coders' files: accuracy, per-term precision and (two or more coders)
    Krippendorff's α with its interval and the disagreements. ``{}`` while nobody labelled anything."""
    with coded_files(corpus, sample) as paths:
        if not paths:
            return {}
        coded = load_coded(paths)
        report = score(coded)
        frame = coded.frames[0] if coded.frames else None
        per_side = {"hit": 0, "miss": 0}
        if frame is not None:
            cons = coded.consensus(frame).filter(pl.col("label").is_not_null())
            per_side = {"hit": int(cons["hit"].sum()), "miss": int((~cons["hit"]).sum())}
    entry = report["frames"][0] if report["frames"] else {}
    return {"report": report, "entry": entry, "per_side": per_side,
            "enough": min(per_side.values()) >= MIN_PER_SIDE}


def corrected(corpus: Corpus, sample: str, by: Sequence[str]) -> tuple[pl.DataFrame, list[str], bool]:
    """``frames --validated`` on the exported file(s): the adjudicated file when items were adjudicated, else
    the coders' files. Returns (table, warnings, adjudicated?)."""
    info = coding.get_sample(corpus, sample)
    lexicon = lexicons.load(corpus, info["lexicon_hash"])
    with coded_files(corpus, sample, adjudicated=True) as paths:
        if not paths:
            raise UsageError("nothing is coded yet")
        table, coded = validated_frame_shares(corpus, lexicon, paths, list(by))
        used_adjudicated = any(p.stem == ADJUDICATED for p in paths)
    return table, list(coded.warnings), used_adjudicated


def parse_upload(raw: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of an uploaded sample file (as the CLI writes it, after a spreadsheet may have re-saved it); each
    row's check code is verified. The coder defaults to the file's name, as ``validate score`` does."""
    if len(raw) > MAX_UPLOAD:
        raise UsageError("the file is larger than 50 MB: is it a sample file?")
    text, _, _ = decode_csv(raw)
    with long_fields():
        return _upload_rows(csv.DictReader(io.StringIO(text, newline=""), delimiter=sniff_csv(raw).delimiter),
                            filename)


def _upload_rows(reader: csv.DictReader[str], filename: str) -> list[dict[str, str]]:
    reader.fieldnames = [(h or "").strip().lstrip("\ufeff").casefold() for h in (reader.fieldnames or [])]
    missing = [c for c in ("sample_id", "uid", "frame", "lexicon", "check", "label") if c not in reader.fieldnames]
    if missing:
        raise UsageError(f"{PurePath(filename).name}: missing column(s) {', '.join(missing)}: this is not a "
                         "narrascope sample file")
    stem = PurePath(filename).stem or "coder"
    rows = []
    for i, r in enumerate(reader):
        row = {k: (v or "").strip() if k != "text" else (v or "") for k, v in r.items() if k}
        if not any(row.values()):
            continue
        if not _SAMPLE_ID.match(row.get("sample_id", "")):
            raise UsageError(f"{PurePath(filename).name} row {i + 2}: sample id {row.get('sample_id', '')!r} is not "
                             "an id like S0001: restore the row from the original sample file")
        lex = row.get("lexicon", "").removeprefix("sha256:")
        if row.get("check") != check_code(row.get("sample_id", ""), row.get("uid", ""), row.get("frame", ""), lex):
            raise UsageError(f"{PurePath(filename).name} row {i + 2}: id, uid, frame and lexicon do not match the "
                             "row's check code: restore the row from the original sample file")
        try:
            label = parse_label(row.get("label"))
        except ValueError:
            raise UsageError(f"{PurePath(filename).name} row {i + 2}: label {row.get('label')!r} is not 1, 0 or "
                             "?") from None
        row["label"] = {1: "1", 0: "0", "unsure": "?"}.get(label, "")
        row["coder"] = row.get("coder") or stem
        rows.append(row)
    if not rows:
        raise UsageError(f"{PurePath(filename).name} has no rows")
    return rows
