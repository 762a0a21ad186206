"""The Spark ingest engine after `github`: the same one star per (account, repo) as the DuckDB
engine (the store's commit settles listed stars for both engines)."""
from __future__ import annotations

import pytest

from test_github_with_archive import _check, _github, _stars, both  # noqa: F401

from starscope.engines.spark.ingest import ingest_spark
from starscope.ingest import ingest
from starscope.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_spark_ingest_after_github_keeps_one_star_per_pair(tmp_path, both, spark):  # noqa: F811
    duck = Store(tmp_path / "duck")
    _github(duck, both["url"])
    ingest(duck, [both["hours"]], workers=1)
    store = Store(tmp_path / "spark")
    _github(store, both["url"])
    ingest_spark(store, [both["hours"]], spark=spark)
    assert _check(store, both) == _stars(duck)
