"""Derive a file's segments of every store table from its parsed events.

Runs in the ingest workers, one DuckDB connection with one thread each, so the reduction
(per-account facts, names) is spread over all cores instead of queued in the committing parent.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from starscope.store import sql
from starscope.store.schema import WATCH

# Table -> query over a relation `src` of parsed events (one month of them) to write. Events and
# stars stay in file order (about time order); compaction sorts them when it merges a month.
DERIVE: dict[str, str] = {
    "events": f"SELECT {sql.EVENTS_COLS} FROM src",
    "stars": sql.STARS_SELECT.format(src="src", watch=WATCH),
    "repo_names": sql.REPO_NAMES_SELECT.format(src="src") + " ORDER BY repo_id, repo_name",
    "actor_logins": sql.ACTOR_LOGINS_SELECT.format(src="src") + " ORDER BY actor_id, actor_login",
    "account_months": sql.ACCOUNT_MONTHS_SELECT.format(src="src") + " ORDER BY actor_id",
}

MONTH_RE = re.compile(r"\d{4}-\d{2}")
# Row groups of ~100k rows: lookups of one repo (`check`, the web service) skip the rest by
# their min/max statistics.
PARQUET = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000"
# DuckDB's memory budget in a worker deriving segments from spilled rows.
SPILL_MEMORY = "160MB"


def copy_to(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """Write a query's rows to one Parquet file; returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return con.execute(f"COPY ({query}) TO {sql.literal(path)} ({PARQUET})").fetchone()[0]


def derive_segments(table: pa.Table | None, out_dir: Path, *, parts: list[Path] = (),
                    stats: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Write out_dir/<table>/month=M/seg.parquet for each table and month of `table`
    (parse.COLUMNS) and of the Parquet files `parts` (rows a parser spilled). Events repeated
    within them are kept once; stats["collapsed"] gets how many copies were dropped.
    Returns descriptors: {table, month, path (relative to out_dir), rows}."""
    config: dict[str, Any] = {"threads": 1}
    if parts:
        # Spilled rows: far more than an hour file holds, so DuckDB is held to a memory
        # budget and spills itself where the queries below need more.
        tmp = out_dir / "duckdb-tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        config.update(temp_directory=str(tmp), memory_limit=SPILL_MEMORY,
                      preserve_insertion_order=False)
    con = duckdb.connect(config=config)
    sources = []
    if table is not None:
        con.register("parsed_mem", table)
        sources.append("SELECT * FROM parsed_mem")
    if parts:
        sources.append(f"SELECT * FROM read_parquet([{', '.join(sql.literal(q) for q in parts)}])")
    con.execute(f"CREATE VIEW parsed AS {' UNION ALL '.join(sources)}")
    n, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) FROM parsed").fetchone()
    if stats is not None:
        stats["collapsed"] = n - distinct
    if n != distinct:
        con.execute(f"CREATE TEMP TABLE parsed_once AS {sql.DEDUP_BATCH.format(src='parsed')}")
        base = "parsed_once"
    else:
        base = "parsed"
    month_col = sql.MONTH.format(col="created_at")
    months = [r[0] for r in con.execute(f"SELECT DISTINCT {month_col} FROM {base} ORDER BY 1").fetchall()]
    out: list[dict[str, Any]] = []
    for month in months:
        if len(months) == 1:
            con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM {base}")
        else:
            assert MONTH_RE.fullmatch(month), month  # ours, from strftime: safe to inline
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM {base} "
                f"WHERE {month_col} = '{month}'"
            )
        for name, query in DERIVE.items():
            rel = f"{name}/month={month}/seg.parquet"
            rows = copy_to(con, query, out_dir / rel)
            out.append({"table": name, "month": month, "path": rel, "rows": rows})
    con.close()
    return out
