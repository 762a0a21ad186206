"""`starscope detect --engine spark` without pyspark or without Java: one line, exit 2."""
import sys

import pytest
from click.testing import CliRunner

from starscope.cli import main
from starscope.ingest import ingest
from starscope.simulate import simulate_world
from starscope.store import Store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("engine-cli")
    simulate_world(base / "world", days=1, seed=5, scale=0.05)
    ingest(Store(base / "store"), [str(base / "world" / "archive")])
    return base / "store"


def _run(args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def _error_lines(result):
    return [ln for ln in result.output.splitlines() if ln.strip()]


def test_without_pyspark_names_the_extra(store, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` raises ImportError
    r = _run(["detect", "--store", store, "--engine", "spark"])
    assert r.exit_code == 2, r.output
    lines = _error_lines(r)
    assert len(lines) == 1 and "pip install -e '.[spark]'" in lines[0], lines
    assert "Traceback" not in r.output


def test_without_java_says_so(store, tmp_path, monkeypatch):
    pytest.importorskip("pyspark")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without java
    r = _run(["detect", "--store", store, "--engine", "spark", "--master", "local[1]"])
    assert r.exit_code == 2, r.output
    lines = _error_lines(r)
    assert len(lines) == 1 and "Java 17" in lines[0] and "java" in lines[0], lines


def test_master_needs_engine_spark(store):
    r = _run(["detect", "--store", store, "--master", "local[1]"])
    assert r.exit_code == 2 and "--master needs --engine spark" in r.output


def test_engine_choice_is_checked(store):
    r = _run(["detect", "--store", store, "--engine", "nope"])
    assert r.exit_code == 2 and "nope" in r.output


def test_spark_start_prints_nothing_to_users():
    """A new Spark session (its own JVM, in a fresh process) says nothing on stderr: no JVM
    start-up lines, no log-level banner, no pyspark FutureWarnings, no JSON log record of a
    query error the caller catches."""
    import subprocess

    from needs import SPARK_SKIP, spark_missing

    reason = spark_missing()
    if reason:
        pytest.skip(f"{SPARK_SKIP}: {reason}")
    code = ("from starscope.engines.spark.session import spark_session\n"
            "s = spark_session('local[1]')\n"
            "print(s.range(3).count())\n"
            "try:\n"  # (a query error the caller handles, e.g. an optional relation missing)
            "    s.sql('SELECT * FROM no_such_table')\n"
            "except Exception:\n"
            "    pass\n"
            "s.stop()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "3"
    assert r.stderr.strip() == "", r.stderr
