"""The engine suite: each test takes ``con``, a connection on one engine (the ``engine``
fixture of tests/conftest.py: DuckDB, then Spark), as Ibis runs one test suite over all its
backends. What the detectors need of a connection is checked here once per engine."""
from __future__ import annotations

import pytest


@pytest.fixture
def con(engine):
    import duckdb

    if engine == "duckdb":
        c = duckdb.connect()
        yield c
        c.close()
        return
    from starscope.engines.spark.connection import SparkConnection
    from starscope.engines.spark.session import spark_session

    c = SparkConnection(spark_session("local[2]"))  # the suite's one session
    yield c
    c.close()
