"""Lexicon terms → patterns on the normalised (matching) form of the text.

Every non-regex term becomes a finite set of literal strings in the normalised form: its words joined by a space
or by nothing (the GUIDE's Persian note: words may be separated by a space, a ZWNJ — deleted by normalisation —
or nothing), optionally preceded by an attached prefix and followed by an attached suffix. Literals compile in
milliseconds (hyperscan's pure-literal compiler, or an Aho-Corasick automaton) and report exact byte spans
without start-of-match tracking, because each literal's length is known. Word boundaries are checked afterwards
(see :mod:`narrascope.frames.match`). Regex terms (rare) compile in hyperscan's UTF-8/Unicode mode.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import regex as _regex

from ..text.normalize import normalize
from .elongation import ElongatedLiteral, squeeze_literal
from .forms import persian_tails, seat_variants
from .lexicon import Lexicon, Term

__all__ = [
    "ENGLISH_SUFFIXES",
    "MAX_TERM_WORDS",
    "PERSIAN_PREFIXES",
    "PERSIAN_SUFFIXES",
    "ENGINES",
    "CompiledLexicon",
    "Entry",
    "LiteralScanner",
    "compile_lexicon",
    "hyperscan_available",
    "hyperscan_regex_error",
    "is_arabic_script",
    "join_variants",
    "merge_tails",
    "normalised_words",
    "term_literals",
    "term_patterns",
    "ThreadScratch",
]

#: the single attached suffixes of narrascope 0.1 (kept as a name; ``suffixes: true`` now uses the inflection
#: grammar of :func:`~narrascope.frames.forms.persian_inflections`, which includes every one of these).
PERSIAN_SUFFIXES: tuple[str, ...] = (
    "ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان",
    "ی", "ای", "یی", "ام", "ات", "اش", "مان", "تان", "شان", "م", "ت", "ش",
    "ان", "تر", "ترین",
)
#: plural endings for Latin-script terms with ``suffixes: true`` (a possessive 's is already a word boundary).
ENGLISH_SUFFIXES: tuple[str, ...] = ("s", "es")
#: attached prefixes for ``prefixes: true`` (Arabic-script terms only); normalisation already joins a
#: free-standing می / نمی to the next word.
PERSIAN_PREFIXES: tuple[str, ...] = ("می", "نمی", "بی")
#: a term's word gaps are each "space or nothing": 2**(words-1) literals, so long phrases are refused.
MAX_TERM_WORDS = 7

_WORDISH = _regex.compile(r"[\p{L}\p{N}]")


def is_arabic_script(ch: str) -> bool:
    cp = ord(ch)
    return 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF or 0xFB50 <= cp <= 0xFEFF


def normalised_words(text: str) -> list[str]:
    """The term's words in matching form; [] when nothing matchable (no letter or digit) remains."""
    norm = normalize(text)
    if not _WORDISH.search(norm):
        return []
    return [w for w in norm.split(" ") if w]


def term_patterns(term: Term) -> list[tuple[str, frozenset[str] | None]]:
    """The literals of a non-regex term (without the wildcard star), each with the tails it allows: ``None`` for an
    exact literal (a word boundary must follow), else the set of strings that may complete its word (``""`` when the
    literal itself may stand alone). Persian inflections are tails of the stem literal, so that a term with
    ``suffixes: true`` costs a few literals, not hundreds (:func:`~narrascope.frames.forms.persian_tails`). Every
    hamza-seat variant (:func:`~narrascope.frames.forms.seat_variants`), gap (space or nothing) and prefix is a
    literal of its own."""
    body = term.text[:-1] if term.wildcard else term.text
    words = normalised_words(body)
    if len(words) > MAX_TERM_WORDS:
        raise ValueError(f"term {term.text!r} has {len(words)} words; at most {MAX_TERM_WORDS} are supported")
    out: dict[str, frozenset[str] | None] = {}
    for variant in seat_variants(body, normalised_words):
        prefixes: tuple[str, ...] = ("",)
        if term.prefixes and is_arabic_script(variant[0][0]):
            prefixes += PERSIAN_PREFIXES
        last = variant[-1]
        ends: list[tuple[str, frozenset[str] | None]] = [(last, None)]
        if term.suffixes and is_arabic_script(last[-1]):
            after, after_cut = persian_tails(last)
            ends = [(last, after)]
            if after_cut:
                ends.append((last[:-1], after_cut))
        elif term.suffixes:
            ends += [(last + s, None) for s in ENGLISH_SUFFIXES]
        for gaps in itertools.product((" ", ""), repeat=len(variant) - 1):
            head = "".join(w + g for w, g in zip(variant[:-1], gaps, strict=True))
            for p in prefixes:
                for stem, tails in ends:
                    literal = p + head + stem
                    out[literal] = merge_tails(out[literal], tails) if literal in out else tails
    return list(out.items())


def merge_tails(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The tails of one literal reached twice (a term written twice in a frame): None stands for {""}."""
    if a is None and b is None:
        return None
    return (a if a is not None else frozenset({""})) | (b if b is not None else frozenset({""}))


def term_literals(term: Term) -> list[str]:
    """All normalised written forms of a non-regex term (without the wildcard star): each pattern's literal with
    every tail it allows."""
    out: dict[str, None] = {}
    for literal, tails in term_patterns(term):
        for tail in sorted(tails) if tails is not None else ("",):
            out[literal + tail] = None
    return list(out)


@dataclass(frozen=True)
class Entry:
    """One (frame, term) pair that matching reports. ``exclude`` entries only cancel overlapping hits."""

    frame: int
    term: str
    exclude: bool
    open_end: bool  # a wildcard term: the match extends to the end of the word
    regex: str | None = None


@dataclass(frozen=True)
class CompiledLexicon:
    """Patterns for one lexicon: distinct literals (UTF-8 bytes of the matching form) with the entries each
    reports, and regex terms."""

    lexicon_hash: str
    frame_ids: tuple[str, ...]
    entries: tuple[Entry, ...]
    literals: tuple[bytes, ...]
    literal_entries: tuple[tuple[int, ...], ...]
    regex_entries: tuple[int, ...]  # entry indices whose term is a regex
    elongated: tuple[ElongatedLiteral, ...] = ()  # squeezed literals of the terms with elongation
    literal_tails: tuple[tuple[int, ...], ...] = ()  # per literal, per entry: -1 (exact) or an index of tail_sets
    tail_sets: tuple[frozenset[bytes], ...] = ()  # UTF-8 strings that may complete a stem literal's word

    @property
    def has_regex(self) -> bool:
        return bool(self.regex_entries)


def compile_lexicon(lexicon: Lexicon) -> CompiledLexicon:
    """Expand every term (and exclusion phrase) of every frame into literals, deduplicated across frames."""
    entries: list[Entry] = []
    by_literal: dict[bytes, dict[int, frozenset[str] | None]] = {}  # literal → entry → tails
    squeezed: dict[bytes, dict[tuple[tuple[int, ...] | None, int], None]] = {}
    regex_entries: list[int] = []
    seen: dict[tuple[int, str, bool, bool], int] = {}
    for fi, frame in enumerate(lexicon.frames):
        for exclude, terms in ((False, frame.terms), (True, frame.exclude)):
            for term in terms:
                # the same term written twice in a frame (two languages, or with and without suffixes) is one
                # entry: its forms are united and each occurrence is reported once
                key = (fi, term.text, exclude, term.regex is not None)
                eid = seen.get(key, len(entries))
                if eid == len(entries):
                    seen[key] = eid
                    entries.append(Entry(fi, term.text, exclude, term.wildcard, term.regex))
                    if term.regex is not None:
                        regex_entries.append(eid)
                if term.regex is not None:
                    continue
                if term.elongation:  # found in the squeezed text only (which holds the plain forms too)
                    for lit in term_literals(term):
                        form, runs = squeeze_literal(lit)
                        need = (runs if max(runs) > 1 else None, eid)
                        squeezed.setdefault(form.encode("utf-8"), {})[need] = None
                    continue
                for lit, tails in term_patterns(term):
                    per_entry = by_literal.setdefault(lit.encode("utf-8"), {})
                    per_entry[eid] = merge_tails(per_entry[eid], tails) if eid in per_entry else tails
    literals = tuple(sorted(by_literal))
    tail_ids: dict[frozenset[bytes], int] = {}
    literal_tails: list[tuple[int, ...]] = []
    for literal in literals:
        tail_of: list[int] = []
        for allowed in by_literal[literal].values():
            encoded = None if allowed is None else frozenset(t.encode("utf-8") for t in allowed)
            tail_of.append(-1 if encoded is None else tail_ids.setdefault(encoded, len(tail_ids)))
        literal_tails.append(tuple(tail_of))
    return CompiledLexicon(
        lexicon_hash=lexicon.content_hash,
        frame_ids=tuple(f.id for f in lexicon.frames),
        entries=tuple(entries),
        literals=literals,
        literal_entries=tuple(tuple(by_literal[lit]) for lit in literals),
        regex_entries=tuple(regex_entries),
        elongated=tuple(ElongatedLiteral(form, tuple(squeezed[form])) for form in sorted(squeezed)),
        literal_tails=tuple(literal_tails),
        tail_sets=tuple(tail_ids),
    )


# ---------------------------------------------------------------------------------------------- hyperscan
def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def regex_flags(*, som: bool) -> int:
    import hyperscan

    flags = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP | hyperscan.HS_FLAG_MULTILINE
    return flags | hyperscan.HS_FLAG_SOM_LEFTMOST if som else flags


@lru_cache(maxsize=256)
def hyperscan_regex_error(pattern: str) -> str | None:
    """Why hyperscan refuses ``pattern`` (None when it compiles, or when hyperscan is not installed)."""
    if not hyperscan_available():
        return None
    import hyperscan

    for som in (False, True):
        db = hyperscan.Database()
        try:
            db.compile(expressions=[pattern.encode("utf-8")], ids=[0], elements=1, flags=[regex_flags(som=som)])
        except hyperscan.error as exc:
            return str(exc).strip() or "hyperscan compile error"
    return None


ENGINES = ("hyperscan", "ahocorasick")
_END_BITS = 36  # a match is packed as (pattern id << 36) | end offset: one int per callback, no tuples


class ThreadScratch:
    """Per-thread hyperscan scratch space for one database: a Matcher is shared by worker threads, scratch is not."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._local = threading.local()

    def get(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            import hyperscan

            scratch = self._local.scratch = hyperscan.Scratch(self.db)
        return scratch


def _escape_bytes(literal: bytes) -> bytes:
    return b"".join(bytes([b]) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else b"\\x%02x" % b
                    for b in literal)


class LiteralScanner:
    """Every occurrence (overlapping included) of a set of byte literals in a buffer, as numpy arrays.

    ``engine="hyperscan"`` uses hyperscan's pure-literal compiler (milliseconds for thousands of literals);
    ``"ahocorasick"`` is the pure-Python-installable fallback (pyahocorasick over latin-1-decoded bytes, so that
    character offsets equal byte offsets). Both report the same matches.
    """

    def __init__(self, literals: tuple[bytes, ...] | list[bytes], engine: str) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}")
        self.engine = engine
        self.literals = tuple(literals)
        self._db: Any = None
        self._scratch: ThreadScratch
        if not self.literals:
            return
        if engine == "hyperscan":
            import hyperscan

            # Escaped byte by byte as a (byte-mode) regex: the binding passes expressions as C strings, so a
            # NUL byte (in UTF-16 skeleton literals) would cut a pure literal short. Hyperscan still compiles
            # these as literals, in milliseconds.
            self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            self._db.compile(expressions=[_escape_bytes(x) for x in self.literals],
                             ids=list(range(len(self.literals))), elements=len(self.literals),
                             flags=[hyperscan.HS_FLAG_DOTALL] * len(self.literals))
            self._scratch = ThreadScratch(self._db)
        else:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for i, lit in enumerate(self.literals):
                automaton.add_word(lit.decode("latin-1"), i)
            automaton.make_automaton()
            self._db = automaton

    def scan(self, buf: bytes | memoryview) -> tuple[np.ndarray, np.ndarray]:
        """(pattern ids int64, exclusive end offsets int64) of every occurrence, in no particular order."""
        if self._db is None or not len(buf):
            return np.empty(0, np.int64), np.empty(0, np.int64)
        if self.engine == "hyperscan":
            packed: list[int] = []
            push = packed.append

            def on_match(pid: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
                push((pid << _END_BITS) | to)

            self._db.scan(buf, match_event_handler=on_match, scratch=self._scratch.get())
            arr = np.array(packed, dtype=np.int64)
        else:
            hay = bytes(buf).decode("latin-1")
            arr = np.fromiter(((pid << _END_BITS) | (end + 1) for end, pid in self._db.iter(hay)), dtype=np.int64)
        return arr >> _END_BITS, arr & ((1 << _END_BITS) - 1)


def join_variants(literal: str) -> list[str] | None:
    """``literal`` plus every form with a space put back where normalisation's joins may have removed one
    (after a می/نمی, before a ها/های/هایی). Used by the raw-text prefilter, which sees text before the joins."""
    points = [i for i in range(1, len(literal))
              if literal[i - 1] != " " and literal[i] != " "
              and (literal[:i].endswith("می") or literal[i:].startswith("ها"))]
    if len(points) > 6:  # never in real terms; the caller then screens nothing rather than miss a form
        return None
    out = []
    for mask in range(1 << len(points)):
        pieces, last = [], 0
        for bit, at in enumerate(points):
            if mask >> bit & 1:
                pieces += [literal[last:at], " "]
                last = at
        out.append("".join(pieces) + literal[last:])
    return out


def build_regex_database(patterns: list[str], *, som: bool) -> Any:
    import hyperscan

    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[p.encode("utf-8") for p in patterns], ids=list(range(len(patterns))),
               elements=len(patterns), flags=[regex_flags(som=som)] * len(patterns))
    return db
