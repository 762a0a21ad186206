"""The engine suite: each test takes ``con``, a connection on one engine, as Ibis runs one
test suite over all its backends: DuckDB, then Spark with temp tables checkpointed (big
stores) and collected into the driver (small stores, ``SparkConnection(small=True)``). What
the detectors need of a connection is checked here once per engine."""
from __future__ import annotations

import pytest


@pytest.fixture(params=["duckdb", "spark", "spark-small"])
def con(request):
    import duckdb

    if request.param == "duckdb":
        c = duckdb.connect()
        yield c
        c.close()
        return
    from starscope.engines.spark.connection import SparkConnection

    spark = request.getfixturevalue("spark")  # the suite's one session (skips without Spark)
    c = SparkConnection(spark, small=request.param == "spark-small")
    yield c
    c.close()
