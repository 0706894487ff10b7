"""Background jobs: the list, one job's progress (polled by htmx), cancelling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .state import state

__all__ = ["routes"]


async def jobs_page(request: Request) -> Response:
    web = state(request)
    return web.page(request, "jobs.html", title="Jobs", jobs=web.jobs.all())


async def job_status(request: Request) -> Response:
    """One job's progress fragment; when a page asked for it (``refresh=1``) and the job ended, htmx reloads
    the page so its results show."""
    web = state(request)
    job = web.jobs.get(request.path_params["job_id"])
    if job is None:
        return web.page(request, "error.html", status=404, title="Not found", message="no such job (it ended "
                        "long ago, or the server was restarted)")
    response = web.fragment(request, "_job.html", job=job, refresh=request.query_params.get("refresh") == "1")
    if not job.active and request.query_params.get("refresh") == "1" and job.status == "done":
        response.headers["HX-Refresh"] = "true"
    return response


async def job_cancel(request: Request) -> Response:
    web = state(request)
    job = web.jobs.cancel(request.path_params["job_id"])
    if job is None:
        return web.page(request, "error.html", status=404, title="Not found", message="no such job")
    return web.fragment(request, "_job.html", job=job, refresh=False)


def routes(post: Callable[..., Any]) -> list[Route]:
    return [
        Route("/jobs", jobs_page, name="jobs"),
        Route("/jobs/{job_id}", job_status, name="job"),
        post("/jobs/{job_id}/cancel", job_cancel, "job_cancel"),
    ]
