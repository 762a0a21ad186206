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


def _unique_nested_ctes(tree: exp.Expression) -> exp.Expression:
    """sqlglot hoists a CTE's own WITH into the statement's WITH; two nested CTEs of the same
    name (e.g. store.sql.merge_partials' ``t``, used twice in ACCOUNT_ACTIVITY_VIEW) would then
    clash. Rename nested CTEs apart first; references keep the old name as their alias."""
    used = {cte.alias for cte in tree.find_all(exp.CTE)}
    for with_ in list(tree.find_all(exp.With)):
        if with_.parent is tree or with_.find_ancestor(exp.CTE) is None:
            continue
        scope = with_.parent
        for cte in with_.expressions:
            old = cte.alias
            n = 1
            while f"{old}_{n}" in used:
                n += 1
            new = f"{old}_{n}"
            used.add(new)
            cte.set("alias", exp.TableAlias(this=exp.to_identifier(new)))
            for table in scope.find_all(exp.Table):
                if table.name == old and not table.args.get("db"):
                    if not table.alias:
                        table.set("alias", exp.TableAlias(this=exp.to_identifier(old)))
                    table.set("this", exp.to_identifier(new))
    return tree


def _bigint_ranks(node: exp.Expression) -> exp.Expression:
    """ROW_NUMBER/RANK/DENSE_RANK are BIGINT in DuckDB and INT in Spark: cast, so result
    tables (e.g. farms.farm_id) have the same types on both engines."""
    if (isinstance(node, exp.Window)
            and isinstance(node.this, (exp.RowNumber, exp.Rank, exp.DenseRank))):
        return exp.cast(node.copy(), "BIGINT")
    return node


@functools.lru_cache(maxsize=4096)
def to_spark(sql: str) -> str:
    """One DuckDB statement as Spark SQL."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = _unique_nested_ctes(tree)
    tree = tree.transform(_ordered_list).transform(_bigint_ranks)
    return tree.sql(dialect="spark")
