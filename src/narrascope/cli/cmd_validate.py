"""narrascope validate sample | score — validation samples for coders, and scoring the coded files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..errors import UsageError
from .common import db_option, echo, emit_json, err_console, json_option, open_corpus, out_console


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _pct(x: Any) -> str:
    return "-" if x is None or x != x else f"{100 * x:.1f}%"


def _print_score(report: dict[str, Any]) -> None:
    out = out_console()
    for entry in report["frames"]:
        acc = entry["accuracy"]
        t = Table(title=f"frame {entry['frame']}: dictionary accuracy ({acc['population']} messages, "
                        f"{acc['population_hits']} hits)", title_justify="left")
        for c in ("measure", "estimate", "95% interval", "coded"):
            t.add_column(c)
        t.add_row("precision (PPV)", _pct(acc["precision"]["estimate"]),
                  f"{_pct(acc['precision']['lower'])} – {_pct(acc['precision']['upper'])}",
                  str(acc["precision"]["coded"]))
        t.add_row("NPV", _pct(acc["npv"]["estimate"]), f"{_pct(acc['npv']['lower'])} – {_pct(acc['npv']['upper'])}",
                  str(acc["npv"]["coded"]))
        t.add_row("sensitivity (recall)", _pct(acc["sensitivity"]),
                  f"{_pct(acc['sensitivity_lower'])} – {_pct(acc['sensitivity_upper'])}", "")
        t.add_row("specificity", _pct(acc["specificity"]),
                  f"{_pct(acc['specificity_lower'])} – {_pct(acc['specificity_upper'])}", "")
        t.add_row("true share (all messages)", _pct(acc["true_share"]),
                  f"{_pct(acc['true_share_lower'])} – {_pct(acc['true_share_upper'])}", "")
        out.print(t)
        if entry["terms"]:
            tt = Table(title="per-term precision (worst first)", title_justify="left")
            for c in ("term", "coded", "false", "precision", "95% interval"):
                tt.add_column(c)
            for r in entry["terms"][:30]:
                tt.add_row(r["term"], str(r["coded"]), f"{r['false']:g}", _pct(r["precision"]),
                           f"{_pct(r['lower'])} – {_pct(r['upper'])}")
            out.print(tt)
        ag = entry.get("agreement")
        if ag:
            out.print(f"Krippendorff's α (nominal, {len(ag['coders'])} coders, {ag['pairable_items']} items): "
                      f"{ag['alpha']:.3f} [{ag['lower']:.3f}, {ag['upper']:.3f}] — {ag['verdict']}")
            for d in ag["disagreements"][:50]:
                labels = ", ".join(f"{c}={v}" for c, v in d["labels"].items())
                out.print(f"  disagreement {d['sample_id']} ({d['uid']}): {labels}")
            if len(ag["disagreements"]) > 50:
                out.print(f"  … and {len(ag['disagreements']) - 50} more (see --json)")
        ce = entry.get("coder_error_estimate")
        if ce and ce["per_coder"] == ce["per_coder"]:
            out.print(f"coder error implied by the disagreements (if coders err alike, independently): "
                      f"{_pct(ce['per_coder'])} [{_pct(ce['per_coder_lower'])}, {_pct(ce['per_coder_upper'])}] per "
                      "coder — the rate --coder-error takes (every coder's labels are scored); not applied: pass it "
                      "with --coder-error if you accept it")
        if report.get("coder_error"):
            out.print(f"corrected for a coder error rate of {_pct(report['coder_error'])} (--coder-error)")
        for w in entry["warnings"]:
            err_console.print(f"warning: {w}", markup=False, soft_wrap=True)


def register(group: click.Group) -> None:
    @group.group("validate")
    def validate() -> None:
        """Measure how well a lexicon finds a frame: draw a sample for coders, then score the coded files."""

    @validate.command("sample")
    @click.argument("lexicon", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--frame", "frame", required=True, help="The frame to validate (its id in the lexicon).")
    @click.option("--n", "n", type=click.IntRange(min=2), default=400, show_default=True, help="Messages to sample.")
    @click.option("--by", default="", help="Also stratify by these columns, comma-separated (e.g. channel,month).")
    @click.option("--hit-share", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.5,
                  show_default=True, help="Share of the sample drawn from the dictionary's hits.")
    @click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same sample.")
    @click.option("--since", default=None, help="Only messages posted on or after this date (UTC).")
    @click.option("--until", default=None, help="Only messages posted before this date (UTC).")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="The CSV for coders (UTF-8 with BOM, opens in Excel).")
    @db_option
    @json_option
    def sample(lexicon: Path, frame: str, n: int, by: str, hit_share: float, seed: int, since: str | None,
               until: str | None, output: Path, db: Path, as_json: bool) -> None:
        """Draw a stratified validation sample (hits oversampled) and write it as a CSV for coders."""
        from ..frames.lexicon import load_lexicon
        from ..validate.sample import sample_corpus, write_sample_csv

        lex = load_lexicon(lexicon)
        with open_corpus(db, read_only=True) as corpus:
            rows = sample_corpus(corpus, lex, frame, n, by=_split(by), seed=seed, hit_share=hit_share,
                                 since=since, until=until)
        write_sample_csv(rows, output)
        hits = int((rows["dictionary"] == "hit").sum())
        summary = {"output": str(output), "frame": frame, "items": len(rows), "hits": hits,
                   "non_hits": len(rows) - hits, "strata": rows["stratum"].n_unique(), "seed": seed,
                   "lexicon": f"sha256:{lex.content_hash}"}
        if as_json:
            emit_json(summary)
            return
        echo(f"wrote {output}: {len(rows)} messages ({hits} hits, {len(rows) - hits} non-hits, "
             f"{summary['strata']} strata) for frame {frame}")
        echo("coders: fill the label column with 1 (the message carries the frame) or 0 (it does not), "
             "then run `narrascope validate score FILE.csv`")

    @validate.command("score")
    @click.argument("coded", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--lexicon", "lexicon", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  default=None, help="Check that the files were drawn with this lexicon.")
    @click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
    @click.option("--bootstrap", type=click.IntRange(min=100), default=1000, show_default=True,
                  help="Bootstrap replicates for the interval of Krippendorff's α.")
    @click.option("--coder-error", "coder_error", type=float, default=0.0, show_default=True,
                  help="Known rate at which each coder's labels are wrong, in [0, 0.5): correct for it.")
    @json_option
    def score(coded: tuple[Path, ...], lexicon: Path | None, confidence: float, bootstrap: int, coder_error: float,
              as_json: bool) -> None:
        """Score coded sample files: precision, NPV, sensitivity, specificity (design-respecting intervals),
        per-term precision, and Krippendorff's α with the disagreements when several coders labelled the items.
        Several files = several coders of the same sample (or samples of different frames)."""
        from ..frames.lexicon import load_lexicon
        from ..validate.coded import CodedFileError, load_coded
        from ..validate.score import check_coder_error
        from ..validate.score import score as score_coded

        check_coder_error(coder_error)
        lex = load_lexicon(lexicon) if lexicon else None
        try:
            sample = load_coded(list(coded), lex)
        except CodedFileError as exc:
            for problem in exc.problems:
                err_console.print(f"error: {problem}", markup=False, soft_wrap=True)
            for w in exc.warnings:
                err_console.print(f"warning: {w}", markup=False, soft_wrap=True)
            raise UsageError(f"{len(exc.problems)} problem(s) in the coded file(s), listed above: fix them and "
                             "score again") from None
        report = score_coded(sample, confidence, bootstrap=bootstrap, coder_error=coder_error)
        if as_json:
            emit_json(report)
            return
        for w in report["warnings"]:
            err_console.print(f"warning: {w}", markup=False, soft_wrap=True)
        _print_score(report)
