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
    m = store.snapshot()
    if table in RESULT_TABLES:
        if not m.has_results:
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
    select = "*" if fmt != "csv" else _csv_safe_columns(con, relation)
    n = con.execute(
        f"COPY (SELECT {select} FROM (SELECT * FROM {relation} ORDER BY ALL)) "
        f"TO {literal(tmp)} ({FORMATS[fmt]})"
    ).fetchone()[0]
    con.close()
    tmp.replace(out)
    return n


# A spreadsheet takes a cell starting with one of these as a formula (CSV injection): such
# text cells get a leading ' so they show as text (the store's data is unchanged).
_FORMULA_START = r"^[=+\-@\t\r]"


def _csv_safe_columns(con, relation: str) -> str:
    cols = []
    for name, typ, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall():
        q = '"' + name.replace('"', '""') + '"'
        if typ == "VARCHAR":
            cols.append(f"CASE WHEN regexp_matches({q}, {literal(_FORMULA_START)}) "
                        f"THEN chr(39) || {q} ELSE {q} END AS {q}")
        else:
            cols.append(q)
    return ", ".join(cols)
