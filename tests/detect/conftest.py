"""The detection suite runs on both engines: a test that takes the ``engine`` fixture runs once
on DuckDB and once on Spark (local[2]), with the same inputs and the same expectations, so the
engines cannot drift apart. ``make_con`` (fixtures.py) builds for the current engine."""
from __future__ import annotations

import pytest

from . import fixtures

ENGINES = ("duckdb", "spark")


@pytest.fixture(params=ENGINES)
def engine(request):
    old = fixtures.ENGINE
    if request.param == "spark":
        spark = request.getfixturevalue("spark")
        # Hand-made inputs are tiny: one shuffle partition is enough and much faster. The
        # end-to-end tests (test_engines.py) keep the session's default of several.
        prev = spark.conf.get("spark.sql.shuffle.partitions")
        spark.conf.set("spark.sql.shuffle.partitions", "1")
    fixtures.ENGINE = request.param
    try:
        yield request.param
    finally:
        fixtures.ENGINE = old
        if request.param == "spark":
            spark.conf.set("spark.sql.shuffle.partitions", prev)
