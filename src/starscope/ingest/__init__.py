"""Ingest: parse GH Archive hour files and reduce them to the store's tables.

`ingest(store, paths)` runs the DuckDB engine; `run(store, paths, engine)` any engine."""
from starscope.ingest.pipeline import IngestReport, ingest, run

__all__ = ["IngestReport", "ingest", "run"]
