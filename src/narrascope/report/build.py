"""Build the HTML report: run every discovered section, render the page, write it atomically.

The page is self-contained (inline CSS and SVG, no external assets, nothing fetched) so it can be mailed or archived
as one file. The output is written to a temporary file in the target folder and moved into place with
:func:`os.replace`: a failure in any section leaves no half-written report, and an earlier report stays intact.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from .._version import __version__
from ..errors import UsageError
from ..store.corpus import Corpus
from . import sections as section_modules
from .model import ReportOptions, Section
from .render import environment

__all__ = ["build_report", "build_sections", "render_page", "write_report"]


def build_sections(corpus: Corpus, options: ReportOptions) -> list[Section]:
    """Run each section module in order; sections returning None (nothing to show) are left out."""
    built: list[Section] = []
    for module in section_modules.discover():
        section = module.build(corpus, options)
        if section is None:
            continue
        if not isinstance(section, Section):
            raise TypeError(f"{module.__name__}.build returned {type(section).__name__}, not Section or None")
        if any(s.id == section.id for s in built):
            raise ValueError(f"two report sections share the id {section.id!r}")
        built.append(section)
    return built


def render_page(corpus: Corpus, sections: list[Section], options: ReportOptions) -> str:
    return environment().get_template("base.html").render(
        title=options.title,
        store=str(corpus.path),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        version=__version__,
        sections=sections,
    )


def _check_output(output: Path) -> None:
    if output.is_dir():
        raise UsageError(f"{output} is a folder: -o takes the path of an .html file")
    if not output.parent.is_dir():
        raise UsageError(f"folder {output.parent} does not exist: create it or choose another -o path")


def _file_mode(output: Path) -> int:
    """Keep an existing report's permissions; a new one gets the usual 0666 minus the umask (temp files are 0600)."""
    if output.exists():
        return output.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(output: Path, text: str) -> None:
    """Write ``text`` to ``output`` through a temporary sibling and :func:`os.replace`."""
    fd, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(output))
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_report(corpus: Corpus, output: str | Path, options: ReportOptions | None = None) -> list[Section]:
    """Like :func:`build_report`, but returns the sections written (for callers that list them)."""
    options = options or ReportOptions()
    output = Path(output)
    _check_output(output)
    sections = build_sections(corpus, options)
    write_atomic(output, render_page(corpus, sections, options))
    return sections


def build_report(corpus: Corpus, output: str | Path, options: ReportOptions | None = None) -> Path:
    """Render the report for ``corpus`` into ``output`` (an .html file) and return its path.

    Sections are built before anything is written, and the file is replaced atomically, so an exception in any
    section leaves ``output`` as it was.
    """
    write_report(corpus, output, options)
    return Path(output)
