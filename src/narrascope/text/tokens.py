"""Word tokens of a matching-form text (see :mod:`narrascope.text.normalize`).

A token is a run of letters, digits and combining marks (marks keep Indic and decomposed Latin words whole), with
internal apostrophes allowed (``don't``, ``l'état``). Everything else — spaces, punctuation, Persian « » ، ؟,
emoji — separates tokens. Persian needs no special rule here: the matching form has already joined ZWNJ-separated
and space-separated verb prefixes and plural suffixes (می روم → میروم, کتاب ها → کتابها), so one word is one run.
Hyphens separate tokens, as they separate words for the frames matcher (``covid-19`` → ``covid``, ``19``).
"""

from __future__ import annotations

import regex

__all__ = ["token_spans", "tokens"]

_TOKEN = regex.compile(r"[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*")


def token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token of ``text``, in order; ``text[start:end]`` is the token."""
    return [m.span() for m in _TOKEN.finditer(text)]


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` (normally the matching form from :func:`~narrascope.text.normalize.normalize`)."""
    return _TOKEN.findall(text)
