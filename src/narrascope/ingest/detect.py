"""Which reader takes which file: by structure first, extension second.

``plan(paths)`` expands folders into ingest units (a file, or a Telegram HTML export folder as one unit) and
assigns each a reader, or the reason none fits. New readers register by adding their module's name to ``READERS``
and the module itself to the type-checked tuples below (a test keeps the two in step); modules are imported on
first use (some import heavy libraries) and checked against :mod:`.reader`'s protocols then.
"""

from __future__ import annotations

import importlib
import importlib.util
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, cast

from ..errors import FormatNotRecognised, InputError, UsageError
from .reader import ColumnReader, FolderReader, PartReader, Reader, check_reader
from .walk import Visited, describe_special, folder_entries

__all__ = ["READERS", "Unit", "available", "column_reader", "folder_data_suffixes", "part_reader", "plan", "reader",
           "require"]

#: Reader modules in sniffing order (more specific first). Each is ``narrascope.ingest.<name>``.
READERS: tuple[str, ...] = (
    "telegram_html",
    "telegram_json",
    "telethon",
    "fourcat",
    "telegram_tracker",
    "instagram",
    "instaloader",
    "warc",
    "web_html",
    "text_article",
    "table",
)

if TYPE_CHECKING:  # the type checker proves each registered module is a reader
    from . import (
        fourcat,
        instagram,
        instaloader,
        table,
        telegram_html,
        telegram_json,
        telegram_tracker,
        telethon,
        text_article,
        warc,
        web_html,
    )

    _CHECKED: tuple[Reader, ...] = (telegram_html, telegram_json, telethon, fourcat, telegram_tracker, instagram,
                                    instaloader, warc, web_html, text_article, table)
    _FOLDERS: tuple[FolderReader, ...] = (telegram_html, instaloader)
    _COLUMNS: tuple[ColumnReader, ...] = (telegram_json,)
    _PARTS: tuple[PartReader, ...] = (telegram_json,)

_HEAD_BYTES = 64 * 1024
# Files inside a Telegram export folder that are never messages themselves.
_IGNORED_NAMES = {".DS_Store", "Thumbs.db"}
_IGNORED_SUFFIXES = {".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp4", ".ogg", ".webm", ".svg", ".ico"}
# Folders Telegram Desktop writes beside result.json for media, documents and (account exports) per-chat media. They
# hold the chat's attachments — PDFs, .tgs stickers, shared .txt/.csv files — never messages, so inside an export
# folder they are not walked: otherwise an attachment is ingested as an article or table, or fails the ingest.
_DESKTOP_MEDIA_FOLDERS = {"photos", "files", "video_files", "voice_messages", "round_video_messages", "stickers",
                          "contacts", "profile_pictures", "stories", "chats", "left_chats", "css", "js", "images"}


def available() -> tuple[str, ...]:
    """Readers installed in this build (a reader module may be left out of a slim build)."""
    return tuple(n for n in READERS if importlib.util.find_spec(f"narrascope.ingest.{n}") is not None)


def reader(name: str) -> Reader:
    """The reader module called ``name``."""
    if name not in available():
        raise UsageError(f"unknown format {name!r}: choose one of {', '.join(available())}")
    return cast(Reader, _module(name))


def _module(name: str) -> ModuleType:
    module = importlib.import_module(f"narrascope.ingest.{name}")
    if name not in _checked:
        check_reader(module)
        _checked.add(name)
    return module


_checked: set[str] = set()


def column_reader(name: str) -> ColumnReader | None:
    """The reader ``name`` if it hands out column batches, else None."""
    module = _module(name)
    return cast(ColumnReader, module) if callable(getattr(module, "read_columns", None)) else None


def part_reader(name: str) -> PartReader | None:
    """The reader ``name`` if its files can be cut into parts read on their own, else None."""
    module = _module(name)
    return cast(PartReader, module) if callable(getattr(module, "column_parts", None)) else None


def folder_data_suffixes(name: str) -> frozenset[str]:
    """Suffixes of the content files in a folder unit of reader ``name`` (empty for readers of single files)."""
    module = _module(name)
    return cast(FolderReader, module).DATA_SUFFIXES if getattr(module, "CLAIMS_FOLDERS", False) else frozenset()


@dataclass(frozen=True)
class Unit:
    """One thing to ingest atomically: a file, or a folder a reader treats as a whole."""

    path: Path
    format: str | None
    problem: str | None = None
    skipped: bool = False
    """Found by walking a folder and in no format narrascope reads (notes, images of other kinds): reported, not
    an error — unlike a file named on the command line, or a recognised file that turns out malformed."""


def _head(path: Path) -> bytes:
    if path.is_dir() or not stat.S_ISREG(path.stat().st_mode):
        return b""
    with path.open("rb") as fh:
        return fh.read(_HEAD_BYTES)


_DESKTOP_PAGE_WRAP = b'class="page_wrap"'
_DESKTOP_PAGE_MARKS = (b'class="history"', b"CheckLocation()")
_DESKTOP_INDEX_PAGE = ("a page of a Telegram Desktop HTML export without messages (its index or a list of contacts, "
                       "sessions, …): ingest the export's chat folders, those holding messages.html")


def _desktop_index_page(path: Path, fmt: str | None) -> bool:
    """An .html page of a Telegram Desktop export that no reader took: export_results.html, lists/*.html, …"""
    if fmt is not None or path.suffix.lower() not in (".html", ".htm"):
        return False
    head = _head(path)
    return _DESKTOP_PAGE_WRAP in head and any(mark in head for mark in _DESKTOP_PAGE_MARKS)


def sniff(path: Path) -> str | None:
    head = _head(path)
    for name in available():
        if reader(name).sniff(path, head):
            return name
    return None


def _claims_folder(path: Path) -> str | None:
    """A folder some reader ingests whole (a Telegram HTML export), else None."""
    for name in available():
        mod = _module(name)
        if getattr(mod, "CLAIMS_FOLDERS", False) and mod.sniff(path, b""):
            return name
    return None


def plan(paths: list[Path], forced: str | None = None, *, follow_links: bool = False) -> list[Unit]:
    """Expand ``paths`` into ingest units with their reader (or the reason there is none).

    Inside folders, symbolic links are not followed unless ``follow_links`` (then each folder and file is entered
    once), and only regular files are opened (see :mod:`.walk`)."""
    if forced is not None:
        reader(forced)  # validates the name
    units: list[Unit] = []
    visited = Visited() if follow_links else None
    for p in paths:
        if not p.exists():
            raise UsageError(f"{p}: no such file or folder" + (" (a symbolic link that leads nowhere)"
                                                              if p.is_symlink() else ""))
        if visited is not None:
            visited.first_time(p)
        units.extend(_expand(p, forced, visited))
    if not units:
        raise InputError("nothing to ingest: the folder holds no files", path=paths[0] if paths else None)
    if all(u.skipped for u in units):
        names = ", ".join(u.path.name for u in units[:5]) + (" …" if len(units) > 5 else "")
        raise InputError(f"no file here is in a format narrascope reads (skipped: {names}); "
                         "see docs/formats.md, or force one with --format", path=paths[0])
    return units


def _expand(p: Path, forced: str | None, visited: Visited | None) -> list[Unit]:
    if p.is_dir():
        return _expand_folder(p, forced, visited)
    mode = p.stat().st_mode  # a path named on the command line is followed if it is a link
    if not stat.S_ISREG(mode):
        # Opening a named pipe blocks until someone writes to it: never open anything but regular files.
        return [Unit(p, None, f"{describe_special(mode)}, not a file: narrascope reads files and folders")]
    if forced is not None:
        return [Unit(p, forced)]
    try:
        fmt = sniff(p)
    except OSError as exc:
        return [Unit(p, None, f"cannot read: {exc.strerror or exc}")]
    if fmt is None:
        if _desktop_index_page(p, fmt):
            return [Unit(p, None, _DESKTOP_INDEX_PAGE)]
        return [Unit(p, None, _UNRECOGNISED)]
    return [Unit(p, fmt)]


def _expand_folder(p: Path, forced: str | None, visited: Visited | None) -> list[Unit]:
    whole = _claims_folder(p)
    if whole and (forced is None or forced == whole):
        return [Unit(p, whole)]
    try:
        entries = folder_entries(p, follow_links=visited is not None, visited=visited)
    except OSError as exc:
        return [Unit(p, None, f"cannot read the folder: {exc.strerror or exc}")]
    entries = [e for e in entries if e.path.name not in _IGNORED_NAMES and not e.path.name.startswith(".")
               and not (e.kind == "file" and e.path.suffix.lower() in _IGNORED_SUFFIXES)]
    files = {e.path: _expand(e.path, forced, visited) for e in entries if e.kind == "file"}
    # Desktop's own index and list pages are part of an export, not bad input: leave them out quietly.
    files = {c: [u for u in units if u.problem != _DESKTOP_INDEX_PAGE] for c, units in files.items()}
    desktop_export = any(u.format == "telegram_json" for units in files.values() for u in units)
    out: list[Unit] = []
    for e in entries:
        if e.kind in ("link", "special"):
            out.append(Unit(e.path, None, e.problem, skipped=True))
        elif e.kind == "error":
            out.append(Unit(e.path, None, e.problem))
        elif e.path in files:
            out.extend(replace(u, skipped=True) if u.format is None and u.problem == _UNRECOGNISED else u
                       for u in files[e.path])
        elif not (desktop_export and e.path.name.lower() in _DESKTOP_MEDIA_FOLDERS):
            out.extend(_expand(e.path, forced, visited))
    return out


_UNRECOGNISED = "format not recognised (use --format to force one)"


def require(unit: Unit) -> str:
    if unit.format is None:
        raise FormatNotRecognised(unit.problem or "format not recognised", path=unit.path)
    return unit.format
