"""The main job on the demo corpus, end to end: what `narrascope demo` runs.

generate → ingest → channel attributes (the demo's ``channels.csv``) → frame shares with the planted lexicon →
reuse cascades → channel network by location → coordination (aggregators and same-owner families tagged as
expected co-posting) → the HTML report with every section. Each step is the public library function a user would
call on their own corpus; this module only chains them and summarises.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .generate import DemoConfig, DemoManifest, generate_demo

__all__ = ["DemoRun", "run_demo"]

#: Coordination on the demo treats these as expected co-posting (demo/channels.csv has both columns).
DEMO_EXPECTED = ("type=aggregator", "owner")


@dataclass(frozen=True)
class DemoRun:
    """What the demo produced: paths, and the headline numbers each analysis measured."""

    manifest: DemoManifest
    store: Path
    report: Path
    files_ingested: int
    info: dict[str, Any]
    frame_shares: dict[str, dict[str, float]]
    cascades: int
    network_headline: list[str] = field(default_factory=list)
    coordinated_groups: list[list[str]] = field(default_factory=list)


def _clear(out: Path, force: bool) -> None:
    """An earlier demo's folder is ours to replace; anything else needs ``force``."""
    if out.exists() and any(out.iterdir()):
        if not force and not (out / "truth" / "truth.json").is_file():
            raise UsageError(f"{out} already exists and is not a demo folder: pass --force to replace it, "
                             "or -o another folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def run_demo(out: Path, config: DemoConfig | None = None, *, force: bool = False,
             progress: Callable[[Path, int, int], None] | None = None,
             step: Callable[[str], None] | None = None) -> DemoRun:
    """Generate the demo corpus into ``out`` and run every analysis on it; ``step(name)`` is told each stage."""
    from ..coordination import CoordinationOptions, find_coordination
    from ..frames import load_lexicon
    from ..frames.prevalence import frame_shares
    from ..ingest.base import IngestOptions
    from ..network import NetworkOptions, analyse_network, headline, set_channel_attributes
    from ..report import ReportOptions, build_report
    from ..reuse import ReuseOptions, find_reuse
    from ..store.corpus import Corpus

    def tell(name: str) -> None:
        if step is not None:
            step(name)

    config = config or DemoConfig()
    _clear(out, force)
    tell(f"generating {config.messages} posts (seed {config.seed})")
    manifest = generate_demo(out, config)
    db = out / "corpus.duckdb"
    with Corpus.open(db) as corpus:
        tell("ingesting the exports")
        ingest = corpus.ingest([out / "exports"], IngestOptions(strict=True), progress=progress)
        info = corpus.info()
        set_channel_attributes(corpus, manifest.folder / "channels.csv")
        tell("measuring frame shares")
        shares = frame_shares(corpus, load_lexicon(manifest.lexicon_path), by=())
        tell("finding reuse cascades")
        reuse = find_reuse(corpus, ReuseOptions(workers=1))
        tell("building the channel network")
        # the defaults of `narrascope network`: the README quotes what both print
        network = analyse_network(corpus, NetworkOptions(relations=("forward", "reuse")), group="location")
        tell("testing coordination against null worlds")
        coordination = find_coordination(corpus, CoordinationOptions(exclude_by=DEMO_EXPECTED))
        tell("writing the report")
        # The demo's own planted lexicon drives the frames section: the page shows what the toolkit measures.
        report = build_report(corpus, out / "report.html", ReportOptions(lexicon=manifest.lexicon_path))
    return DemoRun(
        manifest=manifest, store=db, report=report, files_ingested=len(ingest.files), info=info,
        frame_shares={r["frame"]: {"share": r["share"], "lower": r["lower"], "upper": r["upper"]}
                      for r in shares.iter_rows(named=True)},
        cascades=reuse.cascades.height,
        network_headline=headline(network, "forward"),
        coordinated_groups=[sorted(labels) for labels in coordination.groups["labels"].to_list()],
    )
