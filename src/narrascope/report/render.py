"""The Jinja2 environment shared by the page and its sections (autoescaping on, strict undefined)."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

__all__ = ["environment", "human_when", "json_for_script", "render"]


def json_for_script(data: Any) -> Markup:
    """JSON safe to place inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` are written as \\u escapes so no value can close the script element; non-ASCII text
    (Persian, Arabic) stays readable.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, default=str, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _number(value: Any) -> str:
    """Thousands separators for integers; floats to two decimals; empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _percent(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value * 100:.{digits}f}%"


def human_when(value: datetime | date | str | None, *, time: bool = True, zone: bool = True) -> Markup:
    """A timestamp as a reader scans it — ``3 Jan 2024, 14:05 UTC`` (``time=False``: ``3 Jan 2024``) — inside
    ``<time datetime="ISO">`` so the exact value stays machine-readable. Accepts datetimes (UTC), dates and the ISO
    strings the store's info gives ("2024-01-03", "2024-01-03T14:05:00Z"); empty for None. ``zone=False`` leaves out
    " UTC" (for a column whose header says it)."""
    if value is None or value == "":
        return Markup("")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return Markup(escape(text))
    if isinstance(value, datetime):
        shown = f"{value.day} {value:%b %Y}" + (f", {value:%H:%M}" + (" UTC" if zone else "") if time else "")
        iso = value.isoformat().replace("+00:00", "Z")
    else:
        shown, iso = f"{value.day} {value:%b %Y}", value.isoformat()
    return Markup(f'<time datetime="{escape(iso)}">{escape(shown)}</time>')


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("narrascope.report", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    env.filters["percent"] = _percent
    env.filters["json_for_script"] = json_for_script
    env.filters["when"] = human_when
    return env


def render(template: str, **context: Any) -> Markup:
    """Render a template from report/templates/ into a safe fragment."""
    return Markup(environment().get_template(template).render(**context))
