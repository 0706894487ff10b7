"""Cascades: the list of the latest reuse run, one cascade's timeline, two members side by side with their aligned
passages, and running reuse in the background (a child process, so cancelling stops it at once)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..reuse import ReuseOptions, ReuseResult, align, find_reuse_frame, load_reuse
from ..reuse.pipeline import TABLES, option_fields
from ..store import browse
from .export import FORMATS, export_frame
from .jobs import Job, run_in_child
from .render import highlight
from .state import WebState, state, threaded

__all__ = ["reuse_result", "routes"]

PAGE = 50
_INPUT = ["uid", "channel_id", "channel", "message_id", "posted_at", "text", "fwd_from_name", "fwd_from_id",
          "fwd_posted_at"]


def reuse_result(web: WebState) -> ReuseResult | None:
    """The latest stored reuse run (loaded once per run key and kept in memory)."""
    corpus = web.store.reader()
    runs = web.result_runs("reuse_cascades")
    if not runs:
        return None
    return web.cached(("reuse", runs[-1]["result_key"]), lambda: load_reuse(corpus), limit=64)


def _reuse_child(messages_path: str, options_json: str, out_dir: str) -> None:
    """In a spawned process: reuse over the exported messages, tables written as Parquet (plus stats)."""
    options = ReuseOptions(**json.loads(options_json))
    result = find_reuse_frame(pl.read_parquet(messages_path), options)
    for name in TABLES:
        getattr(result, name).write_parquet(Path(out_dir) / f"{name}.parquet")
    (Path(out_dir) / "stats.json").write_text(json.dumps(result.stats, default=str), encoding="utf-8")


def _options(form: dict[str, Any]) -> ReuseOptions:
    """ReuseOptions from form fields (one per dataclass field, as the CLI's flags)."""
    values: dict[str, Any] = {}
    for name, _hint, default, _ in option_fields():
        raw = form.get(name)
        if name == "workers":
            continue
        if isinstance(default, bool):
            values[name] = raw in ("on", "true", "1")
            continue
        if raw is None or str(raw).strip() == "":
            continue
        kind = type(default) if default is not None else str
        try:
            values[name] = kind(str(raw).strip())
        except ValueError:
            raise UsageError(f"{name}: {raw!r} is not a {kind.__name__}") from None
    return ReuseOptions(**values)


def _run_reuse(web: WebState, options: ReuseOptions) -> Job:
    store = web.store

    def run(job: Job) -> dict[str, Any]:
        corpus = store.job_corpus()
        try:
            with tempfile.TemporaryDirectory(prefix="narrascope-reuse-") as tmp:
                job.progress(0, None, "reading messages")
                messages = corpus.messages(since=options.since, until=options.until, columns=_INPUT)
                messages.write_parquet(Path(tmp) / "messages.parquet")
                job.progress(0, None, f"finding reuse among {messages.height:,} messages")
                run_in_child(job, _reuse_child, str(Path(tmp) / "messages.parquet"),
                             json.dumps(asdict(options)), tmp)
                job.check()
                tables = {f"reuse_{name}": pq.read_table(Path(tmp) / f"{name}.parquet") for name in TABLES}
                stats = json.loads((Path(tmp) / "stats.json").read_text(encoding="utf-8"))
            job.progress(1, 1, "publishing")
            # as find_reuse publishes: every table in one transaction, so a cancelled run is never "the latest"
            key = options.cache_key(corpus.state_token())
            corpus.results.save_many(tables, key, {"reuse_cascades": {"options": asdict(options), "stats": stats}})
            return {"cascades": tables["reuse_cascades"].num_rows, "link": "/cascades"}
        finally:
            corpus.close()

    return web.jobs.submit("reuse", "finding text reuse", run, dedupe_key="reuse")


async def cascades_page(request: Request) -> Response:
    web = state(request)

    def work() -> Response:
        result = reuse_result(web)
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        fields_ = [{"name": n, "default": d, "help": h, "bool": isinstance(d, bool)}
                   for n, _, d, h in option_fields() if n != "workers"]
        if result is None:
            return web.page(request, "cascades.html", title="Cascades", result=None, rows=[], page=1, pages=0,
                            fields=fields_, jobs=web.jobs.active("reuse"))
        total = result.cascades.height
        rows = result.cascades.slice((page - 1) * PAGE, PAGE).to_dicts()
        return web.page(request, "cascades.html", title="Cascades", result=result, rows=rows, page=page,
                        pages=(total + PAGE - 1) // PAGE, total=total, fields=fields_,
                        jobs=web.jobs.active("reuse"))

    return await threaded(work)


async def cascades_export(request: Request) -> Response:
    web = state(request)
    fmt = request.path_params["fmt"]
    if fmt not in FORMATS:
        raise UsageError(f"export format {fmt!r}: choose csv or parquet")
    result = await threaded(reuse_result, web)
    if result is None:
        raise UsageError("no reuse results yet: run reuse first")
    return export_frame(result.cascades, fmt, "cascades")


async def cascade_export(request: Request) -> Response:
    """One cascade's members (time order, relations, lags) as CSV or Parquet."""
    web = state(request)
    fmt, cid = request.path_params["fmt"], request.path_params["cascade_id"]
    if fmt not in FORMATS:
        raise UsageError(f"export format {fmt!r}: choose csv or parquet")
    result = await threaded(reuse_result, web)
    if result is None or cid not in set(result.cascades["cascade_id"].to_list()):
        raise UsageError(f"no cascade {cid!r} in the latest reuse run")
    return export_frame(result.cascade(cid), fmt, f"cascade-{cid}")


async def reuse_start(request: Request) -> Response:
    web = state(request)
    form = dict(await request.form())
    options = _options(form)
    job = _run_reuse(web, options)
    if request.headers.get("hx-request") == "true":
        return web.fragment(request, "_job.html", job=job, refresh=True)
    return RedirectResponse("/jobs", status_code=303)


def _timeline(members: list[dict[str, Any]]) -> dict[str, Any]:
    """SVG geometry: one row per channel, members placed by time (undated members at the left edge)."""
    dated = [m["posted_at"] for m in members if m["posted_at"] is not None]
    lo = min(dated) if dated else None
    hi = max(dated) if dated else None
    span = (hi - lo).total_seconds() if lo is not None and hi is not None else 0
    channels = list(dict.fromkeys(m["channel"] or m["channel_id"] for m in members))
    width, row, left = 760, 26, 170
    points = []
    for m in members:
        x = left + (((m["posted_at"] - lo).total_seconds() / span * (width - left - 20)) if span and lo and
                    m["posted_at"] is not None else 0)
        y = 14 + row * channels.index(m["channel"] or m["channel_id"])
        points.append({"x": round(x, 1), "y": y, "m": m})
    return {"width": width, "height": 20 + row * len(channels), "left": left,
            "rows": [{"y": 14 + row * i, "name": c} for i, c in enumerate(channels)], "points": points}


async def cascade_page(request: Request) -> Response:
    web = state(request)
    cid = request.path_params["cascade_id"]

    def work() -> Response:
        result = reuse_result(web)
        if result is None:
            raise UsageError("no reuse results yet: run reuse from the cascades page")
        ids = [c for c in result.cascades["cascade_id"].to_list() if c.startswith(cid)]
        if len(ids) != 1:
            raise UsageError(f"cascade {cid!r}: {'no cascade has that id' if not ids else 'ambiguous id'}")
        members = result.cascade(ids[0]).to_dicts()
        summary = result.cascades.filter(pl.col("cascade_id") == ids[0]).row(0, named=True)
        uids = [m["uid"] for m in members]
        q = request.query_params
        default_b = next((m for m in members if m["direct_parent"]), members[-1])
        b_uid = str(q["b"]) if q.get("b") in uids else str(default_b["uid"])
        b_member = next(m for m in members if m["uid"] == b_uid)
        a_uid = str(q["a"]) if q.get("a") in uids else str(b_member["parent_uid"] or members[0]["uid"])
        texts = {r["uid"]: r["text"] or "" for r in
                 browse.messages_by_uid(web.store.reader(), [a_uid, b_uid], ["uid", "text"]).to_dicts()}
        alignment = align(texts.get(a_uid, ""), texts.get(b_uid, ""))
        side = {
            "a": {"uid": a_uid, "html": highlight(texts.get(a_uid), [(p.a_start, p.a_end) for p in alignment.passages]),
                  "member": next(m for m in members if m["uid"] == a_uid)},
            "b": {"uid": b_uid, "html": highlight(texts.get(b_uid), [(p.b_start, p.b_end) for p in alignment.passages]),
                  "member": b_member},
            "passages": [{"tokens": p.tokens, "a": texts.get(a_uid, "")[p.a_start:p.a_end],
                          "b": texts.get(b_uid, "")[p.b_start:p.b_end]} for p in alignment.passages],
        }
        return web.page(request, "cascade.html", title="Cascades", summary=summary, members=members,
                        timeline=_timeline(members), side=side)

    return await threaded(work)


def routes(post: Callable[..., Any]) -> list[Route]:
    assert {f.name for f in fields(ReuseOptions)} >= {n for n, *_ in option_fields()}
    return [
        Route("/cascades", cascades_page, name="cascades"),
        Route("/cascades/export.{fmt}", cascades_export, name="cascades_export"),
        post("/cascades/run", reuse_start, "reuse_start"),
        Route("/cascade/{cascade_id}", cascade_page, name="cascade"),
        Route("/cascade/{cascade_id}/export.{fmt}", cascade_export, name="cascade_export"),
    ]
