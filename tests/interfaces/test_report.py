"""`starscope report`: one self-contained HTML file, charts as inline SVG, every value escaped."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from answers_world import build
from starscope.cli import main


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("report"), seed=5)


def run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    return res.exit_code, res.output


def self_contained(html: str) -> None:
    assert html.startswith("<!doctype html>")
    assert '<meta name="viewport"' in html
    assert "Content-Security-Policy" in html
    assert "<script" not in html.lower()
    # no resource from the network: the only URLs are SVG namespaces
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert not re.search(r"<(iframe|object|embed)\b", html, re.I)
    assert not re.search(r"<link\b(?![^>]*href=\"data:)", html, re.I)
    assert not re.search(r"\bsrc=\"(?!data:)", html)


def test_repo_report(world, tmp_path):
    out = tmp_path / "r.html"
    code, _ = run("report", world["renamed_old"], "--store", world["store"], "-o", out)
    assert code == 0
    html = out.read_text()
    self_contained(html)
    assert world["renamed_new"] in html and world["renamed_old"] in html
    assert html.count("<svg") >= 2 and 'class="bar"' in html
    assert 'class="mark"' in html  # campaign months are marked
    for section in ("Stars over time", "Farms among its stargazers", "account ids", "Evidence"):
        assert section in html


def test_markup_is_escaped(world, tmp_path):
    out = tmp_path / "m.html"
    assert run("report", str(world["markup_id"]), "--store", world["store"], "-o", out)[0] == 0
    html = out.read_text()
    self_contained(html)
    assert "&lt;script&gt;alert(&#34;repo&#34;)&lt;/script&gt;" in html
    assert "<img" not in html


def test_markup_login_is_escaped(world):
    from answers_world import MARKUP_LOGIN
    from starscope.interfaces.report import render_account
    from starscope.results.account import account_answer

    a = account_answer(world["store"], MARKUP_LOGIN)
    assert a["login"] == MARKUP_LOGIN
    for web in (False, True):
        html = render_account(a, web=web)
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        # the markup repo it starred is shown as text, not as a link
        assert "&lt;script&gt;alert(" in html and "<script" not in html


def test_overview_report(world, tmp_path):
    out = tmp_path / "o.html"
    assert run("report", "--overview", "--store", world["store"], "-o", out)[0] == 0
    html = out.read_text()
    self_contained(html)
    assert html.count("<svg") == 3 and "Top campaigns" in html
    assert "&lt;script&gt;" in html


def test_report_usage_errors(world, tmp_path):
    assert run("report", "--store", world["store"], "-o", tmp_path / "x.html")[0] == 2
    assert run("report", "a/b", "--overview", "--store", world["store"],
               "-o", tmp_path / "x.html")[0] == 2
    assert run("report", "nobody/nothing", "--store", world["store"],
               "-o", tmp_path / "x.html")[0] == 3
    assert run("report", world["clean_repo"], "--store", world["store"],
               "-o", tmp_path / "no" / "x.html")[0] == 2
