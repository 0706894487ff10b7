"""narrascope network — channel graphs, mixing between attribute groups against a null model, structure, exports."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from ..network.options import BACKENDS, MixingOptions, NetworkOptions, StructureOptions
from .cmd_channels import plain
from .common import db_option, emit_json, err_console, json_option, open_corpus, out_console

if TYPE_CHECKING:  # the analysis modules are imported when the command runs, not for --help (start-up stays fast)
    import polars as pl

    from ..network.analysis import NetworkResult

_HELP = {f.name: f.metadata.get("help", "") for f in fields(NetworkOptions)}


def _pct(x: Any) -> str:
    return "" if x is None or x != x else f"{100 * x:.1f}"


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in frame.iter_rows(named=True)]


def _summary(result: NetworkResult, top: int, files: list[Path]) -> dict[str, Any]:
    import polars as pl

    from ..network.analysis import headline

    by_relation = _records(result.relation_totals())
    data: dict[str, Any] = {
        "key": result.key, "group": result.group, "structure": result.structure.summary,
        "nodes": result.graph.nodes.height,
        "external_nodes": result.graph.nodes.filter(~pl.col("in_store")).height,
        "relations": by_relation, "evidence": result.graph.evidence.height,
        "top_pagerank": _records(result.nodes.sort("pagerank", descending=True, nulls_last=True).head(top)
                                 .select("node", "label", "kind", "pagerank", "in_strength", "out_strength",
                                         "community")),
        "stability": _records(result.structure.stability),
        "files": [str(f) for f in files],
    }
    if result.mixing is not None:
        data["headline"] = {r["relation"]: headline(result, r["relation"]) for r in by_relation}
        data["mixing"] = _records(result.mixing.matrix)
        data["assortativity"] = _records(result.mixing.assortativity)
        data["bridges"] = _records(result.mixing.bridges)
    return data


def _print(result: NetworkResult, data: dict[str, Any]) -> None:
    import polars as pl

    out = out_console()
    s = data["structure"]
    rel = ", ".join(f"{r['relation']} {r['edges']} edges / {r['weight']} messages" for r in data["relations"])
    out.print(plain(f"{data['nodes']} nodes ({data['external_nodes']} outside the store) · {rel or 'no edges'}"))
    out.print(plain(f"{s.get('components')} weak components · {s.get('communities')} communities "
                    f"({s.get('method')}, resolution {s.get('resolution')}), modularity {s.get('modularity', 0):.3f}; "
                    f"agreement between {s.get('seeds')} seeds: mean ARI {s.get('mean_seed_ari', 1):.2f}"))
    if result.mixing is not None:
        for relation, sentences in data["headline"].items():
            for line in sentences:
                out.print(plain(f"{relation}: {line}"))
        t = Table(title=f"mixing by {result.group} (flow: messages)", title_justify="left")
        for c in ("relation", "from", "to", "n", "share %", "95% CI", "expected %", "p"):
            t.add_column(c, justify="right" if c in ("n", "share %", "expected %", "p") else "left")
        for r in result.mixing.matrix.filter(pl.col("unit") == "flow").iter_rows(named=True):
            t.add_row(*(plain(v) for v in (r["relation"], r["source_group"], r["target_group"], r["count"],
                                          _pct(r["share"]), f"{_pct(r['lower'])}–{_pct(r['upper'])}",
                                          _pct(r.get("expected_share")),
                                          "" if r.get("p_value") is None else f"{r['p_value']:.3g}")))
        out.print(t)
        a = Table(title="assortativity (Newman's r)", title_justify="left")
        for c in ("relation", "unit", "r", "95% CI", "null r", "p"):
            a.add_column(c)
        for r in result.mixing.assortativity.iter_rows(named=True):
            a.add_row(*(plain(v) for v in (r["relation"], r["unit"], _num(r["r"]),
                                          f"{_num(r['lower'])} – {_num(r['upper'])}", _num(r["expected_r"]),
                                          _num(r["p_value"]))))
        out.print(a)
        b = Table(title="bridge channels (cross-group flow)", title_justify="left")
        for c in ("relation", "channel", "group", "out", "in", "share %"):
            b.add_column(c)
        for r in result.mixing.bridges.iter_rows(named=True):
            b.add_row(*(plain(v) for v in (r["relation"], r["label"] or r["node"], r["group"], r["cross_out"],
                                          r["cross_in"], _pct(r["share"]))))
        out.print(b)
    for f in data["files"]:
        out.print(plain(f"wrote {f}"))


def _num(x: Any) -> str:
    return "" if x is None or x != x else f"{x:.3f}"


def register(group: click.Group) -> None:
    @group.command("network")
    @click.option("--relations", default="forward,reuse,mention,link", show_default=True, help=_HELP["relations"])
    @click.option("--attributes", "attribute_files", multiple=True,
                  type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="First store these channel attributes (as `channels set-attributes`, replacing earlier ones).")
    @click.option("--group", "group_by", help="Channel attribute whose groups to compare (e.g. location).")
    @click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
                  help="Write the graph: .gexf, .graphml, .csv or .parquet (tables beside it), or a folder.")
    @click.option("--domains/--no-domains", default=False, show_default=True, help=_HELP["domains"])
    @click.option("--self-loops/--no-self-loops", default=False, show_default=True, help=_HELP["self_loops"])
    @click.option("--since", help=_HELP["since"])
    @click.option("--until", help=_HELP["until"])
    @click.option("--draws", type=click.IntRange(min=0), default=MixingOptions.draws, show_default=True,
                  help="Null worlds (degree-preserving shuffles) for expected mixing and p-values; 0: none.")
    @click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
    @click.option("--seed", type=int, default=1, show_default=True, help="Seed of the null worlds.")
    @click.option("--resolution", type=click.FloatRange(min=0.01), default=1.0, show_default=True,
                  help="Community resolution (modularity γ).")
    @click.option("--seeds", type=click.IntRange(min=1), default=5, show_default=True,
                  help="Community runs per resolution, to report their stability.")
    @click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True,
                  help="Graph library: networkit (Leiden) when installed, else networkx (Louvain).")
    @click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
                  help="Channels listed by PageRank and as bridges.")
    @click.option("--refresh", is_flag=True, help="Recompute even when results for these options are stored.")
    @db_option
    @json_option
    def network(relations: str, attribute_files: tuple[Path, ...], group_by: str | None, outputs: tuple[Path, ...],
                domains: bool, self_loops: bool, since: str | None, until: str | None, draws: int,
                confidence: float, seed: int, resolution: float, seeds: int, backend: str, top: int, refresh: bool,
                db: Path, as_json: bool) -> None:
        """Channel graphs (forwards, reuse, mentions, links, replies) with the messages behind every edge; with
        --group, the mixing matrix between attribute groups with intervals against a degree-preserving null,
        assortativity and bridge channels; strength, PageRank, components and communities; results stored in
        result_network_* tables."""
        from ..network.analysis import analyse_network
        from ..network.attributes import set_channel_attributes
        from ..network.export import check_output, write_graph
        from ..network.graphs import relations_of

        options = NetworkOptions(relations=relations_of(relations), domains=domains, self_loops=self_loops,
                                 since=since, until=until)
        mixing_options = MixingOptions(draws=draws, confidence=confidence, seed=seed, bridges=top)
        structure_options = StructureOptions(resolution=resolution, seeds=seeds, backend=backend)
        folders = {output: check_output(output) for output in outputs}  # before the work, not after
        with open_corpus(db) as corpus:
            if attribute_files:
                report = set_channel_attributes(corpus, list(attribute_files))
                if report.unknown and not as_json:
                    err_console.print(plain(f"{len(report.unknown)} attribute row(s) name no stored channel: "
                                            "`narrascope channels list --unknown` lists them"))
            if not as_json and err_console.is_terminal:
                with err_console.status("building the channel graph, null worlds and communities …"):
                    result = analyse_network(corpus, options, group_by, mixing_options, structure_options,
                                             refresh=refresh)
            else:
                result = analyse_network(corpus, options, group_by, mixing_options, structure_options,
                                         refresh=refresh)
        extra = ({"mixing": result.mixing.matrix, "bridges": result.mixing.bridges} if result.mixing else {})
        files: list[Path] = []
        for output in outputs:
            files += write_graph(result.graph, output, nodes=result.nodes, group=group_by,
                                 extra=extra if folders[output] or output.suffix.lower() in (".csv", ".parquet")
                                 else None)
        data = _summary(result, top, files)
        if as_json:
            emit_json(data)
        else:
            _print(result, data)
