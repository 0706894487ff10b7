"""Run a narrascope Spark job under ``spark-submit`` (a cluster), over a message dataset, into a result dataset.

    spark-submit --master yarn --deploy-mode cluster \\
        --archives narrascope-env.tar.gz#env --conf spark.pyspark.python=./env/bin/python \\
        --files lexicon.yaml \\
        "$(python -c 'import narrascope.engines.spark.submit as m; print(m.__file__)')" \\
        frames --input hdfs:///corpus/messages --lexicon lexicon.yaml --output hdfs:///corpus/results/frames

The input is what ``narrascope export --parquet`` writes; copy the output folder next to the store and publish it
with ``narrascope import-results``. Running the same command again after a failure resumes from the checkpoints
(``--checkpoints``, default ``OUTPUT.checkpoints``). docs/spark.md has the whole recipe.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

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
    for job in (frames,):
        job.add_argument("--input", required=True, help="message dataset (narrascope export --parquet)")
        job.add_argument("--output", required=True, help="result dataset folder (any Hadoop file system)")
        job.add_argument("--checkpoints", help="checkpoint folder (default: OUTPUT.checkpoints)")
        job.add_argument("--partitions", type=int, help="repartition each input slice into this many partitions")
        job.add_argument("--slice-bytes", type=int, default=SparkOptions().slice_bytes,
                         help="input bytes per checkpointed slice (default 2 GiB)")
        job.add_argument("--keep-checkpoints", action="store_true", help="keep the checkpoints after the run")
    return ap


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
    print(json.dumps({**asdict(report), "manifest": asdict(report.manifest)}, default=str, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
