"""Network: the stored channel graph drawn interactively (coloured by a node attribute, edges filtered by relation),
an edge's evidence messages, the mixing between groups, coordinated groups with their evidence, and running the
network analysis as a background job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..coordination import CoordinationResult, load_coordination
from ..errors import UsageError
from ..network import RELATIONS, NetworkOptions, NetworkResult, analyse_network, channel_attributes, headline
from ..network import load_network as _load_network
from ..store import browse
from .export import FORMATS, export_frame
from .graph_view import DrawnGraph, colour_attributes, draw
from .jobs import Job
from .paging import page_number, paged
from .state import WebState, state, threaded

__all__ = ["network_result", "routes"]

EVIDENCE_PAGE = 50
EDGE_ROWS = 100


def network_result(web: WebState) -> NetworkResult | None:
    """The latest stored network run (loaded once per run key and kept in memory)."""
    corpus = web.store.reader()
    runs = corpus.results.list("network_nodes")
    if not runs:
        return None
    return web.cached(("network", runs[-1]["result_key"]), lambda: _load_network(corpus), limit=64)


def coordination_result(web: WebState) -> CoordinationResult | None:
    """The latest stored coordination run (loaded once per run key)."""
    corpus = web.store.reader()
    runs = corpus.results.list("coordination_groups")
    if not runs:
        return None
    return web.cached(("coordination", runs[-1]["result_key"]), lambda: load_coordination(corpus), limit=64)


def _groups(web: WebState) -> dict[str, Any]:
    """Coordinated groups of the latest coordination run, for the network page."""
    result = coordination_result(web)
    if result is None:
        return {"run": False, "rows": []}
    return {"run": True, "rows": result.groups.head(100).to_dicts(), "total": result.groups.height}


def _choices(result: NetworkResult, request: Request) -> tuple[list[str], list[str], str]:
    """(relations present, relations chosen, colour attribute chosen) from the query string."""
    present = [r for r in RELATIONS if r in set(result.graph.edges["relation"].unique().to_list())]
    asked = [r for r in request.query_params.getlist("relation") if r in present]
    chosen = asked or present
    attributes = colour_attributes(result.nodes)
    colour = request.query_params.get("colour", "")
    if colour not in attributes:
        colour = result.group if result.group in attributes else ("community" if "community" in attributes
                                                                   else attributes[0] if attributes else "kind")
    return present, chosen, colour


def _view(web: WebState, result: NetworkResult, relations: list[str], colour: str) -> DrawnGraph:
    return web.cached(("network-view", result.key, tuple(relations), colour),
                      lambda: draw(result.graph, result.nodes, relations, colour), limit=64)


def _run_network(web: WebState, options: NetworkOptions, group: str | None) -> Job:
    store = web.store

    def run(job: Job) -> dict[str, Any]:
        corpus = store.job_corpus()
        # the analysis publishes its tables in one transaction at its end (results.save_many): a cancel
        # interrupts the store's statement in progress, so nothing half-made becomes "the latest"
        job.on_cancel.append(corpus.connection.interrupt)
        try:
            job.progress(0, None, "building the channel graph, null worlds and communities")
            result = analyse_network(corpus, options, group)
            job.check()
            return {"nodes": result.nodes.height, "edges": result.graph.edges.height, "link": "/network"}
        finally:
            corpus.close()

    return web.jobs.submit("network", "building the channel network", run, dedupe_key="network")


def _run_form(web: WebState) -> dict[str, Any]:
    corpus = web.store.reader()
    attrs = channel_attributes(corpus)
    groups = [c for c in attrs.columns if c not in ("platform", "channel_id", "channel", "username")]
    return {"relations": list(RELATIONS), "default_relations": list(NetworkOptions().relations), "groups": groups,
            "jobs": web.jobs.active("network")}


async def network_page(request: Request) -> Response:
    web = state(request)

    def work() -> Response:
        result = network_result(web)
        form = _run_form(web)
        if result is None:
            return web.page(request, "network.html", title="Network", result=None, run=form, groups=_groups(web))
        present, chosen, colour = _choices(result, request)
        view = _view(web, result, chosen, colour)
        edges = (result.graph.edges.filter(pl.col("relation").is_in(chosen))
                 .sort(["weight", "relation", "source", "target"], descending=[True, False, False, False]))
        labels = dict(zip(result.nodes["node"].to_list(), result.nodes["label"].fill_null("").to_list(),
                          strict=True))
        mixing = None
        if result.mixing is not None:
            mixing = (result.mixing.matrix.filter(pl.col("relation").is_in(chosen) & (pl.col("unit") == "flow")
                                                  & (pl.col("count") > 0))
                      .sort(["relation", "count"], descending=[False, True]).head(60).to_dicts())
        sentences = [s for r in chosen for s in headline(result, r)]
        ctx = {"result": result, "view": view, "present": present, "chosen": chosen, "colour": colour,
               "colours": colour_attributes(result.nodes), "edges": edges.head(EDGE_ROWS).to_dicts(),
               "edge_total": edges.height, "labels": labels, "mixing": mixing, "sentences": sentences, "run": form,
               "summary": result.params.get("summary", {}), "groups": _groups(web)}
        if request.headers.get("hx-target") == "network-view":
            return web.fragment(request, "_network_view.html", **ctx)
        return web.page(request, "network.html", title="Network", **ctx)

    return await threaded(work)


async def edge_page(request: Request) -> Response:
    """One edge: its numbers and the messages behind it (each linking to its message page)."""
    web = state(request)
    q = request.query_params
    relation, source, target = q.get("relation", ""), q.get("source", ""), q.get("target", "")
    page = page_number(request)

    def work() -> Response:
        result = network_result(web)
        if result is None:
            raise UsageError("no network analysis in this store yet: run it from the network page")
        match = ((pl.col("relation") == relation) & (pl.col("source") == source) & (pl.col("target") == target))
        edge = result.graph.edges.filter(match)
        if edge.is_empty():
            raise UsageError(f"no {relation or '?'} edge from {source!r} to {target!r} in the latest network run")
        ctx = paged(result.graph.evidence.filter(match), page, EVIDENCE_PAGE)
        uids = [u for r in ctx["rows"] for u in (r["uid"], r["source_uid"]) if u]
        texts = {m["uid"]: m for m in browse.messages_by_uid(web.store.reader(), list(dict.fromkeys(uids)),
                                                            ["uid", "channel", "message_id", "text"]).to_dicts()}
        labels = dict(zip(result.nodes["node"].to_list(), result.nodes["label"].fill_null("").to_list(),
                          strict=True))
        ctx.update(edge=edge.row(0, named=True), texts=texts, labels=labels)
        if request.headers.get("hx-target") == "evidence":
            return web.fragment(request, "_network_edge.html", **ctx)
        return web.page(request, "network_edge.html", title="Network", **ctx)

    return await threaded(work)


async def group_page(request: Request) -> Response:
    """One coordinated group: its members and every co-action between two of them (each message linked)."""
    web = state(request)
    gid = request.path_params["group_id"]
    page = page_number(request)

    def work() -> Response:
        result = coordination_result(web)
        if result is None:
            raise UsageError("no coordination run in this store yet: `narrascope coordination --db STORE`")
        found = result.groups.filter(pl.col("group_id") == gid)
        if found.is_empty():
            raise UsageError(f"no coordinated group {gid!r} in the latest coordination run")
        return web.page(request, "network_group.html", title="Network", group=found.row(0, named=True),
                        members=result.members.filter(pl.col("group_id") == gid).to_dicts(),
                        **paged(result.group(gid), page, EVIDENCE_PAGE))

    return await threaded(work)


async def network_export(request: Request) -> Response:
    """The latest run's edges, evidence or nodes as CSV or Parquet."""
    web = state(request)
    fmt, table = request.path_params["fmt"], request.path_params["table"]
    if fmt not in FORMATS or table not in ("edges", "evidence", "nodes"):
        raise UsageError(f"export {table}.{fmt}: choose edges, evidence or nodes as csv or parquet")
    result = await threaded(network_result, web)
    if result is None:
        raise UsageError("no network analysis in this store yet: run it from the network page")
    frame = {"edges": result.graph.edges, "evidence": result.graph.evidence, "nodes": result.nodes}[table]
    return export_frame(frame, fmt, f"network-{table}")


async def network_start(request: Request) -> Response:
    web = state(request)
    form = await request.form()
    relations = tuple(str(r) for r in form.getlist("relation") if str(r) in RELATIONS)
    group = str(form.get("group") or "").strip() or None
    options = NetworkOptions(relations=relations) if relations else NetworkOptions()
    if group is not None and group not in _run_form(web)["groups"]:
        raise UsageError(f"no channel attribute {group!r}: store attributes with `narrascope channels "
                         "set-attributes FILE` first")
    job = _run_network(web, options, group)
    if request.headers.get("hx-request") == "true":
        return web.fragment(request, "_job.html", job=job, refresh=True)
    return RedirectResponse("/jobs", status_code=303)


def routes(post: Callable[..., Any]) -> list[Route]:
    return [
        Route("/network", network_page, name="network"),
        Route("/network/edge", edge_page, name="network_edge"),
        Route("/network/group/{group_id}", group_page, name="network_group"),
        Route("/network/export/{table}.{fmt}", network_export, name="network_export"),
        post("/network/run", network_start, "network_start"),
    ]
