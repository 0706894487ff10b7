"""Add terms to a YAML lexicon by editing its text, so that everything else in the file stays as its author wrote it.

A lexicon is a document people maintain: comments explain why a term is there, ``version:`` records its revision,
keys follow an order and a quoting style. Loading it and dumping it again would lose all of that, so
:func:`add_terms_to_yaml` inserts each new term as one line (or one flow-list item) right after the last term of
its language in its frame, at the same indentation, using the positions :func:`yaml.compose` reports, and leaves
every other character untouched. The result is re-read as a lexicon before it is returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import yaml

from ..errors import UsageError

__all__ = ["add_terms_to_yaml"]


def _scalar(term: str) -> str:
    """``term`` as a YAML flow scalar, quoted only when it needs to be (``#tag``, ``: ``, leading ``*`` …)."""
    dumped = yaml.safe_dump([term], allow_unicode=True, default_flow_style=True, width=10**9).strip()
    return dumped[1:-1]


def _mapping_get(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _frame_node(root: yaml.Node, frame: str) -> yaml.MappingNode:
    frames = _mapping_get(root, "frames") if isinstance(root, yaml.MappingNode) else None
    if frames is None or not isinstance(frames[1], yaml.SequenceNode):
        raise UsageError("the lexicon has no `frames:` list")
    for node in frames[1].value:
        if isinstance(node, yaml.MappingNode):
            fid = _mapping_get(node, "id")
            if fid is not None and isinstance(fid[1], yaml.ScalarNode) and fid[1].value == frame:
                return node
    raise UsageError(f"frame {frame!r} is not in the lexicon")


def _last_leaf(node: yaml.Node) -> yaml.Node:
    """The node whose text ends ``node``: block collections end where the next token starts (after blank lines and
    comments that belong to what follows), so descend to their last scalar or flow collection."""
    while not getattr(node, "flow_style", True) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _after_node(text: str, node: yaml.Node) -> int:
    """Where a new line goes after ``node``: the end of the line its text ends on (after any trailing comment), or,
    when it ends at the start of a line, that line's start."""
    node = _last_leaf(node)
    end = node.end_mark.index
    if node.end_mark.column == 0 and end > 0:
        return end
    newline = text.find("\n", end)
    return len(text) if newline < 0 else newline


def _indent_of_item(text: str, item: yaml.Node) -> int:
    """The column of the ``-`` that introduces a block-sequence ``item``."""
    line_start = text.rfind("\n", 0, item.start_mark.index) + 1
    before = text[line_start:item.start_mark.index]
    dash = before.rstrip().rfind("-")
    return dash if dash >= 0 else item.start_mark.column


def _insert_line(text: str, at: int, line: str) -> str:
    if at == len(text) and not text.endswith("\n"):
        return text + "\n" + line + "\n"
    if at < len(text) and text[at] != "\n":  # the start of a line: put the new line before it
        return text[:at] + line + "\n" + text[at:]
    return text[:at] + "\n" + line + text[at:]


def _add_one(text: str, frame: str, lang: str, term: str) -> str:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = _frame_node(root, frame)
    terms = _mapping_get(node, "terms")
    if terms is None or not isinstance(terms[1], yaml.MappingNode):
        raise UsageError(f"frame {frame!r} has no `terms:` mapping to add to")
    by_lang = terms[1]
    entry = _mapping_get(by_lang, lang)
    value = _scalar(term)
    if entry is not None and isinstance(entry[1], yaml.SequenceNode):
        seq = entry[1]
        if seq.flow_style or not seq.value:  # [a, b] → [a, b, new]; [] → [new]
            close = text.rfind("]", 0, seq.end_mark.index)
            sep = ", " if seq.value else ""
            return text[:close] + sep + value + text[close:]
        last = seq.value[-1]
        return _insert_line(text, _after_node(text, last), " " * _indent_of_item(text, last) + "- " + value)
    if entry is not None:
        raise UsageError(f"`terms.{lang}` of frame {frame!r} is not a list: cannot add to it")
    if by_lang.flow_style:  # {en: [a]} → {en: [a], fa: [new]}
        close = text.rfind("}", 0, by_lang.end_mark.index)
        return text[:close] + f", {lang}: [{value}]" + text[close:]
    key, last_value = by_lang.value[-1]
    indent = " " * key.start_mark.column
    return _insert_line(text, _after_node(text, last_value), f"{indent}{lang}:\n{indent}  - {value}")


def add_terms_to_yaml(text: str, frame: str, terms: Mapping[str, Sequence[str]]) -> str:
    """``text`` (a YAML lexicon) with ``terms`` ({language: [term, …]}) added to ``frame``, every other character
    unchanged: comments, ``version``, key order and quoting stay as they were."""
    for lang, items in terms.items():
        for term in items:
            text = _add_one(text, frame, lang, term)
    return text
