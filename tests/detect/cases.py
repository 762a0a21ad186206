"""Hand-made detection cases, run alone or many at once.

A Spark job has a fixed cost of ~0.1-1 s whatever its size, and one detection run is a few
hundred of them: running each hand-made case alone on Spark made most of the suite's time.
So cases are declared up front (:class:`Cases`), and on Spark all cases with the same
parameters run as ONE detection: case k's account, repo and event ids are moved by
``k * OFF`` (so no two cases share an account or a repo), then each result row goes back to its
case, with ids, farm numbers and the texts that cite them moved back. Times stay: every
signature is per account, repo or seed repo, so cases sharing a lockstep window do not meet,
and the window loop runs once for the batch instead of once per case (moving each case to its
own years made a batch of 7 cases cost ~2x).
``test_batched_equals_alone`` (test_detect_cases.py) checks on DuckDB that this gives every
case exactly the tables it gets alone; the Spark run's tables are also compared with
DuckDB's.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable

import duckdb
import pyarrow as pa

from starscope.detect import Params, run_detection

from .fixtures import _number, activity_rows, events_from_stars, make_con

OFF = 100_000  # ids of a hand-made case stay below this

ID_COLS = {"repo_id", "actor_id", "event_id", "org_id"}
ID_LIST_COLS = {"seed_repo_ids", "repo_ids", "account_ids"}
TEXT_COLS = {"month", "first_anomalous_month", "last_anomalous_month", "window_label",
             "reasons", "anomalous_months"}  # texts that may cite a farm number
_FARM = re.compile(r"\bF(\d+)\b")


@dataclasses.dataclass
class Case:
    stars: list[dict]
    events: list[dict] | None
    accounts: list[dict] | None
    params: Params
    kw: dict[str, Any]  # other run_detection arguments (profile, since, until)
    alone: bool  # never batched (dates far out, since/until, empty input...)

    def rows(self) -> tuple[list[dict], list[dict], list[dict]]:
        stars = _number(self.stars)
        events = self.events if self.events is not None else events_from_stars(stars)
        accounts = self.accounts if self.accounts is not None else activity_rows(events)
        return stars, events, accounts

    def key(self) -> str:
        return repr((self.params, sorted(self.kw.items())))


def _moved(row: dict, k: int) -> dict:
    out = dict(row)
    for c, v in row.items():
        if v is None:
            continue
        if c in ID_COLS:
            assert 0 <= v < OFF, (c, v)
            out[c] = v + k * OFF
    return out


def _shift_text(v: Any, k: int, farm_base: int) -> Any:
    if isinstance(v, list):
        return [_shift_text(x, k, farm_base) for x in v]
    return _FARM.sub(lambda m: f"F{int(m.group(1)) - farm_base}", v)


def _case_of(table: str, row: dict) -> int:
    if table == "farms":
        return row["account_ids"][0] // OFF
    return (row["actor_id"] if "actor_id" in row else row["repo_id"]) // OFF


def _back(row: dict, k: int, farm_base: int) -> dict:
    out = {}
    for c, v in row.items():
        if v is None:
            out[c] = v
        elif c in ID_COLS:
            out[c] = v - k * OFF
        elif c in ID_LIST_COLS:
            out[c] = [x - k * OFF for x in v]
        elif c == "farm_id":
            out[c] = v - farm_base
        elif c == "farm_ids":
            out[c] = [x - farm_base for x in v]
        elif c in TEXT_COLS:
            out[c] = _shift_text(v, k, farm_base)
        else:
            out[c] = v
    return out


def result_rows(con: Any, tables: dict[str, str]) -> dict[str, pa.Table]:
    """Every result table as Arrow (from DuckDB, or collected from Spark)."""
    out = {}
    for name, rel in tables.items():
        if hasattr(con, "spark"):
            out[name] = con.table(rel).toArrow()
        else:
            out[name] = con.sql(f"SELECT * FROM {rel}").to_arrow_table()
    return out


def canonical(tables: dict[str, pa.Table]) -> dict[str, list[tuple]]:
    """Tables as sorted lists of rows (what two runs are compared by)."""
    return {name: sorted((tuple(r.values()) for r in t.to_pylist()), key=repr)
            for name, t in tables.items()}


def _as_connection(tables: dict[str, pa.Table], names: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding ``tables`` under their run's relation names (rows sorted)."""
    con = duckdb.connect()
    for name, t in tables.items():
        rows = sorted(t.to_pylist(), key=lambda r: repr(tuple(r.values())))
        data = pa.Table.from_pylist(rows, schema=t.schema)  # noqa: F841 (read by DuckDB)
        con.execute(f"CREATE TABLE {names[name]} AS SELECT * FROM data")
    return con


class Cases:
    """A module's hand-made cases. ``add`` declares one (before any test runs); ``run`` gives a
    case's (connection, tables) on an engine: alone on DuckDB, batched on Spark."""

    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self._batched: dict[str, dict[str, tuple[Any, dict[str, str]]]] = {}
        self.raw: dict[str, dict[str, dict[str, pa.Table]]] = {}  # engine -> batch -> tables

    def add(self, name: str, stars: list[dict], params: Params, *, events_rows=None,
            accounts_rows=None, alone: bool = False, **kw: Any) -> str:
        assert name not in self.cases, name
        self.cases[name] = Case(list(stars), events_rows, accounts_rows, params, kw, alone)
        return name

    def alone(self, name: str, engine: str) -> tuple[Any, dict[str, str]]:
        c = self.cases[name]
        stars, events, accounts = c.rows()
        con = make_con(stars, accounts, events, engine=engine)
        return con, run_detection(con, params=c.params, **c.kw)

    def groups(self) -> dict[str, list[str]]:
        """Batchable cases by parameters."""
        out: dict[str, list[str]] = {}
        for name, c in self.cases.items():
            if not c.alone:
                out.setdefault(c.key(), []).append(name)
        return out

    def batch(self, engine: str) -> dict[str, tuple[Any, dict[str, str]]]:
        """Every batchable case, run in one detection per parameter set on ``engine``."""
        if engine in self._batched:
            return self._batched[engine]
        out: dict[str, tuple[Any, dict[str, str]]] = {}
        raw = self.raw.setdefault(engine, {})
        for key, names in self.groups().items():
            stars, events, accounts = [], [], []
            for k, name in enumerate(names):
                s, e, a = self.cases[name].rows()
                stars += [_moved(r, k) for r in s]
                events += [_moved(r, k) for r in e]
                accounts += [_moved(r, k) for r in a]
            first = self.cases[names[0]]
            con = make_con(stars, accounts, events, engine=engine)
            tables = run_detection(con, params=first.params, **first.kw)
            got = result_rows(con, tables)
            raw[key] = got
            out.update(_split(names, got, tables))
        self._batched[engine] = out
        return out

    def run(self, name: str, engine: str) -> tuple[Any, dict[str, str]]:
        if engine == "duckdb" or self.cases[name].alone:
            return self.alone(name, engine)
        return self.batch(engine)[name]


def _split(names: list[str], got: dict[str, pa.Table], tables: dict[str, str]
           ) -> dict[str, tuple[Any, dict[str, str]]]:
    per: dict[int, dict[str, list[dict]]] = {k: {t: [] for t in got} for k in range(len(names))}
    farm_base: dict[int, int] = {}
    for r in got["farms"].to_pylist():
        k = _case_of("farms", r)
        farm_base[k] = min(farm_base.get(k, r["farm_id"]), r["farm_id"])
    for name, t in got.items():
        for r in t.to_pylist():
            k = _case_of(name, r)
            per[k][name].append(_back(r, k, farm_base.get(k, 1) - 1))
    return {n: (_as_connection({t: pa.Table.from_pylist(rows, schema=got[t].schema)
                                for t, rows in per[k].items()}, tables), tables)
            for k, n in enumerate(names)}


Runner = Callable[[str], tuple[Any, dict[str, str]]]
