"""Validation: draw or import a sample, code it one message at a time from the keyboard (blind double coding),
watch agreement, adjudicate, see corrected shares, export and import the CLI's CSV format.

Blindness: the coding screen and its fragments render only the coder's own labels; other coders' labels appear
only on the agreement page, meant for whoever adjudicates. Every decision is written through store/coding.py in
its own transaction before the response (the acknowledgement) is sent.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..frames.prevalence import GROUPS
from ..store import coding
from ..validate import sample_corpus
from . import coding_files, lexicons
from .export import download_name
from .jobs import Job
from .state import WebState, state, threaded

__all__ = ["routes"]


def _coder(value: Any) -> str:
    return coding.clean_name(str(value or ""), "coder name")


async def validate_page(request: Request) -> Response:
    web = state(request)

    def work() -> Response:
        corpus = web.store.reader()
        available = lexicons.available(corpus)
        frames = []
        for lex in available:
            try:
                frames += [(lex, f.id) for f in lexicons.load(corpus, lex["lexicon_hash"]).frames]
            except UsageError:
                continue
        return web.page(request, "validate.html", title="Validation", samples=coding.samples(corpus),
                        frames=frames, groups=GROUPS, jobs=web.jobs.active("sample"))

    return await threaded(work)


async def sample_create(request: Request) -> Response:
    web = state(request)
    form = await request.form()
    lexicon_hash, _, frame = str(form.get("frame", "")).partition("|")
    name = coding.clean_name(str(form.get("name", "")) or f"{frame} sample", "sample name")
    try:
        n = int(str(form.get("n", "400")))
        seed = int(str(form.get("seed", "0")))
        hit_share = float(str(form.get("hit_share", "0.5")))
    except ValueError:
        raise UsageError("n and seed are whole numbers, the hit share a number between 0 and 1") from None
    by = [b for b in form.getlist("by") if isinstance(b, str) and b]
    lexicon = await threaded(lexicons.load, web.store.reader(), lexicon_hash)
    store = web.store

    def run(job: Job) -> dict[str, Any]:
        corpus = store.job_corpus()
        try:
            job.progress(0, None, "matching and drawing")
            rows = sample_corpus(corpus, lexicon, frame, n, by=by, seed=seed, hit_share=hit_share)
            job.check()
            with store.writer() as writer:
                lexicons.ensure_stored(writer, lexicon)
                key = coding.create_sample(writer, rows, name=name, frame=frame, lexicon_hash=lexicon.content_hash,
                                           params={"n": n, "by": by, "seed": seed, "hit_share": hit_share})
            return {"sample": key, "link": f"/validate/{key}"}
        finally:
            corpus.close()

    job = web.jobs.submit("sample", f"drawing sample {name!r}", run)
    return web.fragment(request, "_job.html", job=job, refresh=False)


async def sample_import(request: Request) -> Response:
    """A sample file drawn by `narrascope validate sample` (coded or not) becomes a coding sample."""
    web = state(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise UsageError("choose a sample CSV to import")
    raw = await upload.read(coding_files.MAX_UPLOAD + 1)
    filename = upload.filename or "sample.csv"

    def work() -> Response:
        rows = coding_files.parse_upload(raw, filename)
        frames = {r["frame"] for r in rows}
        hashes = {r["lexicon"].removeprefix("sha256:") for r in rows}
        if len(frames) != 1 or len(hashes) != 1:
            raise UsageError("the file holds several frames or lexicons: import one sample file at a time")
        frame = rows[0]["frame"]
        items = pl.DataFrame([{c: r.get(c, "") for c in coding.ITEM_COLUMNS} for r in rows])
        with web.store.writer() as writer:
            key = coding.create_sample(writer, items, name=Path(filename).stem or "imported", frame=frame,
                                       lexicon_hash=hashes.pop(), params={"imported_from": filename})
            labelled = [(r["sample_id"], r["coder"], r["label"], r.get("note")) for r in rows if r["label"]]
            if labelled:
                coding.import_labels(writer, key, labelled)
        return RedirectResponse(f"/validate/{key}", status_code=303)

    return await threaded(work)


async def sample_home(request: Request) -> Response:
    web = state(request)
    sample = request.path_params["sample"]

    def work() -> Response:
        corpus = web.store.reader()
        info = coding.get_sample(corpus, sample)
        n_items = coding.items(corpus, sample).height
        per_coder = (coding.labels(corpus, sample).group_by("coder").agg(pl.len().alias("labels")).sort("coder")
                     .to_dicts())
        known = coding.get_lexicon(corpus, info["lexicon_hash"]) is not None or \
            info["lexicon_hash"] == lexicons.available(corpus)[0]["lexicon_hash"]
        return web.page(request, "sample.html", title="Validation", info=info, n_items=n_items,
                        coders=per_coder, lexicon_known=known)

    return await threaded(work)


def _item_context(web: WebState, sample: str, coder: str, item: str | None) -> dict[str, Any]:
    """What the coding screen shows ``coder``: one item, their own label for it, their progress. Nothing of
    other coders."""
    corpus = web.store.reader()
    info = coding.get_sample(corpus, sample)
    items = coding.items(corpus, sample)
    mine = {r["sample_id"]: r for r in coding.labels(corpus, sample, coder).to_dicts()}
    ids = items["sample_id"].to_list()
    if item not in ids:
        item = next((i for i in ids if i not in mine), ids[-1] if ids else None)
    if item is None:
        raise UsageError("the sample has no items")
    pos = ids.index(item)
    row = items.row(pos, named=True)
    return {"info": info, "item": row, "coder": coder, "mine": mine.get(item), "done": len(mine),
            "total": len(ids), "position": pos + 1, "prev": ids[pos - 1] if pos > 0 else None,
            "next": ids[pos + 1] if pos + 1 < len(ids) else None, "complete": len(mine) == len(ids)}


def _next_unlabelled(web: WebState, sample: str, coder: str, after: str) -> str | None:
    """The first item after ``after`` (wrapping) that the coder has not labelled; None when all are."""
    corpus = web.store.reader()
    ids = coding.items(corpus, sample)["sample_id"].to_list()
    mine = set(coding.labels(corpus, sample, coder)["sample_id"].to_list())
    start = ids.index(after) + 1 if after in ids else 0
    for i in ids[start:] + ids[:start]:
        if i not in mine:
            return i
    return None


async def code_page(request: Request) -> Response:
    web = state(request)
    sample = request.path_params["sample"]
    q = request.query_params
    if not q.get("coder", "").strip():
        return RedirectResponse(f"/validate/{sample}", status_code=303)
    coder = _coder(q.get("coder"))

    def work() -> Response:
        ctx = _item_context(web, sample, coder, q.get("item"))
        if request.headers.get("hx-target") == "coding":
            return web.fragment(request, "_code_item.html", ack=None, **ctx)
        return web.page(request, "code.html", title="Validation", ack=None, **ctx)

    return await threaded(work)


async def code_label(request: Request) -> Response:
    web = state(request)
    sample = request.path_params["sample"]
    form = await request.form()
    coder, item, label = _coder(form.get("coder")), str(form.get("item", "")), str(form.get("label", ""))
    note = str(form.get("note", "")).strip() or None

    def work() -> Response:
        with web.store.writer() as writer:
            seq = coding.set_label(writer, sample, item, coder, label, note)
        nxt = _next_unlabelled(web, sample, coder, item)
        ctx = _item_context(web, sample, coder, nxt or item)
        return web.fragment(request, "_code_item.html", ack={"seq": seq, "item": item, "label": label}, **ctx)

    return await threaded(work)


async def code_undo(request: Request) -> Response:
    web = state(request)
    sample = request.path_params["sample"]
    form = await request.form()
    coder = _coder(form.get("coder"))

    def work() -> Response:
        with web.store.writer() as writer:
            undone = coding.undo_last(writer, sample, coder)
        ctx = _item_context(web, sample, coder, undone or str(form.get("item", "")))
        return web.fragment(request, "_code_item.html", ack={"undo": undone}, **ctx)

    return await threaded(work)


async def code_note(request: Request) -> Response:
    web = state(request)
    sample = request.path_params["sample"]
    form = await request.form()
    coder, item = _coder(form.get("coder")), str(form.get("item", ""))

    def work() -> Response:
        with web.store.writer() as writer:
            coding.set_note(writer, sample, item, coder, str(form.get("note", "")).strip())
        ctx = _item_context(web, sample, coder, item)
        return web.fragment(request, "_code_item.html", ack={"note": item}, **ctx)

    return await threaded(work)


def _stats(web: WebState, sample: str, by: list[str]) -> dict[str, Any]:
    corpus = web.store.reader()
    info = coding.get_sample(corpus, sample)
    result = web.cached(("agreement", sample, coding.version(corpus, sample)),
                        lambda: coding_files.agreement(corpus, sample))
    items = {r["sample_id"]: r for r in coding.items(corpus, sample).to_dicts()}
    adjudicated = {r["sample_id"]: r for r in coding.adjudications(corpus, sample).to_dicts()}
    ctx: dict[str, Any] = {"info": info, "result": result, "items": items, "adjudicated": adjudicated, "by": by,
                           "corrected": None, "corrected_error": None, "min_per_side": coding_files.MIN_PER_SIDE}
    if result and result["enough"]:
        def compute() -> dict[str, Any]:
            try:
                table, warnings, used_adj = coding_files.corrected(corpus, sample, by)
                return {"corrected": {"rows": table.to_dicts(), "warnings": warnings, "adjudicated": used_adj}}
            except UsageError as exc:
                return {"corrected_error": str(exc)}

        # the page refreshes every few seconds: recompute only when a decision changed
        ctx.update(web.cached(("corrected", sample, coding.version(corpus, sample), tuple(by), web.token),
                              compute))
    return ctx


def _by(request: Request) -> list[str]:
    by = [b for b in request.query_params.getlist("by") if b in GROUPS]
    return by if "by" in request.query_params else ["channel"]


async def agreement_page(request: Request) -> Response:
    web = state(request)
    sample = request.path_params["sample"]
    by = _by(request)

    def work() -> Response:
        ctx = _stats(web, sample, by)
        if request.headers.get("hx-target") == "stats":
            return web.fragment(request, "_stats.html", **ctx)
        return web.page(request, "agreement.html", title="Validation", groups=GROUPS, **ctx)

    return await threaded(work)


async def adjudicate(request: Request) -> Response:
    web = state(request)
    sample = request.path_params["sample"]
    form = await request.form()
    label = str(form.get("label", ""))
    by = [b for b in form.getlist("by") if isinstance(b, str) and b in GROUPS] or ["channel"]

    def work() -> Response:
        with web.store.writer() as writer:
            coding.set_adjudication(writer, sample, str(form.get("item", "")), label or None,
                                    _coder(form.get("adjudicator") or "adjudicator"), str(form.get("note", "")) or None)
        return web.fragment(request, "_stats.html", **_stats(web, sample, by))

    return await threaded(work)


async def export_coded(request: Request) -> Response:
    """One coder's file (``?coder=``), or the adjudicated file (``?adjudicated=1``), in the CLI's format."""
    web = state(request)
    sample = request.path_params["sample"]
    q = request.query_params

    def work() -> Response:
        corpus = web.store.reader()
        info = coding.get_sample(corpus, sample)
        if q.get("adjudicated") == "1":
            with coding_files.coded_files(corpus, sample, adjudicated=True) as paths:
                chosen = [p for p in paths if p.stem == coding_files.ADJUDICATED]
                if not chosen:
                    raise UsageError("no item was adjudicated yet: export each coder's file instead")
                data = chosen[0].read_bytes()
            stem = f"{info['name']}-{coding_files.ADJUDICATED}"
        else:
            coder = _coder(q.get("coder"))
            with tempfile.TemporaryDirectory() as tmp:
                from ..validate.sample import write_sample_csv

                path = write_sample_csv(coding_files.coder_frame(corpus, sample, coder), Path(tmp) / "coded.csv")
                data = path.read_bytes()
            stem = f"{info['name']}-{coder}"
        return Response(data, media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="{download_name(stem, "csv")}"',
            "cache-control": "no-store"})

    return await threaded(work)


async def import_coded(request: Request) -> Response:
    """Labels from coded CSVs of this sample (several files: several coders)."""
    web = state(request)
    sample = request.path_params["sample"]
    form = await request.form()
    files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
    if not files:
        raise UsageError("choose one or more coded CSV files")
    uploads = [(await f.read(coding_files.MAX_UPLOAD + 1), f.filename or "coder.csv") for f in files]

    def work() -> Response:
        corpus = web.store.reader()
        known = set(coding.items(corpus, sample)["sample_id"].to_list())
        checks = dict(zip(*coding.items(corpus, sample).select("sample_id", "check").to_dict(as_series=False)
                          .values(), strict=True))
        rows: list[tuple[str, str, str, str | None]] = []
        for raw, name in uploads:
            for r in coding_files.parse_upload(raw, name):
                if r["sample_id"] not in known or checks.get(r["sample_id"]) != r["check"]:
                    raise UsageError(f"{Path(name).name}: row {r['sample_id']} is not an item of this sample "
                                     "(another draw?): import it as a new sample instead")
                if r["label"]:
                    rows.append((r["sample_id"], r["coder"], r["label"], r.get("note") or None))
        with web.store.writer() as writer:
            coding.import_labels(writer, sample, rows)
        return RedirectResponse(f"/validate/{sample}", status_code=303)

    return await threaded(work)


def routes(post: Callable[..., Any]) -> list[Route]:
    return [
        Route("/validate", validate_page, name="validate"),
        post("/validate/new", sample_create, "sample_create"),
        post("/validate/import", sample_import, "sample_import"),
        Route("/validate/{sample}", sample_home, name="sample"),
        Route("/validate/{sample}/code", code_page, name="code"),
        post("/validate/{sample}/label", code_label, "code_label"),
        post("/validate/{sample}/undo", code_undo, "code_undo"),
        post("/validate/{sample}/note", code_note, "code_note"),
        Route("/validate/{sample}/agreement", agreement_page, name="agreement"),
        post("/validate/{sample}/adjudicate", adjudicate, "adjudicate"),
        Route("/validate/{sample}/export.csv", export_coded, name="export_coded"),
        post("/validate/{sample}/import", import_coded, "import_coded"),
    ]
