"""The detection suite runs on both engines: a test that takes the ``engine`` fixture
(tests/conftest.py) runs once on DuckDB and once on Spark (local[2]), with the same inputs and
the same expectations, so the engines cannot drift apart. It passes the engine on to
``make_con`` (fixtures.py) or to the case runner (cases.py)."""
