"""Folders written by instaloader (``instaloader PROFILE``): one post per ``<date>_UTC.json.xz``.

Each ``2024-01-02_03-04-05_UTC.json.xz`` is xz-compressed JSON ``{"node": {…}, "instaloader": {"node_type": …}}``
where ``node`` is Instagram's GraphQL post (``shortcode``, ``taken_at_timestamp``, ``edge_media_to_caption``,
``owner``, ``__typename``, like/comment/view counts). A ``<date>_UTC.txt`` beside it holds the caption (the only
record when instaloader ran with ``--no-metadata-json``). Profile files (``<user>_<id>.json.xz``), stories and
comment files are not posts and are skipped.

Channel: the post owner's ``username`` when the node has it, else the folder name (instaloader names the folder
after the profile by default). message_id: the shortcode (else the node id, else the file's timestamp stem).
"""

from __future__ import annotations

import contextlib
import json
import lzma
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import Channel
from .base import ReadContext
from .instagram import instagram_post
from .json_guard import load_json_line
from .walk import is_regular_file

__all__ = ["CLAIMS_FOLDERS", "DATA_SUFFIXES", "NAME", "node_record", "read", "sniff"]

NAME = "instaloader"
CLAIMS_FOLDERS = True
#: the files of an export folder that carry its content (hashed for the ingest log; media files are not)
DATA_SUFFIXES = frozenset({".json", ".xz", ".txt"})

_STEM = re.compile(r"^(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})_UTC$")
_XZ_MAGIC = b"\xfd7zXZ\x00"
_MEDIA_TYPES = {"GraphImage": "photo", "GraphVideo": "video", "GraphSidecar": "album", "XDTGraphImage": "photo",
                "XDTGraphVideo": "video", "XDTGraphSidecar": "album"}
_MAX_JSON_BYTES = 50 * 1024 * 1024


def _post_stem(name: str) -> str | None:
    """``2024-01-02_03-04-05_UTC.json.xz`` / ``…_UTC.txt`` → ``2024-01-02_03-04-05_UTC``; else None."""
    for suffix in (".json.xz", ".txt"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if _STEM.match(stem) else None
    return None


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        try:
            return any(_post_stem(child.name) and is_regular_file(child) for child in path.iterdir())
        except OSError:
            return False
    stem = _post_stem(path.name)
    if stem is None:
        return False
    return head.startswith(_XZ_MAGIC) if path.name.endswith(".xz") else b"\x00" not in head


def _count(node: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = node.get(key)
        if isinstance(value, dict):
            value = value.get("count")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _field(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def _caption(node: dict[str, Any]) -> str | None:
    edges = _field(node.get("edge_media_to_caption"), "edges")
    if isinstance(edges, list) and edges:
        text = _field(_field(edges[0], "node"), "text")
        if isinstance(text, str):
            return text
    iphone = node.get("iphone_struct") or {}
    caption = iphone.get("caption") if isinstance(iphone, dict) else None
    if isinstance(caption, dict) and isinstance(caption.get("text"), str):
        return caption["text"]
    return None


def _stem_time(stem: str) -> datetime:
    return datetime.strptime(stem[:19], "%Y-%m-%d_%H-%M-%S").replace(tzinfo=UTC)


def node_record(node: dict[str, Any], stem: str, folder_name: str, caption_file: str | None) -> dict[str, Any]:
    """The canonical record of one instaloader post node (``caption_file``: text of the ``.txt`` beside it)."""
    owner = node.get("owner") or {}
    username = owner.get("username") if isinstance(owner, dict) else None
    channel = username if isinstance(username, str) and username else folder_name
    caption = _caption(node)
    if caption is None:
        caption = caption_file
    stamp = node.get("taken_at_timestamp") or node.get("date")
    posted_at = _stem_time(stem)
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        with contextlib.suppress(OverflowError, OSError, ValueError):  # not a real time: the file name's time stands
            posted_at = datetime.fromtimestamp(stamp, tz=UTC)
    message_id = node.get("shortcode") or node.get("code") or node.get("id") or stem
    return instagram_post(
        channel, str(message_id), posted_at, caption or None,
        url=f"https://www.instagram.com/p/{node['shortcode']}/" if node.get("shortcode") else None,
        views=_count(node, "video_view_count"),
        reactions=_count(node, "edge_media_preview_like", "edge_liked_by", "like_count"),
        media_type=_MEDIA_TYPES.get(str(node.get("__typename")),
                                    "video" if node.get("is_video") else "photo" if node else None),
    )


def _load_node(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(node, node_type) of one ``.json.xz`` file."""
    try:
        with lzma.open(path, "rb") as fh:
            raw = fh.read(_MAX_JSON_BYTES + 1)
        if len(raw) > _MAX_JSON_BYTES:
            raise InputError("metadata file is larger than 50 MB: not an instaloader post", path=path)
        data, _ = load_json_line(raw, path)
    except (lzma.LZMAError, EOFError) as exc:
        raise InputError(f"not a readable xz file ({exc}): re-download this post with instaloader", path=path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        pos = f"byte {exc.pos}" if isinstance(exc, json.JSONDecodeError) else None
        raise InputError(f"malformed JSON inside the xz file ({exc}): re-download this post", path=path,
                         position=pos) from None
    if not isinstance(data, dict) or not isinstance(data.get("node"), dict):
        raise InputError('expected {"node": {…}} as instaloader writes it', path=path)
    meta = data.get("instaloader")
    node_type = meta.get("node_type") if isinstance(meta, dict) else None
    return data["node"], node_type


def _read_caption(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip("\n") or None
    except UnicodeDecodeError:
        return path.read_text(encoding="utf-8", errors="replace").strip("\n") or None


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    folder = path if path.is_dir() else path.parent
    files = sorted(folder.iterdir()) if path.is_dir() else [path]
    stems: dict[str, dict[str, Path]] = {}
    for f in files:
        stem = _post_stem(f.name)
        if stem and is_regular_file(f):
            stems.setdefault(stem, {})["json" if f.name.endswith(".xz") else "txt"] = f
    if not path.is_dir():  # a single file: its caption sits beside it
        for stem, parts in stems.items():
            txt = folder / f"{stem}.txt"
            if "txt" not in parts and is_regular_file(txt):
                parts["txt"] = txt
    done = 0
    other_types: dict[str, int] = {}
    seen_channels: set[str] = set()
    for stem, parts in sorted(stems.items()):
        caption_file = _read_caption(parts["txt"]) if "txt" in parts else None
        node: dict[str, Any] = {}
        if "json" in parts:
            loaded, node_type = _load_node(parts["json"])
            if node_type not in (None, "Post"):
                other_types[node_type] = other_types.get(node_type, 0) + 1
                continue
            node = loaded or {}
        rec = node_record(node, stem, folder.name, caption_file)
        if rec["channel_id"] not in seen_channels:
            seen_channels.add(rec["channel_id"])
            ctx.add_channel(Channel("instagram", rec["channel_id"], rec["channel"], "account"))
        for p in parts.values():
            done += p.stat().st_size
        if ctx.progress:
            ctx.progress(done)
        yield rec
    if not stems:
        raise InputError("no instaloader post files (<date>_UTC.json.xz or .txt) here", path=path)
    if not any("json" in p for p in stems.values()):
        ctx.note(f"captions only (no .json.xz metadata): account taken from the folder name {folder.name!r}")
    for node_type, n in sorted(other_types.items()):
        ctx.note(f"{n} {node_type} file(s) skipped (not posts)")
