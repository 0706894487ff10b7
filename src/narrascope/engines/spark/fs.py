"""Files seen the way Spark sees them: through Hadoop's FileSystem API, so the same code works on a local disk,
HDFS or an object store (``s3a://``, ``gs://``, ``abfs://``) — whatever the cluster's Hadoop configuration reaches.

Only small things go through here (listing input files with their sizes, manifests, success markers, a file the
driver wrote copied to where the executors read it); data moves through Spark's own readers and writers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["HadoopFS", "join"]


def join(base: str, *parts: str) -> str:
    """``base/part/…`` for paths and URIs alike."""
    out = base.rstrip("/")
    for p in parts:
        out += "/" + p.strip("/")
    return out


class HadoopFS:
    """A few FileSystem calls for one session (through the JVM gateway: driver side only)."""

    def __init__(self, spark: SparkSession) -> None:
        self._jvm: Any = spark.sparkContext._jvm
        self._conf: Any = spark.sparkContext._jsc.hadoopConfiguration()

    def _fs(self, path: str) -> tuple[Any, Any]:
        p = self._jvm.org.apache.hadoop.fs.Path(path)
        return p.getFileSystem(self._conf), p

    def exists(self, path: str) -> bool:
        fs, p = self._fs(path)
        return bool(fs.exists(p))

    def delete(self, path: str) -> None:
        fs, p = self._fs(path)
        if fs.exists(p):
            fs.delete(p, True)

    def rename(self, src: str, dst: str) -> None:
        fs, p = self._fs(src)
        if not fs.rename(p, self._jvm.org.apache.hadoop.fs.Path(dst)):
            raise OSError(f"could not rename {src} to {dst}")

    def files(self, path: str, suffix: str = ".parquet") -> list[tuple[str, int]]:
        """(path, bytes) of every file under ``path`` ending in ``suffix``, skipping hidden names (``_x``, ``.x``)
        as Spark does; sorted by path."""
        fs, p = self._fs(path)
        out = []
        it = fs.listFiles(p, True)
        while it.hasNext():
            status = it.next()
            file_path = status.getPath()
            name = file_path.getName()
            rel = file_path.toString()[len(fs.makeQualified(p).toString()):]
            if name.endswith(suffix) and not any(part.startswith(("_", ".")) for part in rel.split("/") if part):
                out.append((file_path.toString(), int(status.getLen())))
        return sorted(out)

    def copy_from_local(self, local: str, path: str) -> None:
        """Copy a file of the driver's local disk to ``path`` (streamed by Hadoop, never held in memory)."""
        fs, p = self._fs(path)
        fs.copyFromLocalFile(False, True, self._jvm.org.apache.hadoop.fs.Path(local), p)

    def write_text(self, path: str, text: str) -> None:
        """Write a small text file (overwriting)."""
        fs, p = self._fs(path)
        stream = fs.create(p, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def read_text(self, path: str) -> str:
        """Read a small text file."""
        fs, p = self._fs(path)
        stream = fs.open(p)
        try:
            return str(self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
        finally:
            stream.close()
