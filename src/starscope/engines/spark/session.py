"""Start (or reuse) a SparkSession configured the way starscope needs it.

Checks first, so a user without the extra or without Java gets one line, not a JVM trace:
- pyspark missing -> "install the extra: pip install -e '.[spark]'";
- java missing or older than 17 -> says so.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starscope.errors import StarscopeError

MIN_JAVA = 17
EXTRA_HINT = "pip install -e '.[spark]' (in the starscope checkout)"


def require_pyspark() -> Any:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise StarscopeError(
            f"--engine spark needs pyspark, which is not installed; install the extra: {EXTRA_HINT}"
        ) from None
    return pyspark


def java_executable() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        cand = Path(home) / "bin" / "java"
        if cand.exists():
            return str(cand)
    return shutil.which("java")


def java_version(java: str) -> int | None:
    """The major version `java -version` reports (8 for "1.8.0_x"), or None if unreadable."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def require_java() -> str:
    java = java_executable()
    if java is None:
        raise StarscopeError(
            f"--engine spark needs Java {MIN_JAVA} or newer, and no java was found "
            "(not on PATH, JAVA_HOME unset); install one, e.g. apt-get install openjdk-17-jre-headless"
        )
    v = java_version(java)
    if v is None or v < MIN_JAVA:
        raise StarscopeError(
            f"--engine spark needs Java {MIN_JAVA} or newer; {java} is "
            f"{'of unknown version' if v is None else f'Java {v}'}"
        )
    return java


def spark_session(master: str | None = None, *, app_name: str = "starscope",
                  conf: dict[str, str] | None = None) -> Any:
    """The active SparkSession, or a new one on ``master`` (default: $STARSCOPE_SPARK_MASTER,
    else spark-submit's master when run under spark-submit, else ``local[*]``). Times are UTC everywhere, like the DuckDB engine's."""
    # pyspark warns (FutureWarning) about pandas versions it has not tested; not for users.
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark(\.|$)")
    require_pyspark()
    require_java()
    # Python workers must run this interpreter (it has starscope and its deps installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    if running is not None:
        # A session this process already runs (a notebook's, the test suite's, one started
        # earlier): the builder would apply starscope's defaults to it again (e.g. its shuffle
        # width over the owner's); only what results depend on is set, and what was asked.
        running.conf.set("spark.sql.session.timeZone", "UTC")
        for k, v in (conf or {}).items():
            if running.conf.isModifiable(k):
                running.conf.set(k, v)
        return running
    master = master or os.environ.get("STARSCOPE_SPARK_MASTER")
    b = SparkSession.builder.appName(app_name)
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = "local[*]"  # not under spark-submit, which brings its own master
    if master is not None:
        b = b.master(master)
    if (master or "").startswith("local"):
        # One machine: stay on loopback (no lookup of the host's public address).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    log4j = Path(__file__).with_name("log4j2.properties").as_uri()
    b = (b
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.driver.extraJavaOptions",
                 f"-Duser.timezone=UTC -Dlog4j2.configurationFile={log4j}")
         .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    if (master or "").startswith("local"):
        # Small local runs: a few shuffle partitions, not 200.
        b = b.config("spark.sql.shuffle.partitions",
                      os.environ.get("STARSCOPE_SPARK_SHUFFLE_PARTITIONS", "4"))
        # In local mode the executors live in the driver's JVM: Spark's 1g default runs out
        # on the default profile of a week of GH Archive-sized data (seen at 15k stars).
        b = b.config("spark.driver.memory",
                     os.environ.get("STARSCOPE_SPARK_DRIVER_MEMORY", "4g"))
    for k, v in (conf or {}).items():
        b = b.config(k, v)
    with _quiet_jvm_start():
        spark = b.getOrCreate()
    level = os.environ.get("STARSCOPE_SPARK_LOG_LEVEL", "ERROR")
    spark.sparkContext.setLogLevel(level)
    if level.upper() in ("ERROR", "FATAL", "OFF"):
        _quiet_query_errors()
    return spark


def _quiet_query_errors() -> None:
    """PySpark logs every SQL error it raises, as a JSON record with the JVM stack trace on
    stderr, before raising it; the caller gets the exception anyway (starscope probes for an
    optional relation, e.g. `account_profiles`, by catching one). Not for users' terminals."""
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True  # (pyspark's own class: its kwargs)


#: lines the JVM prints on every start that say nothing to a user (Spark's launcher always
#: adds --add-modules=jdk.incubator.vector; the PySpark driver runs as a shell, which
#: announces its log level)
JVM_NOISE = ("WARNING: Using incubator modules", 'Setting default log level to "',
             "To adjust logging level use sc.setLogLevel(")


@contextmanager
def _quiet_jvm_start():
    """Start the JVM with its stderr on a pipe that a thread copies to ours, minus JVM_NOISE:
    the JVM keeps that stderr for life, so its real errors still reach the user."""
    from pyspark import SparkContext

    if SparkContext._gateway is not None:  # the JVM runs already
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        r, w = os.pipe()
    except OSError:
        yield
        return

    def copy() -> None:
        with os.fdopen(r, "rb", buffering=0) as src:
            for line in iter(src.readline, b""):
                if not line.decode("utf-8", "replace").startswith(JVM_NOISE):
                    os.write(saved_copy, line)

    saved_copy = os.dup(saved)  # the thread's own handle on the real stderr
    threading.Thread(target=copy, name="starscope-jvm-stderr", daemon=True).start()
    os.dup2(w, 2)
    os.close(w)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
