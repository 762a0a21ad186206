"""The detectors' and the store's SQL, written once (DuckDB dialect), as Spark SQL.

sqlglot does the translation (functions, casts, literals, quoting). The one thing it gets
wrong for us is an ordered list aggregate: DuckDB's ``LIST(x ORDER BY k)`` becomes a plain
``COLLECT_LIST(x)``, whose order Spark does not define. Here it becomes
``TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(k, x))), e -> e.x)``: sorted by the key, then by
the value, which is what the DuckDB text means whenever the key is a total order (ours are).
"""
from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp


def _ordered_list(node: exp.Expression) -> exp.Expression:
    if not isinstance(node, exp.ArrayAgg) or not isinstance(node.this, exp.Order):
        return node
    order = node.this
    value = order.this
    keys = order.expressions
    if any(o.args.get("desc") for o in keys):
        raise NotImplementedError("LIST(... ORDER BY ... DESC) has no Spark translation here")
    if isinstance(value, exp.Distinct):
        (inner,) = value.expressions
        if len(keys) == 1 and keys[0].this == inner:
            return exp.func("ARRAY_SORT", exp.func("COLLECT_SET", inner.copy()))
        raise NotImplementedError("LIST(DISTINCT x ORDER BY y) with y != x")
    fields = [exp.alias_(k.this.copy(), f"k{i}") for i, k in enumerate(keys)]
    fields.append(exp.alias_(value.copy(), "v"))
    sorted_ = exp.func("ARRAY_SORT", exp.func("COLLECT_LIST", exp.func("STRUCT", *fields)))
    return sqlglot.parse_one(f"TRANSFORM({sorted_.sql('spark')}, e -> e.v)", read="spark")


@functools.lru_cache(maxsize=4096)
def to_spark(sql: str) -> str:
    """One DuckDB statement as Spark SQL."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = tree.transform(_ordered_list)
    return tree.sql(dialect="spark")
