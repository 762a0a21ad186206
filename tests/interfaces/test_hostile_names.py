"""Names from the archive are hostile (issue 16): terminal escapes and rich markup in `check`
and `account`, formula cells in `export` CSV, NUL and bidi overrides in HTML are neutralised
where they are rendered; the stored data stays as it was."""
from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from events import event, line, write_hour
from starscope.ingest import ingest
from starscope.store import Store

ESC_REPO = "evil/\x1b]0;pwned\x07\x1b[2J\u202egnp.exe[bold red]x[/]"
ESC_LOGIN = "\x1b[31mroot\x1b[0m\u202e[link=http://x]y[/link]\x00"
FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("names")
    evs = [event(1, actor_id=11, login=ESC_LOGIN, repo_id=21, repo_name=ESC_REPO)]
    evs += [event(10 + i, actor_id=30 + i, login=f, repo_id=40 + i, repo_name=f"o/{f}")
            for i, f in enumerate(FORMULAS)]
    evs += [event(20 + i, actor_id=50 + i, login=f"ok{i}", repo_id=60, repo_name=f)
            for i, f in enumerate(FORMULAS[:1])]
    write_hour(base / "a" / "2024-03-01-5.json.gz", [line(e) for e in evs])
    s = Store(base / "store")
    ingest(s, [str(base / "a")], workers=1)
    return s


def run(*args):
    return subprocess.run([sys.executable, "-m", "starscope", *args], capture_output=True,
                          text=True, env={"COLUMNS": "400", "PATH": "/usr/bin:/bin",
                                          "FORCE_COLOR": "1"})


UNSAFE = ["\x1b", "\x07", "\x00", "\u202e", "\x9b"]


def test_check_and_account_print_no_escapes(store):
    r = run("check", "21", "--store", str(store.root))
    assert r.returncode == 0, r.stderr
    # Colours (ours) are fine; the name's own sequences must not be there.
    assert "pwned\x07" not in r.stdout and "\x1b]0;" not in r.stdout
    assert "\x1b[2J" not in r.stdout and "\u202e" not in r.stdout
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\u202egnp" in r.stdout
    assert ".exe[bold red]x[/]" in r.stdout  # markup shown, not applied
    r = run("account", "11", "--store", str(store.root))
    assert r.returncode == 0, r.stderr
    assert "\x1b[31mroot" not in r.stdout and "\u202e" not in r.stdout and "\x00" not in r.stdout
    assert "\\x1b[31mroot\\x1b[0m\\u202e[link=http://x]y[/link]\\x00" in \
        r.stdout.replace("\n", "")
    # A name not found is echoed safely too.
    r = run("check", "evil/\x1b[2Jgone", "--store", str(store.root))
    assert r.returncode == 3 and "\x1b[2J" not in r.stderr


def test_export_csv_quotes_formula_cells(store, tmp_path):
    out = tmp_path / "stars.csv"
    r = run("export", "--store", str(store.root), "-t", "stars", "-o", str(out))
    assert r.returncode == 0, r.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cells = [row[c] for row in rows for c in ("repo_name", "actor_login")]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for f in FORMULAS:
        assert "'" + f in cells
    # The store keeps the names as they were.
    con = store.connect()
    logins = {r[0] for r in con.execute("SELECT actor_login FROM stars").fetchall()}
    assert set(FORMULAS) <= logins and ESC_LOGIN in logins
    # Parquet and JSON carry the data unchanged.
    pq_out = tmp_path / "stars.parquet"
    assert run("export", "--store", str(store.root), "-t", "stars", "-o", str(pq_out)).returncode == 0
    import pyarrow.parquet as pq
    assert set(FORMULAS) <= set(pq.read_table(pq_out)["actor_login"].to_pylist())


def test_html_has_no_nul_or_bidi_controls(store, tmp_path):
    out = tmp_path / "r.html"
    r = run("report", "21", "--store", str(store.root), "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    for ch in ("\x00", "\u202e", "\x1b", "\x07"):
        assert ch not in html
    assert "\\u202egnp.exe" in html
