"""What parts of the suite need (Spark: pyspark and Java 17+), and the skip reasons they give
when it is missing (conftest.py's summary line looks for them)."""
from __future__ import annotations

import os
from pathlib import Path

SPARK_SKIP = "Spark tests skipped"
REFERENCE_SKIP = "reference data test skipped"

#: the repository's root (tests/ is one level down)
ROOT = Path(__file__).resolve().parents[1]


def reference_dir() -> Path | None:
    """StarScout's published CSVs: $STARSCOPE_REFERENCE, else ../shared/reference/starscout
    next to the repository (where the project keeps them); None if neither holds them."""
    env = os.environ.get("STARSCOPE_REFERENCE")
    cands = [Path(env)] if env else [ROOT.parent / "shared" / "reference" / "starscout"]
    for c in cands:
        if (c / "250101_sample_actor_events.csv").exists():
            return c
    return None


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


def examples(n: int) -> int:
    """`max_examples` of a slow property test (each example is a detection run or a store
    written): `n` in the suite, which must stay fast; STARSCOPE_THOROUGH=k runs k times as
    many (a longer hunt, e.g. before a release or after changing a detector)."""
    return n * max(1, int(os.environ.get("STARSCOPE_THOROUGH") or 1))
