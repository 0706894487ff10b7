"""Run a narrascope Spark job under ``spark-submit`` (a cluster), over a message dataset, into a result dataset.

    spark-submit --master yarn --deploy-mode cluster \\
        --archives narrascope-env.tar.gz#env --conf spark.pyspark.python=./env/bin/python \\
        --files lexicon.yaml \\
        "$(python -c 'import narrascope.engines.spark.submit as m; print(m.__file__)')" \\
        frames --input hdfs:///corpus/messages --lexicon lexicon.yaml --output hdfs:///corpus/results/frames

    … reuse --input … --output … --options '{"threshold": 0.6}'      (ReuseOptions fields)
    … coordination --input … --output … --options '{"window": 60}'   (CoordinationOptions fields)

The input is what ``narrascope export --parquet`` writes; copy the output folder next to the store and publish it
with ``narrascope import-results``. Running the same command again after a failure resumes from the checkpoints
(``--checkpoints``, default ``OUTPUT.checkpoints``). docs/spark.md has the whole recipe.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

# absolute imports: spark-submit runs this file as a script, outside its package
from narrascope.engines.spark.session import SparkOptions, spark_session

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="narrascope-spark", description=__doc__.split("\n\n")[0])
    jobs = ap.add_subparsers(dest="job", required=True)
    frames = jobs.add_parser("frames", help="frame hits of a lexicon (the store's frame_hits result)")
    frames.add_argument("--lexicon", required=True, help="lexicon file (YAML or .dic) readable by the driver")
    frames.add_argument("--since", help="only messages posted at or after this date (ISO, UTC)")
    frames.add_argument("--until", help="only messages posted before this date (ISO, UTC)")
    reuse = jobs.add_parser("reuse", help="text reuse (the store's reuse_* results)")
    coordination = jobs.add_parser("coordination", help="coordination (the store's coordination_* results)")
    for job in (reuse, coordination):
        job.add_argument("--options", default="{}", help="the analysis options as a JSON object (field: value)")
    for job in (frames, reuse, coordination):
        job.add_argument("--input", required=True, help="message dataset (narrascope export --parquet)")
        job.add_argument("--output", required=True, help="result dataset folder (any Hadoop file system)")
        job.add_argument("--checkpoints", help="checkpoint folder (default: OUTPUT.checkpoints)")
        job.add_argument("--partitions", type=int, help="repartition each input slice into this many partitions")
        job.add_argument("--slice-bytes", type=int, default=SparkOptions().slice_bytes,
                         help="input bytes per checkpointed slice (default 2 GiB)")
        job.add_argument("--keep-checkpoints", action="store_true", help="keep the checkpoints after the run")
    return ap


def _options(text: str) -> dict[str, Any]:
    """An options object's fields from JSON (lists become the tuples the frozen dataclasses hold)."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise SystemExit(f"--options must be a JSON object, not {text!r}")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    options = SparkOptions(partitions=args.partitions, slice_bytes=args.slice_bytes,
                           keep_checkpoints=args.keep_checkpoints)
    spark = spark_session(options)
    checkpoints = args.checkpoints or args.output.rstrip("/") + ".checkpoints"
    if args.job == "frames":
        from narrascope.engines.spark.frames import frames_job
        from narrascope.frames import load_lexicon

        report = frames_job(spark, args.input, load_lexicon(args.lexicon), args.output, checkpoints=checkpoints,
                            since=args.since, until=args.until, options=options)
    elif args.job == "reuse":
        from narrascope.engines.spark.reuse import reuse_job
        from narrascope.reuse import ReuseOptions

        report = reuse_job(spark, args.input, args.output, ReuseOptions(**_options(args.options)),
                           checkpoints=checkpoints, spark_options=options)
    else:
        from narrascope.coordination import CoordinationOptions
        from narrascope.engines.spark.coordination import coordination_job

        chosen = CoordinationOptions(**_options(args.options))
        if chosen.exclude_by or "near_duplicate" in chosen.objects:
            raise SystemExit("coordination under spark-submit runs without a store: exclude_by (channel attributes) "
                             "and near_duplicate objects (a reuse run) need one — use `narrascope coordination "
                             "--engine spark` instead")
        report = coordination_job(spark, args.input, args.output, chosen, checkpoints=checkpoints,
                                  spark_options=options)
    print(json.dumps({**asdict(report), "manifest": asdict(report.manifest)}, default=str, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
