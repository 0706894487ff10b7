"""Write the demo corpus to disk: Telegram Desktop exports (JSON and HTML) plus machine-readable ground truth.

Layout under ``folder``::

    exports/ChatExport_<username>/result.json     Desktop JSON single-chat export (most channels)
    exports/ChatExport_<username>/messages*.html  Desktop HTML export (``html_channels`` channels)
    truth/truth.json     config, channels, frames (terms, variants, unlisted terms), change points, counts,
                         and the per (channel, month, frame) cells
    truth/frames.csv     the same cells as CSV
    truth/cascades.csv   one row per cascade member (origin, forward, copy, rewrite) with its parent
    truth/hard_cases.csv posts where a lexicon is wrong by design (decoys, paraphrases), per frame
    truth/frame_posts.csv every post that truly carries a frame, one row per (post, frame)
    truth/coordination.csv  one row per planted campaign post (group, event, channel, message, time, link)
    channels.csv         attributes of every channel: location (inside|abroad), side, owner, type
                         (news|aggregator|personal) — for `narrascope channels set-attributes`
    lexicon.yaml         the planted frame lexicon (listed terms only)

JSON exports are streamed message by message (bounded memory at millions of messages) with Desktop's
one-space indentation. Same config → byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from .coordinated import CAMPAIGN_COLUMNS
from .lexicon import FRAMES, term_variants, write_planted_lexicon
from .plan import ChannelSpec
from .stream import CascadeMember, DemoStream, FramePost, HardCase

__all__ = ["DemoConfig", "DemoManifest", "dump_message", "generate_demo"]

TRUTH_VERSION = 2  # 2: the coordination cast, channels.csv, truth/coordination.csv
CHANNEL_COLUMNS = ("channel_id", "channel", "username", "location", "side", "owner", "type")
CASCADE_COLUMNS = (
    "cascade_id", "channel_id", "message_id", "relation", "parent_channel_id", "parent_message_id",
    "posted_unixtime", "lag_seconds", "jaccard5_to_parent",
)
HARD_CASE_COLUMNS = ("channel_id", "message_id", "frame", "kind")
FRAME_POST_COLUMNS = ("channel_id", "message_id", "frame")
FRAME_COLUMNS = (
    "channel_id", "channel", "month", "frame", "p_true", "n_posts", "n_carrying", "n_detectable",
    "n_forwards", "n_forwards_carrying", "detector_exact",
)
DEFINITIONS = {
    "channel_id": "the chat's Telegram peer id (the 'id' of result.json); Desktop HTML exports do not contain it, "
    "so match channels exported as HTML by name (channels[].name)",
    "month": "UTC calendar month of date_unixtime",
    "n_posts": "messages of type 'message' with non-empty text in the channel-month (forwards, copies, "
    "captions included; media-only posts and service messages excluded)",
    "n_carrying": "posts that truly carry the frame (each post carries it with probability p_true, independently)",
    "n_detectable": "posts containing a listed term of the frame in some planted spelling; equals n_carrying "
    "in channels with detector_exact=true; in the others it adds decoys (a term inside an unrelated name) and "
    "misses paraphrases (the frame without any term)",
    "cascade relation": "origin = first post of a story; forward = Desktop forward (forwarded_from = origin "
    "channel name, parent = origin); copy = verbatim text of the parent, maybe plus a 'join @channel' line; "
    "rewrite = parent with word swaps, sentence reordering, a sentence dropped or added",
    "lag_seconds": "posted_unixtime minus the origin's posted_unixtime",
    "hard case": "a post in a detector_exact=false channel where the listed terms are wrong by design: "
    "decoy = a listed term inside an unrelated name (the post does not carry the frame); paraphrase = the "
    "post carries the frame without any listed term",
    "role": "news = a base channel; group = a member of a planted coordinated group; aggregator, digest "
    "(posts at shared popular hours) and family (same owner as its flagship) are decoys a naive method flags",
    "forward_pattern": "a story of a news channel reaching another news channel (same language) is a forward with "
    "probability p_forward_abroad_to_inside from an abroad to an inside channel, p_forward_other otherwise; "
    "forward_counts_news are the realised forwards among news channels by (origin location -> target location), "
    "forward_counts all forwards (the aggregator, located abroad, forwards from everyone)",
}


@dataclass(frozen=True)
class DemoConfig:
    """How big a demo corpus to generate. ``messages`` counts posts (type "message") across the base channels, their
    reuse included; the coordination cast (``cast``) adds its own posts on top (about 60 % more at the default intensity)."""

    seed: int = 7
    messages: int = 6000
    channels: int = 12
    months: int = 18
    start: str = "2024-01-01"
    html_channels: int = 2
    #: intensity of the planted coordinated groups (1 = the designed campaign rates; 0 = no planted coordination,
    #: decoys kept: what the null-model tests generate)
    coordination: float = 1.0
    #: add the coordination cast (planted groups and decoys) after the ``channels`` base channels
    cast: bool = True


@dataclass(frozen=True)
class DemoManifest:
    """What :func:`generate_demo` wrote."""

    folder: Path
    exports: tuple[Path, ...]
    truth_path: Path
    frames_csv: Path
    cascades_csv: Path
    hard_cases_csv: Path
    lexicon_path: Path
    channels_csv: Path
    coordination_csv: Path
    n_messages: int
    n_service: int
    n_cascades: int
    n_cascade_members: int
    json_bytes: int


_encode_str = json.encoder.encode_basestring  # C-accelerated; non-ASCII kept raw


def _encode(value: Any, level: int) -> str:
    """JSON with one space of indentation per level (what json.dumps(indent=1) gives, several times faster)."""
    if isinstance(value, str):
        return _encode_str(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = "\n" + " " * (level + 1)
        items = [pad + _encode_str(k) + ": " + _encode(v, level + 1) for k, v in value.items()]
        return "{" + ",".join(items) + "\n" + " " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        pad = "\n" + " " * (level + 1)
        return "[" + ",".join(pad + _encode(v, level + 1) for v in value) + "\n" + " " * level + "]"
    return json.dumps(value)


def dump_message(msg: dict[str, Any], indent: int = 2) -> str:
    """One message as Desktop writes it inside "messages": one space per nesting level, non-ASCII raw."""
    return " " * indent + _encode(msg, indent)


class _JsonChat:
    """A Desktop single-chat result.json written incrementally."""

    def __init__(self, path: Path, spec: ChannelSpec) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fh: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        head = {"name": spec.name, "type": spec.chat_type, "id": spec.peer_id}
        lines = [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
        self.fh.write("{\n" + "\n".join(lines) + '\n "messages": [\n')
        self.first = True

    def write(self, msg: dict[str, Any]) -> None:
        self.fh.write(("" if self.first else ",\n") + dump_message(msg))
        self.first = False

    def close(self) -> None:
        self.fh.write("\n ]\n}\n")
        self.fh.close()


class _CsvSink:
    """Streams dataclass rows (cascade members, hard cases) to a CSV file; None becomes an empty cell."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.fh = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.fh, lineterminator="\n")
        self.writer.writerow(columns)
        self.rows = 0

    def __call__(self, row: CascadeMember | HardCase | FramePost) -> None:
        self.writer.writerow(["" if v is None else v for v in asdict(row).values()])
        self.rows += 1


def _export_folder(exports: Path, spec: ChannelSpec) -> Path:
    return exports / f"ChatExport_{spec.username}"


def _write_html(folder: Path, spec: ChannelSpec, messages: list[dict[str, Any]]) -> Path:
    from .html_export import write_html_export  # written by a sibling module; imported only when needed

    chat = {"name": spec.name, "type": spec.chat_type, "id": spec.peer_id, "messages": messages}
    write_html_export(chat, folder, utc_offset=spec.utc_offset)
    return folder


def _channel_truth(stream: DemoStream, folder: Path) -> list[dict[str, Any]]:
    out = []
    for spec in stream.channels:
        export = _export_folder(folder / "exports", spec)
        path = export / "result.json" if spec.export == "json" else export
        out.append({
            "channel_id": spec.channel_id, "name": spec.name, "username": spec.username,
            "chat_type": spec.chat_type, "lang": spec.lang, "leaning": spec.leaning, "export": spec.export,
            "path": path.relative_to(folder).as_posix(), "utc_offset": spec.utc_offset,
            "detector_exact": spec.detector_exact, "signatures": list(spec.signers),
            "former_name": spec.former_name, "messages": stream._next_id[spec.index] - 1,
            "role": spec.role, "location": spec.location, "owner": spec.owner, "type": spec.channel_type,
            "group": spec.group,
        })
    return out


def _channel_rows(stream: DemoStream) -> list[dict[str, Any]]:
    return [{"channel_id": s.channel_id, "channel": s.name, "username": s.username, "location": s.location,
             "side": s.leaning, "owner": s.owner, "type": s.channel_type} for s in stream.channels]


def _forward_pattern(stream: DemoStream, cascades: Path) -> dict[str, Any]:
    """The planted cross-location forward probabilities and the realised forward counts between locations."""
    from .stream import FORWARD_ABROAD_TO_INSIDE, RELATIONS

    where = {s.channel_id: s.location for s in stream.channels}
    news = {s.channel_id for s in stream.channels if s.role == "news"}
    counts: dict[str, int] = {}
    among_news: dict[str, int] = {}
    with cascades.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["relation"] == "forward":
                key = f"{where[row['parent_channel_id']]}->{where[row['channel_id']]}"
                counts[key] = counts.get(key, 0) + 1
                if row["parent_channel_id"] in news and row["channel_id"] in news:
                    among_news[key] = among_news.get(key, 0) + 1
    return {"p_forward_abroad_to_inside": FORWARD_ABROAD_TO_INSIDE, "p_forward_other": RELATIONS[0][1],
            "forward_counts": dict(sorted(counts.items())),
            "forward_counts_news": dict(sorted(among_news.items()))}


def _frame_truth() -> list[dict[str, Any]]:
    frames = []
    for f in FRAMES:
        frames.append({
            "id": f.id, "label": f.label, "description": f.description,
            "terms": {lang: list(t) for lang, t in f.terms.items()},
            "variants": {t: term_variants(f, lang, t) for lang, ts in f.terms.items() for t in ts},
            "unlisted_terms": {lang: list(t) for lang, t in f.unlisted.items()},
        })
    return frames


def _csv_text(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def generate_demo(
    folder: Path,
    config: DemoConfig = DemoConfig(),  # noqa: B008 - frozen dataclass, safe as a default
    progress: Callable[[int, int], None] | None = None,
) -> DemoManifest:
    """Generate the demo corpus into ``folder`` (created; existing demo files are overwritten).

    ``progress(messages_done, messages_planned)`` is called every 10,000 messages and at the end.
    """
    folder = Path(folder)
    exports, truth_dir = folder / "exports", folder / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    cascades = _CsvSink(truth_dir / "cascades.csv", CASCADE_COLUMNS)
    hard_cases = _CsvSink(truth_dir / "hard_cases.csv", HARD_CASE_COLUMNS)
    frame_posts = _CsvSink(truth_dir / "frame_posts.csv", FRAME_POST_COLUMNS)
    stream = DemoStream(config, cascade_sink=cascades, hard_case_sink=hard_cases, frame_post_sink=frame_posts)
    writers: dict[int, _JsonChat] = {}
    html_messages: dict[int, list[dict[str, Any]]] = {}
    for spec in stream.channels:
        if spec.export == "json":
            writers[spec.index] = _JsonChat(_export_folder(exports, spec) / "result.json", spec)
        else:
            html_messages[spec.index] = []
    done = 0
    try:
        for spec, msg in stream:
            if spec.export == "json":
                writers[spec.index].write(msg)
            else:
                html_messages[spec.index].append(msg)
            done += 1
            if progress and done % 10_000 == 0:
                progress(stream.n_messages, config.messages)
    finally:
        for w in writers.values():
            w.close()
        cascades.fh.close()
        hard_cases.fh.close()
        frame_posts.fh.close()
    paths: list[Path] = []
    for spec in stream.channels:
        if spec.export == "json":
            paths.append(writers[spec.index].path)
        else:
            paths.append(_write_html(_export_folder(exports, spec), spec, html_messages.pop(spec.index)))
    cells = stream.cell_rows()
    (truth_dir / "frames.csv").write_text(_csv_text(cells, FRAME_COLUMNS), encoding="utf-8")
    campaign_rows = [asdict(p) for p in stream.cast.campaign_posts]
    (truth_dir / "coordination.csv").write_text(_csv_text(campaign_rows, CAMPAIGN_COLUMNS), encoding="utf-8")
    (folder / "channels.csv").write_text(_csv_text(_channel_rows(stream), CHANNEL_COLUMNS), encoding="utf-8")
    lexicon = write_planted_lexicon(folder / "lexicon.yaml")
    truth = {
        "format": "narrascope-demo-truth",
        "version": TRUTH_VERSION,
        "config": asdict(config),
        "months": list(stream.plan.month_labels),
        "counts": stream.message_counts() | {"cascade_members": cascades.rows, "hard_cases": hard_cases.rows},
        "definitions": DEFINITIONS,
        "channels": _channel_truth(stream, folder),
        "frames": _frame_truth(),
        "change_points": list(stream.plan.change_points),
        "coordination": stream.cast.truth(),
        "forward_pattern": _forward_pattern(stream, truth_dir / "cascades.csv"),
        "channels_file": "../channels.csv",
        "lexicon_file": "../lexicon.yaml",
        "frames_file": "frames.csv",
        "cascades_file": "cascades.csv",
        "hard_cases_file": "hard_cases.csv",
        "frame_posts_file": "frame_posts.csv",
        "frame_cells": cells,
    }
    truth_path = truth_dir / "truth.json"
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if progress:
        progress(stream.n_messages, config.messages)
    json_bytes = sum(p.stat().st_size for p in paths if p.is_file())
    return DemoManifest(
        folder=folder, exports=tuple(paths), truth_path=truth_path, frames_csv=truth_dir / "frames.csv",
        cascades_csv=truth_dir / "cascades.csv", hard_cases_csv=truth_dir / "hard_cases.csv",
        lexicon_path=lexicon, channels_csv=folder / "channels.csv", coordination_csv=truth_dir / "coordination.csv",
        n_messages=stream.n_messages,
        n_service=stream.n_service, n_cascades=stream.n_cascades, n_cascade_members=cascades.rows,
        json_bytes=json_bytes,
    )
