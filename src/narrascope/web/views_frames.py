"""Frames: pick or upload a lexicon; shares per group with intervals, trends, examples and discovery — through the
same public functions as ``narrascope frames``, ``trends``, ``show`` and ``discover``. Matching a lexicon the
store has not cached yet is a background job (progress bar, cancellable)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..frames import Lexicon, match_corpus
from ..frames.corpus_match import frame_hits_key
from ..frames.discover import DiscoverOptions, discover_corpus
from ..frames.prevalence import ANY, GROUPS, frame_messages, shares_table
from ..frames.trends import compare_periods, share_series, undated_counts
from ..store import browse
from ..store.corpus import Corpus
from . import lexicons
from .export import FORMATS, export_frame
from .jobs import Job
from .render import bar_chart
from .state import WebState, state, threaded

__all__ = ["cached_hits", "match_job", "routes"]

MAX_ROWS = 500


def _lexicon(web: WebState, lexicon_hash: str) -> Lexicon:
    corpus = web.store.reader()
    return web.cached(("lexicon", lexicon_hash), lambda: lexicons.load(corpus, lexicon_hash))


def cached_hits(corpus: Corpus, lexicon: Lexicon) -> pl.DataFrame | None:
    """The lexicon's hits when the store has them cached for this corpus state, else None (match first)."""
    if not corpus.results.has("frame_hits", frame_hits_key(lexicon, corpus, None, None)):
        return None
    hits = pl.from_arrow(match_corpus(corpus, lexicon))
    assert isinstance(hits, pl.DataFrame)
    return hits


def match_job(web: WebState, lexicon: Lexicon) -> Job:
    """Match the lexicon over the corpus in the background; the hits are published with one save."""
    store = web.store

    def run(job: Job) -> dict[str, Any]:
        corpus = store.job_corpus()
        try:
            table = match_corpus(corpus, lexicon, progress=lambda done, total: job.progress(done, total, "matching"))
            return {"hits": table.num_rows, "link": f"/frames?lexicon={lexicon.content_hash}"}
        finally:
            corpus.close()

    return web.jobs.submit("match", f"matching lexicon {lexicon.name or lexicon.content_hash[:12]}", run,
                           dedupe_key=f"match:{lexicon.content_hash}")


def _by(request: Request) -> list[str]:
    by = [b for b in request.query_params.getlist("by") if b]
    bad = [b for b in by if b not in GROUPS]
    if bad:
        raise UsageError(f"cannot group by {', '.join(bad)}: choose from {', '.join(GROUPS)}")
    return by if "by" in request.query_params else ["channel"]


def _analysis(web: WebState, lexicon: Lexicon, hits: pl.DataFrame, by: list[str], frame: str | None) -> dict[str, Any]:
    corpus = web.store.reader()
    messages = web.cached(("frame_messages", web.token), lambda: frame_messages(corpus), limit=4)
    ids = lexicon.frame_ids
    table = shares_table(messages, hits, ids, by)
    chosen = frame if frame in [*ids, ANY] else ids[0]
    series = share_series(messages, hits, chosen) if messages["posted_at"].drop_nulls().len() else None
    trend = None
    if series is not None and series.height:
        trend = bar_chart(series["month"].to_list(), series["share"].fill_null(0).to_list(),
                          lower=series["lower"].to_list(), upper=series["upper"].to_list())
        trend["changes"] = series.filter(pl.col("change"))["month"].to_list()
    comparison = compare_periods(messages, hits, ids, months=12).to_dicts() if messages.height else []
    undated = undated_counts(messages, hits, ids)  # what the trend and the comparison leave out (no time axis place)
    carrying = hits.filter(pl.col("frame") == chosen) if chosen != ANY else hits
    example_uids = (messages.join(carrying.select("uid").unique(), on="uid").sort("posted_at", descending=True,
                                                                                  nulls_last=True)
                    .head(20)["uid"].to_list())
    examples = browse.messages_by_uid(corpus, example_uids).to_dicts()
    spans: dict[str, list[tuple[int, int]]] = {}
    for r in carrying.filter(pl.col("uid").is_in(example_uids)).iter_rows(named=True):
        spans.setdefault(r["uid"], []).append((r["start"], r["end"]))
    for e in examples:
        e["spans"] = spans.get(e["uid"], [])
    return {"table": table, "rows": table.head(MAX_ROWS).to_dicts(), "frame": chosen, "trend": trend,
            "comparison": comparison, "examples": examples,
            "undated": {"messages": undated["messages"], "frame": undated.get(chosen, 0)}}


async def frames_page(request: Request) -> Response:
    web = state(request)

    def work() -> Response:
        corpus = web.store.reader()
        available = lexicons.available(corpus)
        lexicon_hash = request.query_params.get("lexicon") or available[0]["lexicon_hash"]
        lexicon = _lexicon(web, lexicon_hash)
        by = _by(request)
        hits = cached_hits(corpus, lexicon)
        ctx: dict[str, Any] = {"lexicons": available, "lexicon": lexicon, "lexicon_hash": lexicon_hash, "by": by,
                               "groups": GROUPS, "hits_ready": hits is not None, "analysis": None,
                               "jobs": [j for j in web.jobs.active("match")], "any_frame": ANY,
                               "discovered": None, "discover_jobs": web.jobs.active("discover"),
                               "query": request.url.query}
        frame = request.query_params.get("frame")
        if hits is not None:
            ctx["analysis"] = _analysis(web, lexicon, hits, by, frame)
            key = ("discover", lexicon_hash, ctx["analysis"]["frame"], web.token)
            ctx["discovered"] = web._cache.get(key)
        return web.page(request, "frames.html", title="Frames", **ctx)

    return await threaded(work)


async def frames_export(request: Request) -> Response:
    web = state(request)
    fmt = request.path_params["fmt"]
    if fmt not in FORMATS:
        raise UsageError(f"export format {fmt!r}: choose csv or parquet")

    def work() -> Response:
        corpus = web.store.reader()
        lexicon = _lexicon(web, request.query_params.get("lexicon", ""))
        hits = cached_hits(corpus, lexicon)
        if hits is None:
            raise UsageError("match the lexicon first (frames page)")
        table = shares_table(frame_messages(corpus), hits, lexicon.frame_ids, _by(request))
        return export_frame(table, fmt, f"frame-shares-{lexicon.name or 'lexicon'}")

    return await threaded(work)


async def lexicon_upload(request: Request) -> Response:
    web = state(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise UsageError("choose a lexicon file (YAML or LIWC .dic) to upload")
    raw = await upload.read(lexicons.MAX_LEXICON_BYTES + 1)

    def work() -> Response:
        with web.store.writer() as writer:
            lexicon = lexicons.add_uploaded(writer, raw, upload.filename or "lexicon.yaml")
        return RedirectResponse(f"/frames?lexicon={lexicon.content_hash}", status_code=303)

    return await threaded(work)


async def match_start(request: Request) -> Response:
    web = state(request)
    form = await request.form()
    lexicon = await threaded(_lexicon, web, str(form.get("lexicon", "")))
    job = match_job(web, lexicon)
    return web.fragment(request, "_job.html", job=job, refresh=True)


async def discover_start(request: Request) -> Response:
    web = state(request)
    form = await request.form()
    lexicon = await threaded(_lexicon, web, str(form.get("lexicon", "")))
    frame = str(form.get("frame", ""))
    if frame not in lexicon.frame_ids:
        raise UsageError(f"choose one of the lexicon's frames ({', '.join(lexicon.frame_ids)})")
    store = web.store

    def run(job: Job) -> dict[str, Any]:
        corpus = store.job_corpus()
        try:
            job.progress(0, None, "counting words and phrases")
            table, desc = discover_corpus(corpus, lexicon, frame=frame, options=DiscoverOptions(top=40))
            job.check()
            web.cached(("discover", lexicon.content_hash, frame, web.token),
                       lambda: {"rows": table.to_dicts(), "desc": desc})
            return {"terms": table.height,
                    "link": f"/frames?lexicon={lexicon.content_hash}&frame={frame}#discover"}
        finally:
            corpus.close()

    job = web.jobs.submit("discover", f"discovering terms for {frame}", run,
                          dedupe_key=f"discover:{lexicon.content_hash}:{frame}")
    return web.fragment(request, "_job.html", job=job, refresh=True)


def routes(post: Callable[..., Any]) -> list[Route]:
    return [
        Route("/frames", frames_page, name="frames"),
        Route("/frames/export.{fmt}", frames_export, name="frames_export"),
        post("/frames/lexicon", lexicon_upload, "lexicon_upload"),
        post("/frames/match", match_start, "match_start"),
        post("/frames/discover", discover_start, "discover_start"),
    ]
