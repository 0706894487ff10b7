"""Options of a coordination run: which actors and objects, the co-action window, the null model and the test.

One frozen dataclass, :class:`CoordinationOptions`; the CLI's flags derive from its fields (help text in the field
metadata). Windows are seconds in the API and ``10s``/``5m``/``1h`` strings on the command line (:func:`parse_window`).
"""

from __future__ import annotations

import hashlib
import json
import re
import typing
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..dates import parse_bounds
from ..errors import UsageError

__all__ = [
    "ACTORS",
    "DEFAULT_SWEEP_ALPHAS",
    "DEFAULT_SWEEP_WINDOWS",
    "OBJECT_KINDS",
    "CoordinationOptions",
    "format_window",
    "option_fields",
    "parse_window",
]

#: What two actors can both act on. ``near_duplicate`` needs a reuse run; ``media`` a ``media_hash`` column.
OBJECT_KINDS = ("url", "text", "forward", "near_duplicate", "hashtags", "media")
ACTORS = ("channel", "author")
#: The sensitivity sweep's default settings: windows from 10 s to 1 h, three significance levels.
DEFAULT_SWEEP_WINDOWS = (10, 30, 60, 300, 900, 3600)
DEFAULT_SWEEP_ALPHAS = (0.01, 0.05, 0.1)
#: The null model keeps each post's calendar day, so co-action within the window must stay within ±1 day.
MAX_WINDOW = 12 * 3600
PIPELINE_VERSION = "coordination-1"  # bump whenever stored rows change meaning or shape

_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


def parse_window(value: str | int | float) -> int:
    """A window such as ``60``, ``60s``, ``5m`` or ``1h`` as whole seconds (at least 1, at most 12 h)."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _WINDOW.match(str(value))
        if not m:
            raise UsageError(f"window {value!r} is not a duration: write it as 30s, 5m or 1h")
        seconds = float(m.group(1)) * _UNIT[(m.group(2) or "s").lower()]
    if seconds != int(seconds) or not 1 <= seconds <= MAX_WINDOW:
        raise UsageError(f"window {value!r} must be whole seconds between 1 s and 12 h (the null model keeps each "
                         "post's day, so longer windows cannot be tested)")
    return int(seconds)


def format_window(seconds: int) -> str:
    """60 → "60s", 300 → "5m", 3600 → "1h" (the shortest exact form)."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0 and seconds >= 300:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def _option(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class CoordinationOptions:
    """How coordination is tested. Every field is also a CLI flag of ``narrascope coordination``."""

    objects: tuple[str, ...] = _option(("url", "text", "forward"),
                                       "objects actors co-act on: url, text, forward, near_duplicate, hashtags, media")
    window: int = _option(60, "co-action window: two actors acting on one object at most this far apart (seconds)")
    alpha: float = _option(0.05, "false discovery rate (Benjamini-Hochberg) for edges; also the group test's level")
    nulls: int = _option(500, "null worlds (each actor's times of day permuted); p-values cannot go below 1/(nulls+1)")
    actors: str = _option("channel", "who acts: channel, or author (pseudonymous authors, e.g. in groups)")
    min_weight: int = _option(2, "an edge needs at least this many distinct objects co-acted on")
    min_symmetry: float = _option(0.25, "an edge's co-acted objects as a share of the busier actor's (0-1): "
                                        "keeps one hyperactive actor (an aggregator) from making edges")
    block_days: int = _option(28, "the null permutes each actor's times of day within blocks of this many days")
    min_text_chars: int = _option(20, "texts shorter than this (matching form) are not objects")
    exclude_by: tuple[str, ...] = _option((), "attribute rules marking expected co-posting, e.g. type=aggregator "
                                               "(an actor with that value) or owner (two actors with the same value)")
    sweep: bool = _option(False, "also run the sensitivity sweep over windows and levels")
    sweep_windows: tuple[int, ...] = _option(DEFAULT_SWEEP_WINDOWS, "windows of the sweep (seconds)")
    sweep_alphas: tuple[float, ...] = _option(DEFAULT_SWEEP_ALPHAS, "levels of the sweep")
    since: str | None = _option(None, "only messages posted at or after this time (ISO date or timestamp)")
    until: str | None = _option(None, "only messages posted before this time")
    seed: int = _option(1, "seed of the null worlds")
    workers: int = _option(1, "worker processes for the null worlds; results do not change")

    def __post_init__(self) -> None:
        objects = tuple(dict.fromkeys(o.strip().lower().replace("-", "_") for o in self.objects if o.strip()))
        unknown = [o for o in objects if o not in OBJECT_KINDS]
        if unknown or not objects:
            raise UsageError(f"unknown object kind(s) {', '.join(unknown) or '(none given)'}: choose from "
                             f"{', '.join(OBJECT_KINDS)}")
        object.__setattr__(self, "objects", objects)
        object.__setattr__(self, "window", parse_window(self.window))
        windows = tuple(sorted({parse_window(w) for w in self.sweep_windows}))
        object.__setattr__(self, "sweep_windows", windows)
        object.__setattr__(self, "exclude_by", tuple(r.strip() for r in self.exclude_by if r.strip()))
        if self.actors not in ACTORS:
            raise UsageError(f"actors {self.actors!r}: choose channel or author")
        for a in (self.alpha, *self.sweep_alphas):
            if not 0.0 < a < 1.0:
                raise UsageError(f"alpha {a} must be between 0 and 1, e.g. 0.05")
        object.__setattr__(self, "sweep_alphas", tuple(sorted(set(self.sweep_alphas))))
        if self.nulls < 0:
            raise UsageError(f"nulls must be 0 (no test) or more, not {self.nulls}")
        for name in ("min_weight", "block_days", "workers"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, not {getattr(self, name)}")
        if not 0.0 <= self.min_symmetry <= 1.0:
            raise UsageError(f"min_symmetry {self.min_symmetry} must be a share between 0 and 1")
        if self.min_text_chars < 1:
            raise UsageError(f"min_text_chars must be at least 1, not {self.min_text_chars}")
        parse_bounds(self.since, self.until)

    @property
    def windows(self) -> tuple[int, ...]:
        """Every window this run computes: the main one, plus the sweep's when sweeping."""
        return tuple(sorted({self.window, *(self.sweep_windows if self.sweep else ())}))

    @property
    def alphas(self) -> tuple[float, ...]:
        return tuple(sorted({self.alpha, *(self.sweep_alphas if self.sweep else ())}))

    def cache_key(self, *parts: str) -> str:
        """Key of stored results: the options (not ``workers``) and everything else that changes the rows."""
        params = {k: v for k, v in asdict(self).items() if k != "workers"}
        blob = json.dumps([params, list(parts), PIPELINE_VERSION], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]


def option_fields() -> list[tuple[str, Any, Any, str]]:
    """(name, type, default, help) of every option, for CLIs and forms."""
    hints = typing.get_type_hints(CoordinationOptions)
    return [(f.name, hints[f.name], f.default, f.metadata.get("help", "")) for f in fields(CoordinationOptions)]
