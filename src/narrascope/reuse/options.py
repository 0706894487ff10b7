"""The options of a reuse run (:class:`ReuseOptions`), apart from the pipeline: standard library only, so the CLI
can build ``narrascope reuse``'s flags (and its --help) without importing polars, numpy or scipy."""

from __future__ import annotations

import hashlib
import json
import typing
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..dates import parse_bounds
from ..errors import UsageError

__all__ = ["PIPELINE_VERSION", "ReuseOptions", "option_fields"]

PIPELINE_VERSION = "reuse-5"  # bump whenever stored rows change meaning or shape


def _option(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class ReuseOptions:
    """How reuse is found. Every field is also a CLI flag of ``narrascope reuse`` (``--field-name``)."""

    threshold: float = _option(0.5, "Jaccard similarity from which two messages are near-duplicates")
    num_perm: int = _option(128, "MinHash permutations (signature length)")
    word_ngram: int = _option(3, "word n-gram size (messages of at least short_tokens tokens)")
    char_ngram: int = _option(5, "character n-gram size (shorter messages)")
    short_tokens: int = _option(8, "messages with fewer tokens are compared by character n-grams")
    lsh_recall: float = _option(0.95, "LSH candidate probability required at the threshold (sets bands, rows)")
    max_bucket: int = _option(200, "LSH buckets larger than this are chained instead of emitting all pairs")
    boilerplate: bool = _option(True, "leave each channel's boilerplate lines and n-grams out of matching")
    boilerplate_min_messages: int = _option(5, "boilerplate occurs in at least this many distinct texts of a channel")
    line_max_share: float = _option(0.02, "a line is boilerplate from this share of its channel's distinct texts")
    ngram_max_share: float = _option(0.05, "a word n-gram is boilerplate from this share of the channel's texts")
    passage_min_tokens: int = _option(30, "messages of at least this many tokens are searched for shared passages")
    passage_ngram: int = _option(5, "passage n-gram size, also the shortest aligned passage (tokens)")
    passage_max_df: int = _option(100, "passage n-grams in more documents are ignored (passim's max-df)")
    passage_max_share: float = _option(1.0, "… or in more than this share of all documents (below 1: also a "
                                             "share limit, for small templated corpora)")
    passage_min_match: int = _option(5, "shared rare n-grams making a passage candidate (passim's min-match)")
    passage_min_match_share: float = _option(0.03, "… or, if fewer, this share of the shorter text's n-grams "
                                                   "(at least 2): short texts need fewer")
    passage_min_shared: int = _option(30, "shared n-grams (rare or not) that report a pair whatever its length "
                                          "(a quoted passage)")
    rewrite_background: float = _option(0.05, "share of a text's word 3-grams an unrelated text on the same "
                                               "topic shares by chance")
    rewrite_word_background: float = _option(0.04, "… and share of its distinct words")
    rewrite_z: float = _option(3.5, "a pair is also reported when it shares this many standard errors more rare "
                                    "3-grams and rare words than the backgrounds (length-scaled; docs/methods.md)")
    rewrite_spread: float = _option(0.5, "… and those 3-grams lie in at least this share of the tenths of both "
                                         "texts (a shared sentence or template is not a rewrite)")
    rewrite_vocabulary: float = _option(0.3, "word-set Jaccard from which a passage pair is a rewrite, not partial")
    max_alignments: int = _option(20000, "passage pairs aligned during the run (others are aligned on demand)")
    since: str | None = _option(None, "only messages posted at or after this time (ISO date or timestamp)")
    until: str | None = _option(None, "only messages posted before this time")
    workers: int = _option(1, "worker threads (MinHash and the batch steps); results do not change")
    seed: int = _option(1, "seed of the MinHash permutations")

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise UsageError(f"threshold {self.threshold} is outside (0, 1]: use e.g. 0.5")
        for name in ("num_perm", "word_ngram", "char_ngram", "short_tokens", "max_bucket", "passage_ngram",
                     "passage_max_df", "passage_min_match", "passage_min_shared", "workers", "boilerplate_min_messages"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, not {getattr(self, name)}")
        parse_bounds(self.since, self.until)  # a bad bound is refused before any work
        for name in ("line_max_share", "ngram_max_share", "passage_max_share", "rewrite_vocabulary",
                     "passage_min_match_share", "rewrite_background", "rewrite_word_background",
                     "rewrite_spread"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise UsageError(f"{name} {getattr(self, name)} is outside (0, 1]: use a share such as 0.05")
        if self.rewrite_z < 0:
            raise UsageError(f"rewrite_z must be at least 0, not {self.rewrite_z}")
        if not 0.0 < self.lsh_recall < 1.0:
            raise UsageError(f"lsh_recall {self.lsh_recall} must be between 0 and 1 (exclusive)")

    def cache_key(self, state: str) -> str:
        """Key of stored results: everything that changes them (not ``workers``)."""
        import polars as pl  # here, not at the top: the CLI reads these options for --help without polars

        from ..text.normalize import MATCH_TABLE_VERSION

        params = {k: v for k, v in asdict(self).items() if k != "workers"}
        blob = json.dumps([params, state, MATCH_TABLE_VERSION, PIPELINE_VERSION, pl.__version__], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    @property
    def bands(self) -> tuple[int, int]:
        from .lsh import choose_bands

        return choose_bands(self.threshold, self.num_perm, self.lsh_recall)


def option_fields() -> list[tuple[str, Any, Any, str]]:
    """(name, type, default, help) of every option, for CLIs and forms."""
    hints = typing.get_type_hints(ReuseOptions)
    return [(f.name, hints[f.name], f.default, f.metadata.get("help", "")) for f in fields(ReuseOptions)]
