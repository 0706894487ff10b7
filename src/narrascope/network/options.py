"""The options of channel networks (graph, mixing, structure), apart from the analyses: standard library only, so
the CLI can build ``narrascope network``'s flags (and its --help) without importing polars or scipy."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ..dates import parse_bounds
from ..errors import UsageError

__all__ = ["BACKENDS", "GRAPH_VERSION", "RELATIONS", "MixingOptions", "NetworkOptions", "StructureOptions"]

RELATIONS = ("forward", "reuse", "mention", "link", "reply")
GRAPH_VERSION = "network-1"  # bump whenever stored rows change meaning or shape
BACKENDS = ("auto", "networkit", "networkx")


def _option(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class NetworkOptions:
    """Which channel graph to build. Fields are also flags of ``narrascope network``."""

    relations: tuple[str, ...] = _option(("forward", "reuse", "mention", "link"),
                                         "relations to build: forward, reuse, mention, link, reply")
    domains: bool = _option(False, "add web links as domain nodes (link relation)")
    self_loops: bool = _option(False, "keep edges from a channel to itself")
    since: str | None = _option(None, "only messages posted at or after this time (ISO date or timestamp)")
    until: str | None = _option(None, "only messages posted before this time")

    def __post_init__(self) -> None:
        relations = (self.relations,) if isinstance(self.relations, str) else tuple(self.relations)
        object.__setattr__(self, "relations", relations)
        bad = [r for r in relations if r not in RELATIONS]
        if bad or not relations:
            raise UsageError(f"relation(s) {', '.join(bad) or 'none'}: choose from {', '.join(RELATIONS)}")
        parse_bounds(self.since, self.until)

    def cache_key(self, *parts: str) -> str:
        blob = json.dumps([asdict(self), list(parts), GRAPH_VERSION], sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class MixingOptions:
    """How mixing is measured (also flags of ``narrascope network``)."""

    draws: int = 1000
    """null worlds (configuration model); 0 leaves the null out"""
    confidence: float = 0.95
    seed: int = 1
    bridges: int = 10
    """bridge channels listed per relation"""

    def __post_init__(self) -> None:
        if self.draws < 0:
            raise UsageError(f"draws must be 0 or more, not {self.draws}")
        if not 0.5 <= self.confidence < 1:
            raise UsageError(f"confidence {self.confidence} is outside [0.5, 1)")


@dataclass(frozen=True)
class StructureOptions:
    resolution: float = 1.0
    """modularity resolution γ of the reported partition"""
    seeds: int = 5
    """community runs per resolution (stability)"""
    resolutions: tuple[float, ...] = (0.5, 1.0, 2.0)
    damping: float = 0.85
    backend: str = "auto"

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise UsageError(f"backend {self.backend!r}: choose from {', '.join(BACKENDS)}")
        if self.seeds < 1 or self.resolution <= 0 or any(r <= 0 for r in self.resolutions):
            raise UsageError("seeds must be at least 1 and resolutions positive")
        if not 0 < self.damping < 1:
            raise UsageError(f"damping {self.damping} must be between 0 and 1")
