"""Export a result (or store) table as CSV, Parquet or JSON (the `export` command)."""
from __future__ import annotations

from pathlib import Path

from starscope.errors import UsageError
from starscope.store import Store
from starscope.store.sql import literal

RESULT_TABLES = ("suspected_stars", "campaigns", "repo_months", "farms", "accounts")
STORE_TABLES = ("stars", "account_activity", "repos")
FORMATS = {
    "csv": "FORMAT csv, HEADER true",
    "parquet": "FORMAT parquet, COMPRESSION zstd",
    "json": "FORMAT json, ARRAY true",
}


def export_table(store: Store, table: str, fmt: str, out: Path) -> int:
    """Write `table` to `out`; returns the number of rows. Result tables come from the latest
    detection run; `stars`, `account_activity` and `repos` from the ingested data."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    m = store.manifest()
    if table in RESULT_TABLES:
        if not m.get("results"):
            raise UsageError(f"no detection results in {store.root}: run `starscope detect` first")
        relation = f"results.{table}"
    elif table in STORE_TABLES:
        relation = table
    else:
        raise UsageError(
            f"unknown table {table!r}; choose one of {', '.join(RESULT_TABLES + STORE_TABLES)}"
        )
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise UsageError(f"folder does not exist: {out.parent}")
    con = store.connect(m)
    tmp = out.with_name(out.name + ".part")
    n = con.execute(
        f"COPY (SELECT * FROM {relation} ORDER BY ALL) TO {literal(tmp)} ({FORMATS[fmt]})"
    ).fetchone()[0]
    con.close()
    tmp.replace(out)
    return n
