"""Entry point of a worker process that reads one part of a file: ``python -m narrascope.store.part_worker``
(started by :mod:`narrascope.store.ingest_parts`, never by hand). A module of its own so that the classes it sends
back pickle under their real module, not ``__main__``."""

from .ingest_parts import worker_main

if __name__ == "__main__":
    worker_main()
