"""Engines that run starscope's SQL: DuckDB (embedded, the default) and Apache Spark.

The Spark engine's driver (pyspark) is imported only when ``--engine spark`` is used; see
:mod:`starscope.engines.spark`.
"""
from __future__ import annotations

ENGINES = ("duckdb", "spark")
