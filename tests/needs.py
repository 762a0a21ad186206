"""What parts of the suite need (Spark: pyspark and Java 17+), and the skip reasons they give
when it is missing (conftest.py's summary line looks for them)."""
from __future__ import annotations

SPARK_SKIP = "Spark tests skipped"


def spark_missing() -> str | None:
    """Why the Spark tests cannot run here (pyspark or Java 17+ missing), or None."""
    from starscope.engines.spark.session import require_java, require_pyspark
    from starscope.errors import StarscopeError

    try:
        require_pyspark()
        require_java()
    except StarscopeError as exc:
        return str(exc).replace("--engine spark needs", "needs")
    return None
