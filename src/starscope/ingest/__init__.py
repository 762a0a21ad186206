"""Ingest: parse GH Archive hour files and reduce them to the store's tables."""
from starscope.ingest.pipeline import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]
