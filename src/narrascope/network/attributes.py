"""Channel attributes supplied by the user: read a CSV/YAML table, resolve its rows to the store's channels, store it.

A table names each channel by any of ``channel_id`` (or ``id``), ``channel`` (or ``name``, ``title``) and
``username`` (or ``handle``), optionally ``platform``; every other column is an attribute (``location``, ``side``,
``owner``, ``type`` …), kept as text. A row is matched by id first, then username, then display name (compared on the
matching form, so Arabic/Persian letter variants, case and spaces do not matter). Rows that match no stored channel,
or several, are listed in the :class:`AttributeReport` and stored as channels outside the corpus — never dropped
silently. ``username`` is stored as an attribute too: it resolves @mentions and t.me links to channels.

CSV, TSV, JSON lines, Parquet and Excel are read with the table reader of ``narrascope ingest``; YAML either as a
list of mappings or as a mapping from a channel (id, @username or name) to its attributes, optionally under a
top-level ``channels:`` key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml

from ..errors import InputError
from ..frames.prevalence import GROUPS
from ..ingest.tabular_io import open_table
from ..store.attributes import ATTRIBUTE_ROW_SCHEMA
from ..text.normalize import normalize

if TYPE_CHECKING:
    from ..store.corpus import Corpus

__all__ = ["AttributeReport", "channel_attributes", "channels_with_attributes", "normalise_username", "read_attribute_file",
           "set_channel_attributes", "unknown_channel_attributes"]

_KEY_ALIASES = {"channel_id": "channel_id", "id": "channel_id", "channel": "name", "name": "name", "title": "name",
                "username": "username", "handle": "username", "platform": "platform"}
_USERNAME = re.compile(r"^[a-z][a-z0-9_]{3,31}$")
_TME = re.compile(r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?", re.IGNORECASE)
_YAML_SUFFIXES = {".yaml", ".yml"}


@dataclass(frozen=True)
class Entry:
    """One row of a user's table: the channel's identifiers as given and its attribute values (text)."""

    row: int
    channel_id: str | None
    name: str | None
    username: str | None
    platform: str | None
    values: dict[str, str | None]


@dataclass
class AttributeReport:
    """What ``set_channel_attributes`` stored: attribute names, matched channels, and what could not be matched."""

    sources: list[str]
    attributes: list[str]
    entries: int
    matched: int
    unknown: list[dict[str, Any]] = field(default_factory=list)
    """rows naming no stored channel (or several): file, row, channel_id, name, username, reason."""
    without_attributes: list[dict[str, Any]] = field(default_factory=list)
    """stored channels the table did not mention: platform, channel_id, channel."""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalise_username(value: str | None) -> str | None:
    """``@Azadi_Voice`` / ``t.me/azadi_voice`` → ``azadi_voice``; None when it is not a Telegram-style username."""
    if value is None:
        return None
    text = _TME.sub("", str(value).strip()).lstrip("@").split("/")[0].strip().lower()
    return text if _USERNAME.match(text) else None


def _name_key(value: str) -> str:
    return normalize(value).replace(" ", "")


def _text(value: Any, path: Path, where: str, column: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | dict | tuple | set):
        raise InputError(f"column {column!r} holds a {type(value).__name__}: attribute values must be single "
                         "values (text or numbers)", path=path, position=where)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _columns(columns: Sequence[str], path: Path) -> tuple[dict[str, str], list[str]]:
    """(key role -> column, attribute columns) of a table, with every problem a one-line error."""
    seen: set[str] = set()
    keys: dict[str, str] = {}
    attributes: list[str] = []
    for raw in columns:
        column = str(raw).strip()
        if not column:
            raise InputError("has a column without a name: name every column in the header row", path=path)
        if column in seen:
            raise InputError(f"names the column {column!r} twice: column names must be unique", path=path)
        seen.add(column)
        role = _KEY_ALIASES.get(column.lower())
        if role is not None and role not in keys:
            keys[role] = column
            continue
        if column in GROUPS or role is not None:
            raise InputError(f"column {column!r} would shadow the built-in group or key {column!r} of --by: "
                             "rename it (e.g. channel_" + column + ")", path=path)
        if "," in column:
            raise InputError(f"column {column!r} contains a comma: --by lists attributes separated by commas, "
                             "rename it", path=path)
        attributes.append(column)
    if not {"channel_id", "name", "username"} & set(keys):
        raise InputError("has no channel_id, channel (or name) or username column: one of them must say which "
                         f"channel each row describes (columns: {', '.join(map(str, columns)) or 'none'})", path=path)
    return keys, attributes


def _entries_from_rows(rows: Iterable[tuple[int, dict[str, Any]]], columns: Sequence[str], path: Path,
                       first_row: int) -> tuple[list[Entry], list[str]]:
    keys, attributes = _columns(columns, path)
    entries: list[Entry] = []
    for n, row in rows:
        where = f"row {n}"
        ids = {role: _text(row.get(col), path, where, col) for role, col in keys.items()}
        values = {a: _text(row.get(a), path, where, a) for a in attributes}
        if not any(ids.get(r) for r in ("channel_id", "name", "username")):
            if not any(values.values()):
                continue  # a blank line
            raise InputError("names no channel: give its channel_id, channel name or username", path=path,
                             position=where)
        username = ids.get("username")
        if username is not None and normalise_username(username) is None:
            raise InputError(f"username {username!r} is not a Telegram-style username (5–32 letters, digits or _)",
                             path=path, position=where)
        entries.append(Entry(first_row + len(entries), ids.get("channel_id"), ids.get("name"),
                             normalise_username(username), ids.get("platform"), values))
    return entries, attributes


def _yaml_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"is not valid YAML ({problem})", path=path, position=where) from None
    if isinstance(data, dict) and set(data) == {"channels"}:
        data = data["channels"]
    rows: list[dict[str, Any]] = []
    if isinstance(data, list):
        for i, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                raise InputError("each entry of the list must be a mapping of column: value", path=path,
                                 position=f"entry {i}")
            rows.append(item)
    elif isinstance(data, dict):
        for i, (channel, attrs) in enumerate(data.items(), start=1):
            if not isinstance(attrs, dict):
                raise InputError(f"channel {channel!r} must map to its attributes (a mapping)", path=path,
                                 position=f"entry {i}")
            ref = str(channel).strip()
            ident = ({"username": ref} if ref.startswith("@") else
                     {"channel_id": ref} if ref.lstrip("-").isdigit() or ref.startswith("name:") else {"channel": ref})
            rows.append({**ident, **attrs})
    else:
        raise InputError("must hold a list of channels or a mapping from channel to attributes", path=path)
    columns: list[str] = []
    for row in rows:
        columns += [str(k) for k in row if str(k) not in columns]
    return [(i, {str(k): v for k, v in row.items()}) for i, row in enumerate(rows, start=1)], columns


def read_attribute_file(path: str | Path, first_row: int = 1) -> tuple[list[Entry], list[str]]:
    """The entries and attribute names of one CSV/TSV/JSONL/Parquet/Excel/YAML table (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("is not a file", path=path)
    if path.suffix.lower() in _YAML_SUFFIXES:
        rows, columns = _yaml_rows(path)
        return _entries_from_rows(rows, columns, path, first_row)
    source, _ = open_table(path)
    return _entries_from_rows(source.rows(), source.columns, path, first_row)


# ------------------------------------------------------------------------------------------------- resolving
def _peer_forms(channel_id: str) -> list[str]:
    """A Telegram peer id as users write it (-1001234, channel1234, 1234): the forms a store may hold."""
    text = channel_id.strip()
    forms = [text]
    bare = re.sub(r"^(?:channel|chat|user|peer)", "", text, flags=re.IGNORECASE)
    if bare.startswith("-100") and bare[4:].isdigit():
        bare = bare[4:]
    elif bare.startswith("-") and bare[1:].isdigit():
        bare = bare[1:]
    if bare != text:
        forms.append(bare)
    return forms


class _Resolver:
    """Lookups of the store's channels by id, username and name."""

    def __init__(self, channels: pl.DataFrame, usernames: pl.DataFrame) -> None:
        self.by_id: dict[str, set[tuple[str, str]]] = {}
        self.by_user: dict[str, set[tuple[str, str]]] = {}
        self.by_name: dict[str, set[tuple[str, str]]] = {}
        for platform, cid, user in usernames.iter_rows():  # usernames given by an earlier table
            self.by_user.setdefault(user, set()).add((platform, cid))
        for platform, cid, name in channels.select("platform", "channel_id", "name").iter_rows():
            key = (platform, cid)
            self.by_id.setdefault(cid, set()).add(key)
            tail = cid[5:] if cid.startswith("name:") else None
            for label in (tail, name):
                if label:
                    self.by_name.setdefault(_name_key(label), set()).add(key)
                    user = normalise_username(label)
                    if user:
                        self.by_user.setdefault(user, set()).add(key)

    def resolve(self, entry: Entry) -> tuple[tuple[str, str] | None, str]:
        """(platform, channel_id) of the stored channel the entry names, or None and the reason."""
        tried: list[tuple[str, set[tuple[str, str]]]] = []
        if entry.channel_id:
            found = set().union(*(self.by_id.get(f, set()) for f in _peer_forms(entry.channel_id)))
            tried.append(("id", found))
        if entry.username:
            tried.append(("username", self.by_user.get(entry.username, set())))
        if entry.name:
            tried.append(("name", self.by_name.get(_name_key(entry.name), set())))
        for how, found in tried:
            if entry.platform:
                found = {f for f in found if f[0] == entry.platform}
            if len(found) == 1:
                return next(iter(found)), how
            if len(found) > 1:
                return None, f"{how} matches {len(found)} stored channels: add a platform column"
        return None, "no stored channel has this " + "/".join(how for how, _ in tried)


def _rows_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ATTRIBUTE_ROW_SCHEMA)


def set_channel_attributes(corpus: Corpus, paths: str | Path | Sequence[str | Path]) -> AttributeReport:
    """Read the attribute table(s), resolve each row to a stored channel, and make them the store's channel
    attributes (replacing any earlier ones, in one transaction; later files win where two give the same channel
    and attribute). Any bad file raises :class:`InputError` before the store is touched."""
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    entries: list[tuple[Path, Entry]] = []
    attributes: list[str] = []
    for path in files:
        found, names = read_attribute_file(path, first_row=len(entries) + 1)
        entries += [(path, e) for e in found]
        attributes += [a for a in names if a not in attributes]
    if "username" not in attributes and any(e.username for _, e in entries):
        attributes.append("username")
    channels = corpus.channel_attributes.channels()
    stored = channel_attributes(corpus)
    usernames = (stored.select("platform", "channel_id", "username").drop_nulls() if "username" in stored.columns
                 else pl.DataFrame(schema={"platform": pl.String, "channel_id": pl.String, "username": pl.String}))
    resolver = _Resolver(channels, usernames)
    position = {a: i for i, a in enumerate(attributes)}
    known: dict[tuple[str, str], dict[str, str | None]] = {}
    first_row: dict[tuple[str, str], int] = {}
    rows: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    notes: list[str] = []
    for path, entry in entries:
        values = dict(entry.values)
        if entry.username:
            values["username"] = entry.username
        target, reason = resolver.resolve(entry)
        if target is None:
            unknown.append({"file": str(path), "row": entry.row, "channel_id": entry.channel_id, "name": entry.name,
                            "username": entry.username, "reason": reason})
            rows += [{"platform": entry.platform, "channel_id": entry.channel_id, "in_store": False,
                      "name": entry.name, "entry": entry.row, "key": k, "value": v, "position": position[k]}
                     for k, v in values.items()]
            continue
        if target in known:
            notes.append(f"{path} row {entry.row}: channel {target[1]} was already given; later values win")
        current = known.setdefault(target, {})
        first_row.setdefault(target, entry.row)
        for k, v in values.items():
            if v is not None or k not in current:  # an empty cell does not erase an earlier file's value
                current[k] = v
    for target, values in known.items():
        rows += [{"platform": target[0], "channel_id": target[1], "in_store": True, "name": None,
                  "entry": first_row[target], "key": k, "value": v, "position": position[k]}
                 for k, v in values.items()]
    frame = _rows_frame(rows).filter(pl.col("value").is_not_null())
    named_back = corpus.channel_attributes.replace(frame, "; ".join(str(p) for p in files))
    if named_back:
        notes.append(f"{named_back} forwards from channels outside the store that the table names were stored under "
                     "a pseudonym (an export does not say whether an origin is a person): they carry the name again")
    missing = [{"platform": p, "channel_id": c, "channel": n}
               for p, c, n in channels.select("platform", "channel_id", "name").iter_rows() if (p, c) not in known]
    return AttributeReport([str(p) for p in files], attributes, len(entries), len(known), unknown, missing, notes)


def channel_attributes(corpus: Corpus) -> pl.DataFrame:
    """The stored attributes of the store's channels: one row per channel (platform, channel_id, channel = its
    stored name), one text column per attribute, in the user's column order; null where a channel has no value."""
    return corpus.channel_attributes.wide(in_store=True)


def channels_with_attributes(corpus: Corpus) -> pl.DataFrame:
    """Every stored channel (platform, channel_id, channel, type, messages) with its attributes (null where the
    user's table gave none)."""
    channels = corpus.channel_attributes.channels().rename({"name": "channel"})
    table = channel_attributes(corpus).drop("channel")
    return channels.join(table, on=["platform", "channel_id"], how="left")


def unknown_channel_attributes(corpus: Corpus) -> pl.DataFrame:
    """Rows of the user's table that named no stored channel (entry, channel_id, name as given, attributes)."""
    return corpus.channel_attributes.wide(in_store=False)
