import sys
from pathlib import Path

# Test helper modules (events.py) live beside this file.
sys.path.insert(0, str(Path(__file__).parent))

import pytest

from consistency import check_explanations  # noqa: E402,F401 (for world fixtures)


@pytest.fixture(scope="session")
def spark():
    """One local[2] SparkSession for the whole run (starting one costs ~6 s). Not skipped when
    pyspark or Java is missing: CI installs both, and a silent skip would hide Spark drifting
    from DuckDB."""
    from starscope.engines.spark.session import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()

