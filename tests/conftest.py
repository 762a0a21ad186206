import os

import pytest

from consistency import check_explanations  # noqa: E402,F401 (for world fixtures)
from needs import REFERENCE_SKIP, SPARK_SKIP, spark_missing  # noqa: E402


@pytest.fixture(scope="session")
def spark():
    """One local[2] SparkSession for the whole run (starting one costs ~6 s). Without pyspark
    or Java 17+ the Spark tests skip with the reason, and the run's last line says that it
    did not check Spark; STARSCOPE_REQUIRE_SPARK=1 (CI) makes that a failure instead."""
    reason = spark_missing()
    if reason:
        if os.environ.get("STARSCOPE_REQUIRE_SPARK"):
            pytest.fail(f"Spark tests: {reason}")
        pytest.skip(f"{SPARK_SKIP}: {reason}")
    from starscope.engines.spark.session import spark_session

    session = spark_session("local[2]", conf=TEST_SPARK_CONF)
    yield session
    session.stop()


#: The suite's Spark runs are on tiny data, where a job's fixed costs (planning, code
#: generation, scheduling) are nearly all of its time: no adaptive re-planning of plans that
#: are already trivial, and no Java code generated and compiled for each of the hundreds of
#: one-off plans of a detection (whole-stage codegen off; expressions interpreted, Spark's
#: own test mode `NO_CODEGEN`): a hand-made default-profile detection took 84 -> 32 s
#: (docs/performance.md). Nor are shuffle and broadcast blocks compressed or checksummed: on
#: one machine they never leave it, and a cold JVM then has less to compile (the JIT is half of
#: its CPU): test_detect_cases' batches 141-159 -> 130 s of JVM CPU cold. Results do not depend
#: on these; the equality tests show it.
TEST_SPARK_CONF = {
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.broadcast.compress": "false",
    "spark.shuffle.compress": "false",
    "spark.shuffle.checksum.enabled": "false",
}

#: The engines every engine-parametrised test runs on (as Ibis parametrises its backend suite).
ENGINES = ("duckdb", "spark")


@pytest.fixture(params=ENGINES)
def engine(request):
    """The engine name a test runs on: "duckdb", then "spark" (on the one shared session, with
    one shuffle partition: hand-made inputs are tiny). Tests pass it on explicitly (e.g.
    ``make_con(rows, engine=engine)``); nothing global changes."""
    if request.param != "spark":
        yield request.param
        return
    spark = request.getfixturevalue("spark")
    prev = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    try:
        yield request.param
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", prev)


def _uses_spark(item) -> bool:
    """A test that runs on the suite's Spark session: it takes the `spark` fixture (directly or
    through another fixture), or it is a Spark case of a test parametrised over engines (the
    `engine` fixture's "spark", tests/engines' `con` fixture's "spark" and "spark-small": those
    fixtures ask for the session at run time, so it is not among the test's fixture names)."""
    if "spark" in getattr(item, "fixturenames", ()):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(
        callspec.params.get(name, "") in ("spark", "spark-small") for name in ("engine", "con"))


#: The groups that take longest (seconds on a quiet 2-core machine, docs/performance.md), longest
#: first. xdist hands groups out in the order they are collected (pyproject's addopts:
#: --no-loadscope-reorder), each to the next worker that runs dry, so these go first and the
#: many short groups fill in at the end: no long group starts last while the other worker
#: idles (xdist's own order, by number of tests, started the 2-test API world module last: ~4.5
#: minutes on one worker at the end of the run). Only the order depends on this list.
LONGEST_FIRST = (
    "spark",                                   # ~310 s, one JVM
    "tests/source/test_github.py",             # ~58 s (the kill test: 11 processes)
    "tests/detect/test_default_profile.py",    # ~51 s (two 7-day worlds)
    "tests/detect/test_incremental.py",        # ~47 s
    "tests/results/test_coverage.py",          # ~39 s
    "tests/source/test_github_world.py",       # ~34 s (two worlds read through the fake API)
    "tests/ingest/test_hostile_input.py",      # ~34 s
    "tests/results/test_detect_commands.py",   # ~31 s
)


def _by_cost(items, groups):
    """Items reordered group by group: LONGEST_FIRST's groups, then the others by number of
    tests (as xdist would); within a group, and among equals, collection order."""
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for i, item in enumerate(items):
        g = groups[id(item)]
        first.setdefault(g, i)
        count[g] = count.get(g, 0) + 1
    rank = {g: LONGEST_FIRST.index(g) if g in LONGEST_FIRST else len(LONGEST_FIRST) for g in first}
    order = sorted(first, key=lambda g: (rank[g], -count[g], first[g]))
    pos = {g: n for n, g in enumerate(order)}
    items.sort(key=lambda it: pos[groups[id(it)]])  # stable: collection order within a group


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """How pytest-xdist (pyproject's addopts: `-n 2 --dist loadgroup`) shares the suite out:
    each module runs whole on one worker, so its module-scoped fixtures (simulated worlds,
    stores, servers) are built once; every Spark test goes to one group, "spark", so one worker
    starts the one JVM (`spark` is session-scoped: per worker under xdist); the longest groups
    are handed out first (LONGEST_FIRST). A wrapper: the marks are set before xdist's own hook
    turns them into groups, and checked after it."""
    if not config.pluginmanager.hasplugin("xdist"):
        return (yield)
    groups = {}
    for item in items:
        # by id(): an item's hash is its node id, which xdist changes
        group = groups[id(item)] = "spark" if _uses_spark(item) else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False):
        _by_cost(items, groups)
    res = yield
    grouped = not items or items[0].nodeid.endswith("@" + groups[id(items[0])])
    if getattr(config.option, "loadgroup", False) and not grouped:
        # pytest >= 9.2 ignores how xdist <= 3.8 names a test's group: the tests would be
        # spread one by one, Spark tests on both workers (two JVMs), fixtures built twice.
        raise pytest.UsageError(
            "pytest-xdist's --dist loadgroup did not group the tests (pytest-dev/pytest-xdist"
            "#1386, with pytest >= 9.2): pip install 'pytest<9.2', or run with -n 0")
    return res


#: what a skip reason names -> the part of the suite that did not run
_PARTS = {"Spark": SPARK_SKIP, "browser": "browser tests skipped",
          "reference data": REFERENCE_SKIP}


@pytest.hookimpl(wrapper=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Make "passed, but without Spark/the browser" impossible to miss (a summary line)."""
    yield
    skipped = terminalreporter.stats.get("skipped", [])
    missing: dict[str, int] = {}
    for rep in skipped:
        text = str(rep.longrepr[2] if isinstance(rep.longrepr, tuple) else rep.longrepr)
        for part, marker in _PARTS.items():
            if marker.lower() in text.lower():
                missing[part] = missing.get(part, 0) + 1
    if missing:
        what = ", ".join(f"{n} {part} test(s)" for part, n in sorted(missing.items()))
        terminalreporter.write_line(
            f"starscope: NOT a full run: {what} skipped (see the reasons above); the DuckDB "
            f"suite ran", yellow=True, bold=True)
