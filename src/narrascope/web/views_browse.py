"""Overview, messages (search, filters, pages, exports) and one message with its cascade and forwards."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import NarrascopeError, UsageError
from ..frames.lexicon import Frame, Lexicon, make_term
from ..frames.match import Matcher
from ..store import browse, search
from ..store.browse import MessageFilter
from ..store.serving import SharedStore
from .export import export_reader
from .jobs import Job
from .paging import export_format, page_count, page_number
from .render import bar_chart
from .state import WebState, state, threaded

__all__ = ["ensure_index", "routes", "warm_up"]

PAGE = 50
MAX_PAGE = 2000
#: what a message row shows (each string column read costs: fewer columns, cheaper pages)
SHOWN = ("uid", "channel_id", "channel", "message_id", "posted_at", "author", "text", "fwd_from_name")


def _postings(web: WebState, query: search.SearchQuery, filt: MessageFilter) -> np.ndarray:
    """The query's posting list under the filter, kept per corpus state."""
    return web.postings.get((web.token, query, filt),
                         lambda: search.matching_rids(web.store.reader(), query, filt, verified=True))


def _filter(request: Request) -> tuple[MessageFilter, dict[str, Any]]:
    q = request.query_params
    channels = [c for c in q.getlist("channel") if c]
    platform, since, until = q.get("platform", ""), q.get("since", ""), q.get("until", "")
    form: dict[str, Any] = {"channel": channels, "platform": platform, "since": since, "until": until,
                            "q": q.get("q", "")}
    return MessageFilter.parse(channels, platform, since, until), form


def _channels(web: WebState) -> list[dict[str, Any]]:
    corpus = web.store.reader()
    return web.cached(("channels", web.token), lambda: browse.channels(corpus))


def ensure_index(web: WebState) -> Job | None:
    """Start building the search index when the stored one does not match the corpus (a job; None when ready
    or when the store is read-only)."""
    if web.store.read_only or web.index_ready():
        return None
    store: SharedStore = web.store

    def run(job: Job) -> dict[str, Any]:
        corpus = store.job_corpus()
        job.on_cancel.append(corpus.connection.interrupt)
        try:
            return search.build_index(corpus, lambda phase, done, total: job.progress(done, total, phase))
        finally:
            corpus.close()

    return web.jobs.submit("index", "building the search index", run, dedupe_key="index")


def _matcher(web: WebState, query: search.SearchQuery) -> Matcher:
    """The frames matcher for the query's terms: highlights come from the same code that finds frame hits."""
    def build() -> Matcher:
        terms = tuple(make_term(t.text + ("*" if t.prefix else ""), "und") for t in query.terms)
        # the pure Aho-Corasick engine (tested equal to hyperscan): for fifty texts it builds and scans in a few
        # milliseconds, where a fresh hyperscan database and its scratch space cost more than the page
        return Matcher(Lexicon((Frame("search", "search", "", terms),), name="search"), engine="ahocorasick")
    return web.cached(("matcher", query), build, limit=256)


def _rows(web: WebState, rids: Sequence[int]) -> list[dict[str, Any]]:
    """The shown columns of these rids (a list page's or a search page's), through the app's row cache."""
    corpus = web.store.reader()
    return web.rows.get(web.token, rids, lambda missing: search.rows(corpus, missing, SHOWN).to_dicts())


def warm_up(web: WebState) -> None:
    """Pay at startup what the first search would (character class tables, the highlighter's first build and
    scan: ~0.2 s of CPU), instead of the first person searching."""
    _with_spans(web, [{"text": "warm up ۹متر"}], search.parse_query("warm, ۹متر*, warm up"))


def _with_spans(web: WebState, out: list[dict[str, Any]], query: search.SearchQuery | None) -> list[dict[str, Any]]:
    if query is None or query.empty or not out:
        for r in out:
            r["spans"] = []
        return out
    try:
        hits = _matcher(web, query).scan(pa.array([r["text"] for r in out], pa.string()))
    except NarrascopeError:
        hits = None
    spans: dict[int, list[tuple[int, int]]] = {}
    if hits is not None:
        for row, s, e in zip(hits.column("row").to_pylist(), hits.column("start").to_pylist(),
                             hits.column("end").to_pylist(), strict=True):
            spans.setdefault(row, []).append((s, e))
    for i, r in enumerate(out):
        r["spans"] = spans.get(i, [])
    return out


async def overview(request: Request) -> Response:
    web = state(request)

    def work() -> Response:
        try:
            filt, form = _filter(request)
            error = None
        except UsageError as exc:
            filt, form, error = MessageFilter(), {"channel": [], "platform": "", "since": "", "until": ""}, str(exc)
        corpus = web.store.reader()
        data = web.cached(("overview", web.token, filt), lambda: browse.overview(corpus, filt))
        months = data["months"]
        chart = bar_chart([m["month"] for m in months], [m["messages"] for m in months])
        ctx: dict[str, Any] = {"data": data, "chart": chart, "form": form, "channels": _channels(web), "error": error,
               "platforms": [p["platform"] for p in data["by_platform"]]}
        if request.headers.get("hx-target") == "overview-body":
            return web.fragment(request, "_overview_body.html", **ctx)
        return web.page(request, "overview.html", title="Overview", **ctx)

    return await threaded(work)


def _results(web: WebState, request: Request) -> dict[str, Any]:
    filt, form = _filter(request)
    page = page_number(request, MAX_PAGE)
    corpus = web.store.reader()
    query = search.parse_query(form["q"]) if form["q"].strip() else None
    base = {"form": form, "page": page, "query": query, "index_job": None, "index_missing": False}
    if not web.index_ready():
        if query is not None:
            job = ensure_index(web) or next(iter(web.jobs.active("index")), None)
            return {**base, "rows": [], "total": 0, "pages": 0, "index_job": job, "index_missing": True}
        # no index yet: browsing reads the messages table itself (slower on a large store)
        total, frame = browse.message_page(corpus, filt, limit=PAGE, offset=(page - 1) * PAGE)
        rows = frame.to_dicts()
    elif filt.channels and not (filt.platform or filt.since or filt.until):
        # channels alone (what the list's menu offers): posting lists filtered in memory by each rid's channel
        channels = web.channel_directory()
        if query is None:
            rids = web.postings.get((web.token, None, filt), lambda: channels.rids(filt.channels))
        else:
            rids = web.postings.get((web.token, query, filt),
                                 lambda: channels.keep(_postings(web, query, MessageFilter()), filt.channels))
        total = len(rids)
        rows = _rows(web, rids[(page - 1) * PAGE:page * PAGE].tolist())
    elif query is not None:
        # the query's posting list, kept per corpus state: its length is the count, each page a slice of it
        rids = _postings(web, query, filt)
        total = len(rids)
        rows = _rows(web, rids[(page - 1) * PAGE:page * PAGE].tolist())
    elif not (filt.channels or filt.platform or filt.since or filt.until):
        # every message: rids are the row numbers of the newest-first order, so a page's rids need no query
        total = web.cached(("count", web.token, filt),
                           lambda: search.count(corpus, None, filt, verified=True), limit=4096)
        rows = _rows(web, range((page - 1) * PAGE, min(page * PAGE, total)))
    else:
        rows = search.page(corpus, None, filt, columns=SHOWN, limit=PAGE, offset=(page - 1) * PAGE,
                           verified=True).to_dicts()
        total = web.cached(("count", web.token, filt),
                           lambda: search.count(corpus, None, filt, verified=True), limit=4096)
    pages = page_count(total, PAGE, MAX_PAGE)
    return {**base, "rows": _with_spans(web, rows, query), "total": total, "pages": pages}


async def messages(request: Request) -> Response:
    web = state(request)

    def work() -> Response:
        try:
            ctx = _results(web, request)
            error = None
        except UsageError as exc:
            ctx = {"form": {"channel": [], "platform": "", "since": "", "until": "", "q": ""}, "rows": [],
                   "total": 0, "page": 1, "pages": 0, "query": None, "index_job": None, "index_missing": False}
            error = str(exc)
        ctx.update(error=error, channels=_channels(web), export_query=request.url.query)
        if request.headers.get("hx-target") == "results":
            return web.fragment(request, "_results.html", **ctx)
        return web.page(request, "messages.html", title="Messages", **ctx)

    return await threaded(work)


async def export_messages(request: Request) -> Response:
    web = state(request)
    fmt = export_format(request)

    def work() -> Response:
        filt, form = _filter(request)
        query = search.parse_query(form["q"]) if form["q"].strip() else None
        corpus = web.store.private_reader()
        try:
            if query is not None and not query.empty:
                reader = search.search_reader(corpus, query, filt, browse.LIST_COLUMNS)
            else:
                reader = browse.messages_reader(corpus, filt, browse.LIST_COLUMNS)
        except BaseException:
            corpus.close()
            raise

        def closing() -> Iterator[pa.RecordBatch]:
            try:
                yield from reader
            finally:
                corpus.close()

        return export_reader(pa.RecordBatchReader.from_batches(reader.schema, closing()), fmt, "messages")

    return await threaded(work)


def _cascade_of(web: WebState, uid: str) -> dict[str, Any] | None:
    from .views_cascades import reuse_result

    result = reuse_result(web)
    if result is None:
        return None
    row = result.members.filter(pl.col("uid") == uid)
    if row.is_empty():
        return {"none": True}
    member = row.row(0, named=True)
    cascade = result.cascades.filter(pl.col("cascade_id") == member["cascade_id"]).row(0, named=True)
    forwards = result.pairs.filter((pl.col("a_uid") == uid) & (pl.col("relation") == "forward"))
    return {"none": False, "member": member, "cascade": cascade, "reuse_forwards": forwards["b_uid"].to_list()}


async def message(request: Request) -> Response:
    web = state(request)
    uid = request.path_params["uid"]

    def work() -> Response:
        corpus = web.store.reader()
        hint = None
        rid = request.query_params.get("r", "")
        if web.index_ready():
            # from a list page the link carries the rid; a bare link finds the row in the uid directory
            hint = search.message_hint(corpus, int(rid), uid) if rid.isdigit() else web.uid_rowid(uid)
        msg = browse.message(corpus, uid, hint)
        if msg is None:
            return web.page(request, "error.html", status=404, title="Not found",
                            message=f"no message {uid!r} in this store")
        forwards = browse.forwards_of(corpus, msg).to_dicts()
        cascade = _cascade_of(web, uid)
        reused = []
        if cascade and cascade.get("reuse_forwards"):
            known = {f["uid"] for f in forwards}
            extra = [u for u in cascade["reuse_forwards"] if u not in known]
            reused = browse.messages_by_uid(corpus, extra[:200]).to_dicts()
        meta = [(k, v) for k, v in msg.items() if k not in ("text",) and v not in (None, [], "")]
        rows = [{**f, "spans": []} for f in forwards + reused]
        return web.page(request, "message.html", title="Message", msg=msg, meta=meta, forwards=rows,
                        cascade=cascade)

    return await threaded(work)


def routes() -> list[Route]:
    return [
        Route("/", overview, name="overview"),
        Route("/messages", messages, name="messages"),
        Route("/messages/export.{fmt}", export_messages, name="export_messages"),
        Route("/message/{uid}", message, name="message"),
    ]
