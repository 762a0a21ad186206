"""The seams of issue 15, kept by reading the source (docs/architecture.md):

- nothing outside ``store/`` reads manifest keys or spells the store's on-disk layout;
- the CLI's command modules reach the store through the facade, never ``store.manifest``;
- no import cycle between starscope's modules (module-level imports);
- no private name imported from another package;
- every function under 80 lines, except those docs/architecture.md names with a reason.
"""
from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import pytest

import starscope

SRC = Path(starscope.__file__).parent
ROOT = SRC.parent.parent
# Keys of the manifest (store/manifest.py) and names of the store's folders and files.
MANIFEST_KEYS = {"segments", "span", "totals", "sources", "results"}
LAYOUT_NAMES = {"tables", "quarantine", "results", "manifest.json", ".lock", ".staging",
                "downloads"}
COMMAND_MODULES = ["starscope.cli", "starscope.interfaces.commands",
                   "starscope.interfaces.coverage_cmd", "starscope.interfaces.github_cmd",
                   "starscope.interfaces.options"]


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(SRC.rglob("*.py")):
        rel = p.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


MODULES = _modules()


@functools.lru_cache(maxsize=None)
def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _layout_leaks(tree: ast.AST) -> list[str]:
    """Manifest reads and store paths spelled in a module (see the module docstring)."""
    found = []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr == "manifest":
            found.append(f"{where}: .manifest")
        elif isinstance(node, ast.Constant) and node.value == "manifest.json":
            found.append(f"{where}: 'manifest.json'")
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and node.slice.value in MANIFEST_KEYS - {"results"}:
            found.append(f"{where}: [{node.slice.value!r}]")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get" and node.args \
                and isinstance(node.args[0], ast.Constant) and node.args[0].value in MANIFEST_KEYS:
            found.append(f"{where}: .get({node.args[0].value!r})")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            right = node.right
            if isinstance(right, ast.Constant) and right.value in LAYOUT_NAMES:
                found.append(f"{where}: / {right.value!r}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("starscope.store.manifest",) \
                or isinstance(node, ast.ImportFrom) and node.module == "starscope.store" \
                and any(a.name == "manifest" for a in node.names):
            found.append(f"{where}: imports store.manifest")
        if isinstance(node, ast.JoinedStr) and node.values \
                and isinstance(node.values[0], ast.Constant) \
                and re.match(r"(tables|quarantine|results)/", str(node.values[0].value)):
            found.append(f"{where}: f-string store path")
    return found


def test_the_rule_finds_leaks():
    """The checks below can fail: each kind of leak is found in a sample."""
    sample = ast.parse(
        "m = store.manifest()\n"
        "x = m['segments']\n"
        "y = m.get('results')\n"
        "p = root / 'tables' / 'events'\n"
        "q = root / 'manifest.json'\n"
        "r = f'results/{run}/x.parquet'\n"
        "from starscope.store import manifest\n")
    assert {int(f.split(":")[0].split()[1]) for f in _layout_leaks(sample)} == set(range(1, 8))
    assert _layout_leaks(ast.parse("snap = store.snapshot()\nsnap.segment_paths('events')")) == []


def test_no_manifest_keys_or_store_paths_outside_store():
    leaks = {}
    for name, path in MODULES.items():
        if name.startswith("starscope.store") or name.startswith("starscope.simulate"):
            continue  # the store owns its layout; simulate writes worlds, not stores
        found = _layout_leaks(_tree(path))
        if found:
            leaks[name] = found
    assert leaks == {}


@pytest.mark.parametrize("name", COMMAND_MODULES)
def test_command_modules_use_the_facade(name):
    """Each CLI command module imports (and so its commands run) without reading the
    manifest or building store paths; none imports starscope.store.* itself."""
    module = importlib.import_module(name)
    tree = _tree(Path(module.__file__))
    assert _layout_leaks(tree) == []
    if name == "starscope.interfaces.github_cmd":
        return  # the live source's commands (issue 13) open the store to write into it
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith("starscope.store"), (name, node.lineno)
            assert not node.module.startswith("starscope.results.detection"), (name, node.lineno)


def _imports(name: str, tree: ast.AST, top_level_only: bool) -> set[str]:
    """starscope modules a module imports (module level only if ``top_level_only``)."""
    pkg = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("starscope")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            if not base.startswith("starscope"):
                continue
            for a in node.names:
                out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
    return {m for m in out if m in MODULES}


def test_no_import_cycles():
    graph = {}
    for name, path in MODULES.items():
        # A submodule importing its own package (for its __init__) is how packages work.
        graph[name] = {m for m in _imports(name, _tree(path), True)
                       if not name.startswith(m + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_no_private_names_imported_across_packages():
    bad = []
    for name, path in MODULES.items():
        home = name.split(".")[:2]
        tree = _tree(path)
        pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            if not base.startswith("starscope") or base.split(".")[:2] == home:
                continue
            bad += [f"{name}: {base}.{a.name}" for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")]
    assert bad == []


def _long_functions(limit: int = 80) -> dict[str, int]:
    out = {}
    for name, path in MODULES.items():
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n >= limit:
                    out[f"{name}.{node.name}"] = n
    return out


def test_functions_under_80_lines_or_explained():
    """A function of 80 lines or more must be named, with its reason, in
    docs/architecture.md (section "Long functions")."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Long functions", 1)[-1] if "## Long functions" in doc else ""
    unexplained = {f: n for f, n in _long_functions().items()
                   if f"`{f}`" not in section}
    assert unexplained == {}


_STATEMENT = re.compile(r"^\s*(CREATE|INSERT|DROP|SET|ALTER|DELETE|UPDATE|COPY)\b")  # as written here


def _statements(tree: ast.AST) -> list[str]:
    """Lines where a string (or an f-string's first part) starts a statement that makes,
    fills, drops or sets something: what the detectors must ask the engine connection for."""
    found = []
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for v in node.values}  # an f-string's pieces: judged as the f-string
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in parts:
            text = node.value
        elif isinstance(node, ast.JoinedStr) and node.values \
                and isinstance(node.values[0], ast.Constant):
            text = str(node.values[0].value)
        if text is not None and _STATEMENT.match(text):
            found.append((node.lineno, f"line {node.lineno}: {text.strip()[:40]!r}"))
    return [f for _, f in sorted(found)]


def test_the_statement_rule_finds_statements():
    sample = ast.parse('con.execute("INSERT INTO t SELECT 1")\n'
                       'con.execute(f"""\n  CREATE OR REPLACE TEMP TABLE {n} AS SELECT 1""")\n'
                       'con.execute("SET threads = 1")\n')
    assert [f.split(":")[0] for f in _statements(sample)] == ["line 1", "line 2", "line 4"]
    assert _statements(ast.parse('_sql.insert(con, "t", "SELECT 1")')) == []


def test_detectors_speak_to_engines_through_the_connection_interface():
    """detect/ issues no CREATE/INSERT/DROP/SET text (it calls detect/_sql.py, which calls the
    engine connection's methods), and the Spark connection recognises no statement by regex."""
    found = {name: f for name, path in MODULES.items()
             if name.startswith("starscope.detect") and (f := _statements(_tree(path)))}
    assert found == {}
    spark = _imports_of(_tree(MODULES["starscope.engines.spark.connection"]))
    assert "re" not in spark and "regex" not in spark


def _imports_of(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_readme_python_api_runs_as_written(tmp_path):
    """The README's Python API block, run as a script (ingest's worker processes import it),
    on a smaller world than it simulates (the one change): every call answers."""
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert block.count('days=7, seed=0)') == 1
    script = tmp_path / "api_example.py"
    script.write_text(block.replace('days=7, seed=0)', 'days=1, seed=0, scale=0.3)'))
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    stars, suspected = map(int, run.stdout.splitlines()[0].split())
    assert 0 < suspected < stars
    assert "precision" in run.stdout and (tmp_path / "overview.html").stat().st_size > 0
    assert len((tmp_path / "suspected.csv").read_text().splitlines()) == suspected + 1
