"""What the server keeps between requests: the shared store, the job runner, the templates, small caches."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from ..store.search_directories import ChannelDirectory, UidDirectory
from ..store.serving import SharedStore
from . import render as r
from .caches import PostingCache, RowCache
from .jobs import JobManager

__all__ = ["WebState", "state", "threaded"]

T = TypeVar("T")
TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> jinja2.Environment:
    # auto_reload off: the templates are package files, and checking each one's mtime on every use (a message
    # row's include runs fifty times a page) cost a stat call per row
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(lag=r.fmt_lag, num=r.fmt_num, pct=r.fmt_pct, date=r.fmt_date, highlight=r.highlight, marked=r.marked_text)
    return env


@dataclass
class WebState:
    store: SharedStore
    host: str
    jobs: JobManager = field(default_factory=JobManager)
    templates: Jinja2Templates = field(default_factory=lambda: Jinja2Templates(env=_environment()))
    postings: PostingCache = field(default_factory=PostingCache)
    rows: RowCache = field(default_factory=RowCache)
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock)
    _token: str | None = None
    _index_ready: bool = False
    _runs: tuple[int, list[dict[str, Any]]] = (-1, [])
    _uids: tuple[str, UidDirectory] | None = None
    _load_lock: threading.Lock = field(default_factory=threading.Lock)
    _loading: bool = False
    _channels: tuple[str, ChannelDirectory] | None = None

    @property
    def token(self) -> str:
        """The corpus state. Constant while the server runs: it holds the store, so nobody else can ingest (and
        the server itself never does)."""
        if self._token is None:
            self._token = self.store.reader().state_token()
        return self._token

    def index_ready(self) -> bool:
        """Whether the search index matches the corpus (once true, true until the server stops)."""
        if not self._index_ready:
            from ..store.search import index_status

            self._index_ready = bool(index_status(self.store.reader())["ready"])
        return self._index_ready

    def uid_rowid(self, uid: str) -> int | None:
        """The messages rowid of ``uid`` (None when the index does not hold it; call only when
        :meth:`index_ready`). From the index's uid directory, kept in memory once per corpus state (apart from
        the small caches, which would evict it); until it is loaded (~0.4 s for a million messages, on a thread
        of its own: :meth:`load_directories`) the index's table answers, so no request waits for the load."""
        held = self._uids
        if held is not None and held[0] == self.token:
            return held[1].rowid(uid)
        self.load_directories()
        from ..store.search import message_hint

        return message_hint(self.store.reader(), None, uid)

    def channel_directory(self) -> ChannelDirectory:
        """Each indexed message's channel, loaded once per corpus state (~0.2 s for a million messages, usually
        in the background from startup). Call only when :meth:`index_ready`."""
        held = self._channels
        if held is None or held[0] != self.token:
            from ..store.search_directories import channel_directory

            with self._load_lock:
                held = self._channels
                if held is None or held[0] != self.token:
                    held = (self.token, channel_directory(self.store.reader(), verified=True))
                    self._channels = held
        return held[1]

    def load_directories(self) -> None:
        """Start loading the channel and uid directories in the background (once at a time)."""
        with self._load_lock:
            if not self._loading:
                self._loading = True
                threading.Thread(target=self._load_directories, name="directories", daemon=True).start()

    def _load_directories(self) -> None:
        from ..store.search_directories import uid_directory

        try:
            self.channel_directory()
            token = self.token
            self._uids = (token, uid_directory(self.store.reader(), verified=True))
        except Exception:
            if not self.store.closed:  # a server stopping while it loads: nothing to report
                raise
        finally:
            with self._load_lock:
                self._loading = False

    def analyses(self) -> frozenset[str]:
        """Analyses with stored results (read again after each write this process makes: jobs publish new
        ones, and nobody else writes while the server holds the store)."""
        return frozenset(a["analysis"] for a in self.result_runs())

    def result_runs(self, analysis: str | None = None) -> list[dict[str, Any]]:
        """The results registry (``results.list``), read once per store generation (see
        :attr:`SharedStore.generation`) instead of once per page."""
        generation = self.store.generation
        at, runs = self._runs
        if at != generation:
            runs = self.store.reader().results.list()
            self._runs = (generation, runs)
        return [r for r in runs if analysis is None or r["analysis"] == analysis]

    def cached(self, key: tuple[Any, ...], compute: Callable[[], T], limit: int = 64) -> T:
        """A value computed once per key (keys include the corpus state, so an ingest invalidates them)."""
        with self._cache_lock:
            if key in self._cache:
                return self._cache[key]
        value = compute()
        with self._cache_lock:
            if len(self._cache) >= limit:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = value
        return value

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        """Render a template with what every page needs (CSRF token, navigation)."""
        analyses = self.analyses()
        context.setdefault("title", "")
        base = {
            "request": request,
            "csrf_token": request.state.csrf_token,
            "read_only": self.store.read_only,
            "db_name": self.store.path.name,
            "active_jobs": self.jobs.active(),
            # the network view arrives with the network analyses: its entry shows once their results exist
            "has_network": any(a.startswith(("network", "coordination")) for a in analyses),
            "has_reuse": "reuse_cascades" in analyses,
            "htmx": request.headers.get("hx-request") == "true",
        }
        return self.templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    def fragment(self, request: Request, name: str, **context: Any) -> HTMLResponse:
        """Render a partial template (an htmx swap target)."""
        template = self.templates.env.get_template(name)
        html = template.render(csrf_token=request.state.csrf_token, read_only=self.store.read_only, **context)
        return HTMLResponse(html)


def state(request: Request) -> WebState:
    return request.app.state.web


async def threaded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (DuckDB queries, rendering) on a worker thread."""
    return await run_in_threadpool(fn, *args, **kwargs)
