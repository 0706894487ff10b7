"""Lexicons the web interface works with: the shipped example and those uploaded (kept in the store by hash)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from ..errors import UsageError
from ..frames import EXAMPLE_LEXICON
from ..frames.lexicon import Lexicon, parse_lexicon_yaml, parse_liwc_dic
from ..store import coding
from ..store.corpus import Corpus

__all__ = ["MAX_LEXICON_BYTES", "add_uploaded", "available", "load"]

MAX_LEXICON_BYTES = 5_000_000


def _parse(source: str, filename: str) -> tuple[Lexicon, str]:
    if PurePath(filename).suffix.lower() == ".dic":
        return parse_liwc_dic(source, path=filename), "dic"
    return parse_lexicon_yaml(source, path=filename), "yaml"


def _example() -> tuple[Lexicon, str]:
    source = EXAMPLE_LEXICON.read_text(encoding="utf-8")
    return _parse(source, EXAMPLE_LEXICON.name)[0], source


def available(corpus: Corpus) -> list[dict[str, Any]]:
    """The example lexicon first, then the stored ones, newest first."""
    example, _ = _example()
    rows = [{"lexicon_hash": example.content_hash, "name": f"example: {EXAMPLE_LEXICON.name}",
             "filename": EXAMPLE_LEXICON.name, "format": "yaml"}]
    rows += [r for r in coding.lexicons(corpus) if r["lexicon_hash"] != example.content_hash]
    return rows


def load(corpus: Corpus, lexicon_hash: str) -> Lexicon:
    """The lexicon with this content hash (the example or a stored one)."""
    example, _ = _example()
    if lexicon_hash == example.content_hash:
        return example
    row = coding.get_lexicon(corpus, lexicon_hash)
    if row is None:
        raise UsageError("that lexicon is not in this store: upload it on the frames page")
    return _parse(row["source"], row["filename"] or "lexicon.yaml")[0]


def add_uploaded(writer: Corpus, raw: bytes, filename: str) -> Lexicon:
    """Parse an uploaded lexicon (YAML, or LIWC .dic by its name) and keep it in the store."""
    if len(raw) > MAX_LEXICON_BYTES:
        raise UsageError(f"the lexicon file is larger than {MAX_LEXICON_BYTES // 1_000_000} MB")
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError("the lexicon file is not UTF-8 text: save it as UTF-8 and upload it again") from None
    name = PurePath(filename or "lexicon.yaml").name[:120] or "lexicon.yaml"
    lexicon, fmt = _parse(source, name)
    coding.add_lexicon(writer, lexicon_hash=lexicon.content_hash, name=lexicon.name or name, filename=name,
                       fmt=fmt, source=source)
    return lexicon


def ensure_stored(writer: Corpus, lexicon: Lexicon) -> None:
    """Samples refer to their lexicon by hash: keep the example's source too when a sample uses it."""
    example, source = _example()
    if lexicon.content_hash == example.content_hash and coding.get_lexicon(writer, example.content_hash) is None:
        coding.add_lexicon(writer, lexicon_hash=example.content_hash, name=f"example: {EXAMPLE_LEXICON.name}",
                           filename=EXAMPLE_LEXICON.name, fmt="yaml", source=source)
