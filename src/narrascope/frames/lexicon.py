"""Lexicons: frames with terms per language, read from YAML (line-numbered errors) or LIWC-style ``.dic`` files.

A lexicon is data, validated here so that matching never meets a surprise: every term normalises to something
non-empty, wildcards are trailing only, and regexes stay inside an RE2-compatible subset (no backreferences, no
lookaround, nothing that needs backtracking) and compile in hyperscan, whose automata match in linear time.
The YAML shape and the ``.dic`` dialect are documented in docs/formats.md ("Lexicons").
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, UsageError

__all__ = ["Frame", "Lexicon", "LexiconError", "Term", "load_lexicon", "parse_lexicon_yaml", "parse_liwc_dic"]

LEXICON_FORMAT_VERSION = 1

# Limits for hostile or runaway lexicons (docs/formats.md, "Lexicons"): each fails fast with a one-line message
# instead of a crash (5,000 nested brackets once raised RecursionError) or minutes of compiling without progress
# (4,000 regex terms took 76 s to compile, 20,000 did not finish in 150 s).
#: largest lexicon file read
MAX_LEXICON_BYTES = 50 * 1024 * 1024
#: deepest YAML nesting accepted (a lexicon needs five levels: frames, frame, terms, language, term)
MAX_YAML_DEPTH = 32
#: terms (and exclusion phrases) in all frames together
MAX_TERMS = 200_000
#: regex terms in all frames together: each compiles into the matcher's automaton, and compile time grows faster
#: than linearly with their number (measured here: 500 took 13 s, 2,000 took 170 s)
MAX_REGEX_TERMS = 300
#: characters in one regex
MAX_REGEX_CHARS = 5_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_TERM_KEYS = {"term", "suffixes", "prefixes", "regex", "elongation"}
_FRAME_KEYS = {"id", "label", "description", "terms", "exclude"}
#: constructs a backtracking engine needs and an automaton (RE2, hyperscan) refuses or mis-handles.
_BACKTRACKING_ONLY = [
    (re.compile(r"\\[1-9]|\\k<|\(\?P="), "a backreference"),
    (re.compile(r"\(\?<?[=!]"), "lookaround"),
    (re.compile(r"\(\?>"), "an atomic group"),
    (re.compile(r"\(\?\(|\(\?R\)|\(\?[0-9]+\)"), "a conditional or recursion"),
]


class LexiconError(InputError):
    """A lexicon file is malformed; the message names the file and line (``lexicon.yaml line 12: …``)."""

    def __init__(self, message: str, *, path: object = None, line: int | None = None) -> None:
        where = str(path) if path is not None else "lexicon"
        if line is not None:
            where += f" line {line}"
        # Not InputError.__init__: its "path (position): " prefix differs from the "file line N: " form used here.
        Exception.__init__(self, f"{where}: {message}")
        self.path = str(path) if path is not None else None
        self.position = f"line {line}" if line is not None else None
        self.line = line


@dataclass(frozen=True)
class Term:
    """One lexicon term. ``text`` is the term as written (for a regex term, its label or the regex itself).

    ``wildcard``: written ``word*`` — matches words that begin with ``word``. ``suffixes``/``prefixes``: also match
    with attached Persian suffixes (ها، های، ی …) / prefixes (می، نمی، بی), or English -s/-es. ``regex``: an
    RE2-compatible pattern applied to the normalised text instead of ``text``. ``elongation``: also match the term
    with letters repeated (خیییییلی for خیلی, sooo for so) — opt-in, since it can merge distinct words.
    """

    text: str
    lang: str
    suffixes: bool = False
    prefixes: bool = False
    wildcard: bool = False
    regex: str | None = None
    line: int | None = field(default=None, compare=False)
    elongation: bool = False

    def canonical(self) -> dict[str, Any]:
        canon = {"text": self.text, "lang": self.lang, "suffixes": self.suffixes, "prefixes": self.prefixes,
                 "wildcard": self.wildcard, "regex": self.regex}
        if self.elongation:  # only when set, so that lexicons without it keep their content hash
            canon["elongation"] = True
        return canon


@dataclass(frozen=True)
class Frame:
    """A frame: an id, a human label and description, its terms (all languages) and its exclusion phrases."""

    id: str
    label: str
    description: str
    terms: tuple[Term, ...]
    exclude: tuple[Term, ...] = ()

    def languages(self) -> list[str]:
        return sorted({t.lang for t in self.terms})


@dataclass(frozen=True)
class Lexicon:
    """A validated lexicon. ``content_hash`` is the sha256 of a canonical JSON form: any change to ids, labels,
    descriptions, terms or their switches changes it (results cached under it are then recomputed)."""

    frames: tuple[Frame, ...]
    name: str = ""
    source: str | None = field(default=None, compare=False)

    @property
    def content_hash(self) -> str:
        canon = {
            "format": LEXICON_FORMAT_VERSION,
            "frames": [{"id": f.id, "label": f.label, "description": f.description,
                        "terms": [t.canonical() for t in f.terms],
                        "exclude": [t.canonical() for t in f.exclude]} for f in self.frames],
        }
        blob = json.dumps(canon, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def frame(self, frame_id: str) -> Frame:
        for f in self.frames:
            if f.id == frame_id:
                return f
        named = f"lexicon {self.name!r}" if self.name else "the lexicon"
        raise UsageError(f"no frame {frame_id!r} in {named}: it has {', '.join(self.frame_ids)}")

    @property
    def frame_ids(self) -> list[str]:
        return [f.id for f in self.frames]


# ---------------------------------------------------------------------------------------------- loading
def load_lexicon(path: str | Path) -> Lexicon:
    """Read a lexicon: LIWC ``.dic`` when the extension says so or the file opens with ``%``, else YAML."""
    p = Path(path)
    try:
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):  # a named pipe would block the read forever
            raise LexiconError("is not a regular file (a folder, named pipe or device): give the lexicon file", path=p)
        if info.st_size > MAX_LEXICON_BYTES:
            raise LexiconError(f"is {info.st_size / 1e6:.0f} MB; lexicons up to {MAX_LEXICON_BYTES // 2**20} MB are "
                               "read: this is not a lexicon, or split it", path=p)
        raw = p.read_bytes()
    except OSError as exc:
        raise LexiconError(f"cannot read the lexicon ({exc.strerror}): check the path", path=p) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError("not UTF-8 text: save the lexicon as UTF-8", path=p, line=line) from None
    if p.suffix.lower() == ".dic" or text.lstrip().startswith("%"):
        return parse_liwc_dic(text, path=p)
    return parse_lexicon_yaml(text, path=p)


def parse_lexicon_yaml(text: str, *, path: object = "lexicon.yaml") -> Lexicon:
    """Parse and validate lexicon YAML. Every error names the line it comes from."""
    try:
        _check_depth(text, path)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise LexiconError(f"invalid YAML ({problem}): check indentation and quoting", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise LexiconError(f"invalid YAML ({exc})", path=path) from None
    if root is None:
        raise LexiconError("the lexicon is empty: it needs a top-level `frames:` list", path=path, line=1)
    _count_regexes(root, path)
    v = _Validator(path)
    top = v.mapping(root, "the top level")
    unknown = set(top) - {"frames", "name", "version", "elongation"}
    if unknown:
        key = sorted(unknown)[0]
        raise v.error(top[key][0], f"unknown top-level key {key!r}: expected frames (and optionally name, version, "
                      "elongation)")
    if "elongation" in top:  # the default of every term's `elongation` switch
        v.elongation = v.boolean(top["elongation"][1], "elongation")
    if "frames" not in top:
        raise v.error(root, "no `frames:` list at the top level")
    name = v.string(top["name"][1], "name") if "name" in top else ""
    frames_node = top["frames"][1]
    if not isinstance(frames_node, yaml.SequenceNode) or not frames_node.value:
        raise v.error(frames_node, "`frames` must be a non-empty list of frames")
    frames = [v.frame(node) for node in frames_node.value]
    seen: dict[str, int] = {}
    for node, fr in zip(frames_node.value, frames, strict=True):
        if fr.id in seen:
            raise v.error(node, f"frame id {fr.id!r} is used twice (first on line {seen[fr.id]}): ids must be unique")
        seen[fr.id] = node.start_mark.line + 1
    return Lexicon(frames=tuple(frames), name=name, source=str(path))


def _check_depth(text: str, path: object) -> None:
    """Refuse nesting deeper than a lexicon needs before composing (PyYAML's composer recurses per level)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark is not None else None
                raise LexiconError(f"nested more than {MAX_YAML_DEPTH} levels deep; a lexicon needs five (frames, "
                                   "frame, terms, language, term): the file is damaged or not a lexicon",
                                   path=path, line=line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _count_regexes(root: yaml.Node, path: object) -> None:
    """Fail on too many regex terms before checking any (each check compiles the regex)."""
    counts = _Counts(path)
    stack = [root]
    seen: set[int] = set()  # aliases share nodes: each is counted once, so an alias bomb cannot blow up the walk
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == "regex":
                    counts.regex(key.start_mark.line + 1)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


class _Validator:
    """Turns composed YAML nodes into Frames and Terms, raising LexiconError with the node's line."""

    def __init__(self, path: object) -> None:
        self.path = path
        self.elongation = False
        self.counts = _Counts(path)

    def error(self, node: yaml.Node, message: str) -> LexiconError:
        return LexiconError(message, path=self.path, line=node.start_mark.line + 1)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping (key: value)")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, val in node.value:
            key = self.string(k, "a key")
            if key in out:
                raise self.error(k, f"key {key!r} appears twice in {what}")
            out[key] = (k, val)
        return out

    def string(self, node: yaml.Node, what: str, *, allow_empty: bool = False) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            raise self.error(node, f"{what} must be a text value")
        s = str(node.value)
        if not allow_empty and not s.strip():
            raise self.error(node, f"{what} is empty")
        return s

    def boolean(self, node: yaml.Node, what: str) -> bool:
        if not isinstance(node, yaml.ScalarNode) or not node.tag.endswith(":bool"):
            raise self.error(node, f"{what} must be true or false")
        return str(node.value).lower() in ("true", "yes", "on")

    def frame(self, node: yaml.Node) -> Frame:
        m = self.mapping(node, "a frame")
        for key, (knode, _) in m.items():
            if key not in _FRAME_KEYS:
                raise self.error(knode, f"unknown frame key {key!r}: expected {', '.join(sorted(_FRAME_KEYS))}")
        if "id" not in m:
            raise self.error(node, "a frame has no `id`")
        fid = self.string(m["id"][1], "the frame id")
        if not _ID.match(fid):
            raise self.error(m["id"][1], f"frame id {fid!r}: use letters, digits, '_', '-', '.' (max 64)")
        label = self.string(m["label"][1], "the label") if "label" in m else fid
        desc = self.string(m["description"][1], "the description", allow_empty=True) if "description" in m else ""
        if "terms" not in m:
            raise self.error(node, f"frame {fid!r} has no `terms`")
        terms = tuple(self.terms_by_language(m["terms"][1], fid, "terms"))
        if not terms:
            raise self.error(m["terms"][1], f"frame {fid!r} has no terms")
        exclude: tuple[Term, ...] = ()
        if "exclude" in m:
            exclude = tuple(self.terms_by_language(m["exclude"][1], fid, "exclude", default_lang="und"))
        return Frame(id=fid, label=label, description=desc, terms=terms, exclude=exclude)

    def terms_by_language(self, node: yaml.Node, fid: str, what: str,
                          default_lang: str | None = None) -> Iterator[Term]:
        if isinstance(node, yaml.SequenceNode) and default_lang is not None:
            for item in node.value:
                yield self.term(item, default_lang)
            return
        for lang, (knode, items) in self.mapping(node, f"`{what}` of frame {fid!r} (language: [terms])").items():
            if not _LANG.match(lang):
                raise self.error(knode, f"{lang!r} is not a language code (use e.g. en, fa, ar)")
            if not isinstance(items, yaml.SequenceNode):
                raise self.error(items, f"`{what}.{lang}` of frame {fid!r} must be a list of terms")
            for item in items.value:
                yield self.term(item, lang)

    def term(self, node: yaml.Node, lang: str) -> Term:
        line = node.start_mark.line + 1
        self.counts.term(line)
        if isinstance(node, yaml.ScalarNode):
            return make_term(self.string(node, "a term"), lang, line=line, path=self.path,
                             elongation=self.elongation)
        m = self.mapping(node, "a term")
        for key, (knode, _) in m.items():
            if key not in _TERM_KEYS:
                raise self.error(knode, f"unknown term key {key!r}: expected {', '.join(sorted(_TERM_KEYS))}")
        if "term" not in m and "regex" not in m:
            raise self.error(node, "a term mapping needs `term:` (or `regex:`)")
        text = self.string(m["term"][1], "the term") if "term" in m else None
        regex = self.string(m["regex"][1], "the regex") if "regex" in m else None
        suffixes = self.boolean(m["suffixes"][1], "suffixes") if "suffixes" in m else False
        prefixes = self.boolean(m["prefixes"][1], "prefixes") if "prefixes" in m else False
        if regex is not None and (suffixes or prefixes):
            raise self.error(node, "a regex term cannot also set suffixes/prefixes: write them into the regex")
        if "elongation" in m:
            elongation = self.boolean(m["elongation"][1], "elongation")
            if regex is not None and elongation:
                raise self.error(node, "a regex term cannot set elongation: write the repetition into the regex "
                                       "(e.g. ی+)")
        else:
            elongation = self.elongation and regex is None  # the lexicon's default leaves regex terms alone
        if regex is not None:
            self.counts.regex(line)
        return make_term(text if text is not None else str(regex), lang, suffixes=suffixes, prefixes=prefixes,
                         regex=regex, line=line, path=self.path, elongation=elongation)


class _Counts:
    """Counts terms while a lexicon is read, failing at the first one past a limit (before compiling anything)."""

    def __init__(self, path: object) -> None:
        self.path = path
        self.terms = 0
        self.regexes = 0

    def term(self, line: int | None) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise LexiconError(f"more than {MAX_TERMS:,} terms: split the lexicon (frames can be matched "
                               "separately)", path=self.path, line=line)

    def regex(self, line: int | None) -> None:
        self.regexes += 1
        if self.regexes > MAX_REGEX_TERMS:
            raise LexiconError(f"more than {MAX_REGEX_TERMS} regex terms: compiling them grows faster than their "
                               "number (2,000 took about 3 minutes); write plain terms where you can (suffixes: true "
                               "and word* cover most variants) or split the lexicon", path=self.path, line=line)


def shown(regex: str, limit: int = 80) -> str:
    """A regex as quoted in a message: cut after ``limit`` characters (a refused 50,000-way alternation once
    filled a 389 KB error line)."""
    if len(regex) <= limit:
        return repr(regex)
    return repr(regex[:limit]) + f"… ({len(regex):,} characters)"


def make_term(text: str, lang: str, *, suffixes: bool = False, prefixes: bool = False, regex: str | None = None,
              line: int | None = None, path: object = "lexicon", elongation: bool = False) -> Term:
    """Validate one term (shared by the YAML and .dic readers)."""
    from .compile import MAX_TERM_WORDS, normalised_words  # here, not at the top: compile imports this module

    text = text.strip()
    if regex is not None:
        check_regex(regex, path=path, line=line)
        return Term(text=text, lang=lang, regex=regex, line=line)
    wildcard = text.endswith("*")
    body = text[:-1] if wildcard else text
    if "*" in body:
        raise LexiconError(f"term {shown(text)}: '*' is allowed only at the end (prefix wildcard)", path=path, line=line)
    words = normalised_words(body)
    if not words:
        raise LexiconError(f"term {shown(text)} is empty once normalised (no letters or digits left): remove it",
                           path=path, line=line)
    if len(words) > MAX_TERM_WORDS:
        raise LexiconError(f"term {shown(text)} has {len(words)} words; at most {MAX_TERM_WORDS} are supported: "
                           "shorten it or use a regex", path=path, line=line)
    if wildcard and (suffixes or prefixes):
        raise LexiconError(f"term {shown(text)}: a wildcard already covers suffixes; drop suffixes/prefixes",
                           path=path, line=line)
    return Term(text=text, lang=lang, suffixes=suffixes, prefixes=prefixes, wildcard=wildcard, line=line,
                elongation=elongation)


_QUANTIFIER = re.compile(r"\{(\d*)(,(\d*))?\}")
_POSSESSIVE = re.compile(r"(?:[*+?]|\{\d*(?:,\d*)?\})\+")


def _skeleton(regex: str) -> str:
    """The regex with every escape (``\\d``, ``\\p{L}``, ``\\x{200c}``, ``\\(``) and character class
    (``[^a-z*+]``) replaced by ``x``, so that only operators remain where operators are."""
    out: list[str] = []
    i, n = 0, len(regex)
    while i < n:
        c = regex[i]
        if c == "\\":
            brace = i + 2 < n and regex[i + 1] in "pPx" and regex[i + 2] == "{"
            end = regex.find("}", i + 2) if brace else -1
            i = end + 1 if end >= 0 else i + 2
            out.append("x")
        elif c == "[":
            j = i + 1 + (regex[i + 1: i + 2] == "^")
            j += regex[j: j + 1] == "]"
            while j < n and regex[j] != "]":
                j += 2 if regex[j] == "\\" else 1
            i = j + 1
            out.append("x")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def nested_unbounded_quantifier(regex: str) -> bool:
    """True when an unbounded repetition (``*``, ``+``, ``{n,}``) applies to a group that itself contains one, as in
    ``(a+)+`` or ``(\\w+\\s)*``: the shape that makes backtracking engines take exponential time."""
    sk = _skeleton(regex)
    stack = [False]  # per open group: does it contain an unbounded repetition?
    closed: bool | None = None  # just after ")": did that group contain one?
    i = 0
    while i < len(sk):
        c = sk[i]
        after_group, closed = closed, None
        if c == "(":
            stack.append(False)
            i += 2 if sk[i + 1: i + 2] == "?" else 1  # "(?" opens a group; that "?" is no quantifier
            continue
        if c == ")":
            inner = stack.pop() if len(stack) > 1 else False
            stack[-1] = stack[-1] or inner
            closed = inner
            i += 1
            continue
        m = _QUANTIFIER.match(sk, i) if c == "{" else None
        if c in "*+" or (m and m.group(2) is not None and m.group(3) == ""):
            if after_group:
                return True
            stack[-1] = True
        i += len(m.group(0)) if m else 1
        if (c in "*+?" or m) and sk[i: i + 1] == "?":
            i += 1  # a lazy modifier
    return False


def check_regex(regex: str, *, path: object = "lexicon", line: int | None = None) -> None:
    """Refuse regexes outside the linear-time subset; compile the rest in hyperscan when it is installed."""
    if len(regex) > MAX_REGEX_CHARS:
        raise LexiconError(f"regex {shown(regex)} is longer than {MAX_REGEX_CHARS:,} characters: split it into "
                           "several terms (each alternative can be its own term)", path=path, line=line)
    for rx, what in _BACKTRACKING_ONLY:
        if rx.search(regex):
            raise LexiconError(f"regex {shown(regex)} uses {what}, which needs a backtracking engine: "
                               "rewrite it without (only RE2-compatible syntax is accepted)", path=path, line=line)
    if _POSSESSIVE.search(_skeleton(regex)):
        raise LexiconError(f"regex {shown(regex)} uses a possessive quantifier, which needs a backtracking engine: "
                           "rewrite it without (only RE2-compatible syntax is accepted)", path=path, line=line)
    if nested_unbounded_quantifier(regex):
        raise LexiconError(f"regex {shown(regex)} repeats a group that itself repeats without bound (like (a+)+), which "
                           "takes exponential time in backtracking engines: repeat only once, e.g. (a+)+ → a+",
                           path=path, line=line)
    try:
        import regex as _regex  # syntax check that works without hyperscan too

        _regex.compile(regex)
    except Exception as exc:  # noqa: BLE001 - the regex library raises its own error type
        raise LexiconError(f"regex {shown(regex)} does not compile ({str(exc)[:200]}): check brackets and escapes",
                           path=path, line=line) from None
    from .compile import hyperscan_regex_error

    problem = hyperscan_regex_error(regex)
    if problem:
        raise LexiconError(f"regex {shown(regex)} is not accepted by the matcher ({problem[:200]})", path=path,
                           line=line)


# ---------------------------------------------------------------------------------------------- LIWC .dic
def parse_liwc_dic(text: str, *, path: object = "lexicon.dic") -> Lexicon:
    """Read a LIWC-style dictionary: a ``%``-delimited header of ``number<TAB>category`` lines, then one entry per
    line, ``word<TAB>number [number …]`` (``word*`` = prefix wildcard). Categories become frames; terms get the
    language ``und`` (undetermined) since .dic files do not say."""
    lines = text.splitlines()
    idx = 0
    while idx < len(lines) and not lines[idx].strip():
        idx += 1
    if idx >= len(lines) or lines[idx].strip() != "%":
        raise LexiconError("a .dic file starts with a line holding only '%'", path=path, line=idx + 1)
    categories: dict[str, str] = {}
    order: list[str] = []
    idx += 1
    while True:
        if idx >= len(lines):
            raise LexiconError("the category header is not closed by a second '%' line", path=path, line=idx)
        raw = lines[idx].strip()
        idx += 1
        if not raw:
            continue
        if raw == "%":
            break
        parts = raw.split(None, 1)
        if len(parts) != 2 or not parts[0].isdigit():
            raise LexiconError(f"header line {raw!r} should be 'number<TAB>category'", path=path, line=idx)
        num, name = parts[0], parts[1].strip()
        if num in categories:
            raise LexiconError(f"category number {num} is defined twice", path=path, line=idx)
        categories[num] = name
        order.append(num)
    if not categories:
        raise LexiconError("the header defines no categories", path=path, line=idx)
    terms: dict[str, list[Term]] = {n: [] for n in order}
    counts = _Counts(path)
    for lineno in range(idx + 1, len(lines) + 1):
        raw = lines[lineno - 1].strip()
        if not raw:
            continue
        tokens = raw.split("\t") if "\t" in raw else raw.split()
        tokens = [t.strip() for t in tokens if t.strip()]
        nums: list[str] = []
        while len(tokens) > 1 and tokens[-1].isdigit():
            nums.insert(0, tokens.pop())
        if len(tokens) > 1 and "\t" not in raw:
            tokens = [" ".join(tokens)]  # a space-separated phrase entry
        if not nums or len(tokens) != 1:
            if any("(" in t or "/" in t for t in tokens):
                raise LexiconError(f"entry {raw!r} uses LIWC's conditional syntax, which is not supported: "
                                   "split it into plain entries", path=path, line=lineno)
            raise LexiconError(f"entry {raw!r} should be 'word<TAB>category numbers'", path=path, line=lineno)
        for num in nums:
            if num not in categories:
                raise LexiconError(f"entry {tokens[0]!r} names category {num}, which the header does not define",
                                   path=path, line=lineno)
            counts.term(lineno)
            terms[num].append(make_term(tokens[0], "und", line=lineno, path=path))
    frames = []
    for num in order:
        if not terms[num]:
            continue
        name = categories[num]
        fid = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:64] or f"cat{num}"
        frames.append(Frame(id=fid, label=name, description=f"LIWC category {num}", terms=tuple(terms[num])))
    if not frames:
        raise LexiconError("no entries: the dictionary defines categories but no words", path=path,
                           line=len(lines))
    return Lexicon(frames=tuple(frames), name=Path(str(path)).stem, source=str(path))
