"""The Spark engine: the heavy analyses as Spark jobs over a Parquet dataset of canonical records.

``pip install 'narrascope[spark]'`` (PySpark; a Java 17 runtime). From the command line, ``--engine spark`` on
``frames``, ``reuse`` and ``coordination`` exports the store (once per ingest state), runs the job on
``$NARRASCOPE_SPARK_MASTER`` (default ``local[*]``), and imports the result into the store, after which every
command reads it as if the embedded engine had computed it. On a cluster, run the jobs with ``spark-submit``
(:mod:`.submit`, docs/spark.md) and import their output with ``narrascope import-results``.
"""

from __future__ import annotations

from .session import SparkOptions, java_available, pyspark_available, spark_session

__all__ = ["SparkOptions", "java_available", "pyspark_available", "spark_session"]
