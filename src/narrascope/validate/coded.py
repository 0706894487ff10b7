"""Coded validation files: the columns a sample file carries, and reading them back after coders have worked on them.

A sample file (written by :mod:`.sample`) is a CSV with one row per sampled message. Coders fill ``label`` (and
optionally ``coder``, ``note``); everything else is bookkeeping that lets the file be checked when it comes back:

- ``sample_id`` (S0001 …) with a ``check`` code over (sample_id, uid, frame, lexicon hash): a row whose id, uid
  or frame was edited, or that was pasted in from another sample, fails the check;
- ``lexicon`` (``sha256:…`` of the lexicon's content) and ``frame``: a file coded for another lexicon is refused;
- ``stratum``, ``stratum_size`` (N_h, messages in the population stratum) and ``stratum_sampled`` (n_h, drawn):
  the design, so scoring needs nothing but the file.

Reading survives what spreadsheets do to a CSV (encoding and delimiter by :mod:`narrascope.csvsniff`, as for every
CSV narrascope reads): UTF-8 with or without BOM, UTF-16 with or without BOM (Excel's "Unicode text", with tabs),
Windows-1256 or Windows-1252 (Excel's "CSV" on Persian/Arabic or Western Windows), ``;`` or tab delimiters, CRLF line ends, labels
typed as 1/0, yes/no, TRUE/FALSE, Persian digits or بله/خیر. Every problem is reported, one line each, and nothing
is dropped silently: errors (unknown ids, labels outside the allowed set, another lexicon, missing columns) stop
the load with :class:`CodedFileError`; missing labels are warnings and those rows are left out of the estimates.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ..csvsniff import LEGACY_ENCODINGS, decode_csv, long_fields, sniff_csv
from ..errors import InputError

if TYPE_CHECKING:
    from ..frames.lexicon import Lexicon

__all__ = [
    "LABEL_NEGATIVE",
    "LABEL_POSITIVE",
    "LABEL_UNSURE",
    "SAMPLE_COLUMNS",
    "CodedFileError",
    "CodedSample",
    "check_code",
    "decode_csv_bytes",
    "load_coded",
    "parse_label",
]

#: Column order of a sample file: what coders need first, the design bookkeeping to the right.
SAMPLE_COLUMNS = (
    "sample_id", "label", "coder", "note", "text", "channel", "posted_at", "link", "matched_terms",
    "dictionary", "frame", "stratum", "stratum_size", "stratum_sampled", "inclusion_probability", "uid",
    "lexicon", "check",
)
REQUIRED = ("sample_id", "label", "uid", "frame", "stratum", "stratum_size", "stratum_sampled", "lexicon", "check")
HIT, MISS = "hit", "miss"

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
LABEL_POSITIVE = frozenset({"1", "yes", "y", "true", "t", "x", "✓", "✔", "بله", "آری", "اری", "نعم"})
LABEL_NEGATIVE = frozenset({"0", "no", "n", "false", "f", "خیر", "نه", "لا"})
LABEL_UNSURE = frozenset({"?", "unsure", "skip", "na", "n/a", "unclear"})
_SAMPLE_ID = re.compile(r"^S\d{4,}$")
_CHECK_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ"  # letters only: a spreadsheet never turns the code into a number


class CodedFileError(InputError):
    """A coded file cannot be used. ``problems`` lists every problem found, one line each."""

    def __init__(self, problems: Sequence[str], warnings: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings)  # found on the way (missing labels …): still worth telling the user
        more = (f" (and {len(self.problems) - 1} more problem(s): `narrascope validate score` lists each)"
                if len(self.problems) > 1 else "")
        Exception.__init__(self, self.problems[0] + more)
        self.path = None
        self.position = None


def check_code(sample_id: str, uid: str, frame: str, lexicon_hash: str) -> str:
    """Five letters binding a row's id to its message, frame and lexicon."""
    digest = hashlib.sha256("\x1f".join((sample_id, uid, frame, lexicon_hash)).encode("utf-8")).digest()
    value = int.from_bytes(digest[:8], "big")
    out = []
    for _ in range(5):
        value, r = divmod(value, len(_CHECK_ALPHABET))
        out.append(_CHECK_ALPHABET[r])
    return "".join(out)


def parse_label(raw: str | None) -> int | None | str:
    """1, 0, None (blank) or the string ``"unsure"``; raises ValueError for anything else."""
    s = (raw or "").strip().strip("'\"").translate(_DIGITS).casefold()
    if not s:
        return None
    if s in {"1.0", "1,0"}:
        s = "1"
    if s in {"0.0", "0,0"}:
        s = "0"
    if s in LABEL_POSITIVE:
        return 1
    if s in LABEL_NEGATIVE:
        return 0
    if s in LABEL_UNSURE:
        return "unsure"
    raise ValueError(s)


def decode_csv_bytes(raw: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV as a spreadsheet may have saved it (:func:`narrascope.csvsniff.decode_csv`)."""
    text, encoding, _ = decode_csv(raw)
    return text, encoding


def _as_int(raw: str) -> int:
    s = raw.strip().translate(_DIGITS).replace(",", "").replace(" ", "").replace("\u00a0", "")
    if s.endswith(".0"):
        s = s[:-2]
    return int(s)


@dataclass
class CodedSample:
    """Coded items from one or more files. ``items`` has one row per (file, coded row): ``sample_id``, ``uid``,
    ``frame``, ``hit`` (the dictionary's decision when sampled), ``stratum``, ``stratum_size``,
    ``stratum_sampled``, ``terms`` (list), ``coder``, ``label`` (1/0, null when missing or unsure), ``source``
    (file) and ``row`` (spreadsheet row, header = 1). ``warnings`` are one line each."""

    items: pl.DataFrame
    lexicon_hash: str
    warnings: list[str] = field(default_factory=list)

    @property
    def frames(self) -> list[str]:
        return sorted(set(self.items["frame"].to_list()))

    @property
    def coders(self) -> list[str]:
        return sorted(set(self.items["coder"].to_list()))

    def consensus(self, frame: str | None = None) -> pl.DataFrame:
        """One row per item with every coder's label kept: ``label`` is the share of its labels that say the item
        carries the frame (a *soft* label: 0 or 1 with one coder or when coders agree, ½ on a two-coder tie; null
        when nobody labelled it), ``n_labels`` and ``n_positive`` the counts behind it, ``majority`` the majority
        label (null on a tie). Design columns are carried along.

        Scores and corrected shares use ``label``: a tie counts half rather than vanishing (dropping ties drops
        exactly the hard items, often the dictionary's false positives, and flatters precision). When every coder
        errs with the same probability e, E[label | truth] = e + (1 − 2e)·truth whatever the number of coders, so
        the coder-error correction takes the per-coder rate."""
        items = self.items if frame is None else self.items.filter(pl.col("frame") == frame)
        keys = ["frame", "sample_id", "uid"]
        design = ["hit", "stratum", "stratum_size", "stratum_sampled"]
        grouped = items.group_by(keys, maintain_order=True).agg(
            *[pl.col(c).first() for c in design],
            pl.col("label").is_not_null().sum().alias("n_labels"),
            pl.col("label").cast(pl.Int64).sum().fill_null(0).alias("n_positive"),
            pl.col("terms").first().alias("terms"),
        )
        pos, n = pl.col("n_positive"), pl.col("n_labels")
        soft = pl.when(n == 0).then(None).otherwise(pos.cast(pl.Float64) / n)
        majority = pl.when(n == 0).then(None).when(2 * pos > n).then(1).when(2 * pos < n).then(0)
        return grouped.with_columns(soft.alias("label"), majority.otherwise(None).cast(pl.Int8).alias("majority"))


def _read_rows(path: Path, problems: list[str], warnings: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{path}: cannot read the coded file ({exc.strerror}): check the path")
        return [], []
    text, encoding, _ = decode_csv(raw)
    if encoding in LEGACY_ENCODINGS:
        warnings.append(f"{path}: read as {encoding} (not UTF-8); labels and ids are unaffected, but save as "
                        "'CSV UTF-8' to keep the message text intact")
    with long_fields():
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sniff_csv(raw).delimiter)
        header = [(h or "").strip().lstrip("\ufeff").casefold() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            problems.append(f"{path}: missing column(s) {', '.join(missing)}: this is not a narrascope sample file "
                            "(draw one with `narrascope validate sample`), or its header row was edited")
            return header, []
        rows = [{k: (v if isinstance(v, str) else "") for k, v in r.items() if k} for r in reader]
    return header, rows


def _file_items(path: Path, lexicon: Lexicon | None, problems: list[str],
                warnings: list[str]) -> tuple[list[dict[str, object]], set[str]]:
    _, rows = _read_rows(path, problems, warnings)
    items: list[dict[str, object]] = []
    hashes: set[str] = set()
    blank: list[str] = []
    unsure: list[str] = []
    seen: dict[str, int] = {}
    lex_frames = set(lexicon.frame_ids) if lexicon is not None else None
    for i, r in enumerate(rows):
        row_no = i + 2  # spreadsheet row: the header is row 1
        sid = r.get("sample_id", "").strip()
        uid = r.get("uid", "").strip()
        frame = r.get("frame", "").strip()
        lex = r.get("lexicon", "").strip()
        where = f"{path} row {row_no}" + (f" ({sid})" if sid else "")
        if not any(v.strip() for v in r.values()):
            continue  # an empty trailing row, as spreadsheets write
        if not _SAMPLE_ID.match(sid):
            problems.append(f"{where}: unknown sample id {sid!r}: ids look like S0001; restore the row from the "
                            "original sample file")
            continue
        if r.get("check", "").strip() != check_code(sid, uid, frame, lex.removeprefix("sha256:")):
            problems.append(f"{where}: id, uid, frame and lexicon do not match the row's check code — the row was "
                            "edited or comes from another sample; restore it from the original sample file")
            continue
        if sid in seen:
            problems.append(f"{where}: sample id {sid} appears twice in this file (first on row {seen[sid]}): "
                            "delete the duplicate row")
            continue
        seen[sid] = row_no
        hashes.add(lex.removeprefix("sha256:"))
        # a file drawn with another lexicon is reported once, by load_coded, not once per row
        if lex_frames is not None and lexicon is not None and lex.removeprefix("sha256:") == lexicon.content_hash \
                and frame not in lex_frames:
            problems.append(f"{where}: frame {frame!r} is not in the lexicon ({', '.join(sorted(lex_frames))})")
            continue
        try:
            label = parse_label(r.get("label"))
        except ValueError as exc:
            problems.append(f"{where}: label {str(exc)!r} is not allowed: use 1/0 (or yes/no, true/false, بله/خیر; "
                            "'?' for unsure)")
            continue
        if label is None:
            blank.append(sid)
        elif label == "unsure":
            unsure.append(sid)
        stratum = r.get("stratum", "").strip().split("|", 1)[0]  # the ASCII key; the rest is for people
        try:
            size, sampled = _as_int(r.get("stratum_size", "")), _as_int(r.get("stratum_sampled", ""))
        except ValueError:
            problems.append(f"{where}: stratum_size/stratum_sampled are not whole numbers: restore them from the "
                            "original sample file")
            continue
        terms = [t.strip() for t in r.get("matched_terms", "").split("|") if t.strip()]
        items.append({
            "sample_id": sid, "uid": uid, "frame": frame, "hit": stratum.split("#", 1)[0] == HIT,
            "stratum": stratum, "stratum_size": size, "stratum_sampled": sampled, "terms": terms,
            "coder": r.get("coder", "").strip() or path.stem,
            "label": label if isinstance(label, int) else None, "source": str(path), "row": row_no,
        })
    if blank:
        warnings.append(f"{path}: {len(blank)} row(s) have no label ({_ids(blank)}): they are left out of the "
                        "estimates, which assumes they are like the labelled rows of their stratum")
    if unsure:
        warnings.append(f"{path}: {len(unsure)} row(s) are marked unsure ({_ids(unsure)}): left out of the "
                        "estimates")
    if not rows and not any(p.startswith(str(path)) for p in problems):
        problems.append(f"{path}: the file has a header but no rows")
    return items, hashes


def _ids(ids: list[str], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


_ITEM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sample_id": pl.Utf8, "uid": pl.Utf8, "frame": pl.Utf8, "hit": pl.Boolean, "stratum": pl.Utf8,
    "stratum_size": pl.Int64, "stratum_sampled": pl.Int64, "terms": pl.List(pl.Utf8), "coder": pl.Utf8,
    "label": pl.Int8, "source": pl.Utf8, "row": pl.Int64,
}


def load_coded(paths: str | Path | Iterable[str | Path], lexicon: Lexicon | None = None) -> CodedSample:
    """Read coded sample files (one per coder, or several frames). With ``lexicon``, files drawn from a different
    lexicon are refused. Raises :class:`CodedFileError` listing every problem; warnings stay on the result."""
    path_list = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not path_list:
        raise CodedFileError(["no coded files given"])
    problems: list[str] = []
    warnings: list[str] = []
    all_items: list[dict[str, object]] = []
    hashes: Counter[str] = Counter()
    for p in path_list:
        items, file_hashes = _file_items(p, lexicon, problems, warnings)
        if len(file_hashes) > 1:
            problems.append(f"{p}: rows come from {len(file_hashes)} different lexicons: a sample file holds one "
                            "draw; do not merge files by hand")
        for h in file_hashes:
            hashes[h] += 1
            if lexicon is not None and h != lexicon.content_hash:
                problems.append(f"{p}: drawn with lexicon sha256:{h[:12]}…, not this one "
                                f"(sha256:{lexicon.content_hash[:12]}…): score it with the lexicon it was drawn "
                                "from, or draw and code a new sample")
        all_items.extend(items)
    if len(hashes) > 1 and lexicon is None:
        problems.append(f"the files were drawn with {len(hashes)} different lexicons "
                        f"({', '.join(h[:12] for h in hashes)}): score each lexicon's files separately")
    df = pl.DataFrame(all_items, schema=_ITEM_SCHEMA)
    _check_same_sample(df, problems)
    if not problems and not df.is_empty() and df["label"].is_null().all():
        problems.append("no row has a label yet: coders fill the label column with 1 or 0 before scoring")
    if problems:
        raise CodedFileError(problems, warnings)
    return CodedSample(items=df, lexicon_hash=next(iter(hashes)) if hashes else "", warnings=warnings)


def _check_same_sample(df: pl.DataFrame, problems: list[str]) -> None:
    """Files for the same frame must be copies of one sample (several coders), not different draws."""
    if df.is_empty():
        return
    clash = (df.group_by(["frame", "sample_id"]).agg(pl.col("uid").n_unique().alias("n"),
                                                     pl.col("source").unique().alias("files"))
             .filter(pl.col("n") > 1))
    for r in clash.head(5).iter_rows(named=True):
        problems.append(f"{r['sample_id']} of frame {r['frame']} is a different message in "
                        f"{' and '.join(sorted(r['files']))}: these are different samples; score one sample at a "
                        "time (several files only for several coders of the same sample)")
    dup = (df.group_by(["frame", "sample_id", "coder"]).agg(pl.len().alias("n"), pl.col("source").unique())
           .filter(pl.col("n") > 1))
    for r in dup.head(5).iter_rows(named=True):
        problems.append(f"coder {r['coder']!r} labelled {r['sample_id']} of frame {r['frame']} {r['n']} times "
                        f"(in {', '.join(sorted(r['source']))}): give each coder's file a distinct name or fill "
                        "the coder column")
