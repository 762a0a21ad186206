"""A pytest plugin that runs only the suite's Spark tests in one process and counts the Spark
statements each detector issues, with the time spent in them: on tiny inputs a Spark statement
costs a fixed ~0.1 s whatever its data, so their number is most of the Spark tests' time.

    STARSCOPE_REQUIRE_SPARK=1 PYTHONPATH=benchmarks python -m pytest -n 0 -p spark_statements

At the end it prints the statements and their seconds per detector module, per function and
per test file (docs/performance.md records what it showed). Statements are counted at the
Spark connection (every create_table, create_empty, insert, insert_rows, query), each
attributed to the innermost caller in starscope.detect besides its _sql helpers.
"""
from __future__ import annotations

import collections
import functools
import sys
import time

import pytest

_COUNTS: collections.Counter = collections.Counter()
_SECONDS: collections.Counter = collections.Counter()
_TEST = ["?"]
_METHODS = ("create_table", "create_empty", "insert", "insert_rows", "query")


def _caller() -> str:
    f = sys._getframe(2)
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if mod.startswith("starscope.detect.") and mod != "starscope.detect._sql":
            return f"{mod.rsplit('.', 1)[-1]}.{f.f_code.co_name}"
        f = f.f_back
    return "(other)"


def _counted(name: str, method):  # (functools.wraps: the interface test reads signatures)
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        key = (_TEST[0], _caller(), name)
        t = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            _COUNTS[key] += 1
            _SECONDS[key] += time.perf_counter() - t
    return wrapper


def pytest_configure(config):
    from starscope.engines.spark.connection import SparkConnection

    for name in _METHODS:
        setattr(SparkConnection, name, _counted(name, getattr(SparkConnection, name)))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # tests/conftest.py has put every Spark test in the xdist group "spark"
    spark = [it for it in items
             if any(m.args[:1] == ("spark",) for m in it.iter_markers("xdist_group"))]
    config.hook.pytest_deselected(items=[it for it in items if it not in spark])
    items[:] = spark


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _TEST[0] = item.nodeid.split("::")[0]
    yield


def pytest_terminal_summary(terminalreporter):
    w = terminalreporter.write_line
    total_n, total_s = sum(_COUNTS.values()), sum(_SECONDS.values())
    w(f"Spark statements: {total_n} in {total_s:.1f} s")
    for title, part in (("module", lambda k: k[1].split(".")[0]), ("function", lambda k: k[1]),
                        ("test file", lambda k: k[0])):
        n: collections.Counter = collections.Counter()
        s: collections.Counter = collections.Counter()
        for k in _COUNTS:
            n[part(k)] += _COUNTS[k]
            s[part(k)] += _SECONDS[k]
        w(f"-- per {title} (statements, seconds)")
        for key, sec in s.most_common(15):
            w(f"{n[key]:7d} {sec:7.1f}  {key}")
