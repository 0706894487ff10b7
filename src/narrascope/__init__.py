"""narrascope: turn claims about online information campaigns into measured, validated numbers.

The curated public API (everything else lives in the subpackages: ``narrascope.frames``, ``.reuse``, ``.validate``,
``.report``, ``.demo``, ``.ingest``, ``.text``)::

    with Corpus.open("corpus.duckdb") as corpus:
        corpus.ingest(["ChatExport/"], IngestOptions(tz="Asia/Tehran"))
        shares = frame_shares(corpus, load_lexicon("lexicon.yaml"), by=("channel", "month"))
        reuse = find_reuse(corpus, ReuseOptions(threshold=0.5))
        build_report(corpus, Path("report.html"), ReportOptions(lexicon=Path("lexicon.yaml")))
"""

__version__ = "0.1.0"

from .demo import DemoConfig, generate_demo  # noqa: E402
from .errors import NarrascopeError  # noqa: E402
from .frames import Lexicon, Matcher, load_lexicon, match_corpus  # noqa: E402
from .frames.prevalence import frame_shares  # noqa: E402
from .ingest.base import IngestOptions  # noqa: E402
from .report import ReportOptions, build_report  # noqa: E402
from .reuse import ReuseOptions, find_reuse, load_reuse  # noqa: E402
from .store.corpus import Corpus  # noqa: E402
from .validate import validated_frame_shares  # noqa: E402

__all__ = [
    "Corpus",
    "DemoConfig",
    "IngestOptions",
    "Lexicon",
    "Matcher",
    "NarrascopeError",
    "ReportOptions",
    "ReuseOptions",
    "__version__",
    "build_report",
    "find_reuse",
    "frame_shares",
    "generate_demo",
    "load_lexicon",
    "load_reuse",
    "match_corpus",
    "validated_frame_shares",
]
