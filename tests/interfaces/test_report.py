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
    # every day of this 3-day world is in a campaign month: shading all would mark nothing,
    # so the legend says so instead
    assert 'class="mark"' not in html and "campaign month: every bar shown" in html
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


def test_footer_names_the_profile_that_ran(world):
    from starscope.interfaces.report import render_account
    from starscope.results.account import account_answer

    a = account_answer(world["store"], world["farm_account"])
    assert a["detection"]["profile"] == "starscout"
    assert "StarScout signatures" in render_account(a)
    html = render_account(dict(a, detection=dict(a["detection"], profile="default")))
    assert "StarScout signatures" not in html and "default detection profile" in html


def test_overview_report(world, tmp_path):
    out = tmp_path / "o.html"
    assert run("report", "--overview", "--store", world["store"], "-o", out)[0] == 0
    html = out.read_text()
    self_contained(html)
    assert "Top campaigns" in html
    # a 3-day archive: stars and the suspected share per day, not one bar per month; the
    # month figures are in the table
    assert html.count("<svg") == 2 and "Stars per day" in html and "Stars per month" not in html
    assert "Suspected stars by signal" in html and "lockstep farm (clustered)" in html
    assert "&lt;script&gt;" in html


def test_report_usage_errors(world, tmp_path):
    assert run("report", "--store", world["store"], "-o", tmp_path / "x.html")[0] == 2
    assert run("report", "a/b", "--overview", "--store", world["store"],
               "-o", tmp_path / "x.html")[0] == 2
    assert run("report", "nobody/nothing", "--store", world["store"],
               "-o", tmp_path / "x.html")[0] == 3
    assert run("report", world["clean_repo"], "--store", world["store"],
               "-o", tmp_path / "no" / "x.html")[0] == 2


# ---------------------------------------------------------------- chart maths

@pytest.mark.parametrize("vmax,percent,want", [
    (0.08, True, ["0%", "2%", "4%", "6%", "8%"]),
    (0.075, True, ["0%", "2%", "4%", "6%", "8%"]),
    (12_000, False, ["0", "5k", "10k", "15k"]),
    (9_000, False, ["0", "5k", "10k"]),
    (7_000, False, ["0", "2,000", "4,000", "6,000", "8,000"]),
    (3, False, ["0", "1", "2", "3"]),
    (0.004, True, ["0%", "0.1%", "0.2%", "0.3%", "0.4%"]),
    (1.3e6, False, ["0", "0.5M", "1.0M", "1.5M"]),
    (0, False, ["0", "1"]),
])
def test_ticks_are_round_and_labelled_in_one_unit(vmax, percent, want):
    from starscope.interfaces.charts import nice_ticks, tick_labels

    ticks = nice_ticks(vmax, integer=not percent)
    assert tick_labels(ticks, percent=percent) == want


@pytest.mark.parametrize("vmax", [1, 7, 13, 99, 101, 250, 0.013, 0.5, 1234.5, 98_765, 3e7])
def test_ticks_cover_the_data_with_even_round_steps(vmax):
    import math

    from starscope.interfaces.charts import nice_ticks

    t = nice_ticks(vmax)
    step = t[1] - t[0]
    assert t[0] == 0 and t[-1] >= vmax and t[-2] < vmax  # covers, no empty gridline on top
    assert all(math.isclose(b - a, step, rel_tol=1e-9) for a, b in zip(t, t[1:]))
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 5))
    assert 2 <= len(t) - 1 <= 8


def test_tick_labels_sit_on_their_gridlines():
    from starscope.interfaces.charts import stacked_bars

    svg = str(stacked_bars(["a", "b"], [("x", "#000", [0.03, 0.075])], title="t", percent=True))
    grid = [float(y) for y in re.findall(r'class="grid"[^>]*y1="([\d.]+)"', svg)]
    ticks = re.findall(r'class="tick"[^>]*y="([\d.]+)"[^>]*>([^<]+)<', svg)
    assert [lab for _, lab in ticks] == ["0%", "2%", "4%", "6%", "8%"]
    assert [round(float(y) - 4, 1) for y, _ in ticks] == grid


def test_marks_shade_only_some_bars():
    from starscope.interfaces.charts import stacked_bars

    some = str(stacked_bars(["a", "b", "c"], [("x", "#000", [1, 2, 3])], title="t",
                            marks=[False, True, False], mark_label="campaign month"))
    assert some.count('class="mark"') == 1
    every = str(stacked_bars(["a", "b"], [("x", "#000", [1, 2])], title="t",
                             marks=[True, True], mark_label="campaign month"))
    assert 'class="mark"' not in every and "campaign month: every bar shown" in every


@pytest.mark.parametrize("lo,hi,want", [
    (5_500_000, 990_000_000, ["200M", "400M", "600M", "800M"]),
    (18_458_219, 156_414_650, ["20M", "40M", "60M", "80M", "100M", "120M", "140M"]),
    # the third (156,414,600) would touch the second once kept inside the chart: left out
    (156_414_041, 156_414_650, ["156,414,200", "156,414,400"]),
    (0, 1_000_000, ["0", "0.2M", "0.4M", "0.6M", "0.8M", "1.0M"]),
    (3, 27, ["5", "10", "15", "20", "25"]),
])
def test_account_id_axis_shows_round_ids_where_they_fall(lo, hi, want):
    """The id histogram's x axis: round ids at their place in the range, not each bin's odd
    start (5.5M, 169.6M, ...) printed under the bin's middle."""
    from starscope.interfaces.charts import W, stacked_bars

    svg = str(stacked_bars([str(i) for i in range(24)], [("x", "#000", [1] * 24)], title="t",
                           x_span=(lo, hi)))
    labels = re.findall(r'class="xlabel" x="([\d.]+)"[^>]*>([^<]+)<', svg)
    assert [lab for _, lab in labels] == want
    left, width = 48, W - 48 - 10  # the plot area (charts.LEFT, RIGHT)
    for x, lab in labels:
        value = float(lab.replace(",", "").rstrip("Mk")) * (1e6 if "M" in lab else 1)
        assert abs(float(x) - (left + width * (value - lo) / (hi - lo))) < 0.1


def test_a_run_of_marked_bars_is_one_band():
    """Degraded or campaign days side by side are shaded as one band (a rect per bar left
    seams between them), each band as wide as its bars."""
    from starscope.interfaces.charts import stacked_bars

    svg = str(stacked_bars(list("abcdef"), [("x", "#000", [1] * 6)], title="t",
                           marks=[False, True, True, True, False, True], mark_label="degraded"))
    bands = re.findall(r'class="mark" x="([\d.]+)"[^>]*width="([\d.]+)"[^>]*><title>([^<]+)<', svg)
    assert [t for _, _, t in bands] == ["degraded: b to d", "degraded: f"]
    (x1, w1, _), (x2, w2, _) = bands
    assert float(w1) == pytest.approx(3 * float(w2), abs=0.05)
    assert float(x2) - float(x1) == pytest.approx(4 * float(w2), abs=0.05)


@pytest.mark.parametrize("lo,hi", [(10_000_000, 161_000_000), (5_500_000, 990_000_000),
                                   (1, 25), (123_456, 9_876_543), (150_000_000, 150_000_060)])
def test_account_id_axis_labels_do_not_touch(lo, hi):
    """A label pushed left to stay inside the chart may not run into the one before it
    (on a phone '140M' and '160M' read '140M160M')."""
    from starscope.interfaces.charts import FONT, W, stacked_bars

    svg = str(stacked_bars(["a"] * 24, [("x", "#000", [1] * 24)], title="t", x_span=(lo, hi)))
    spans = []
    for x, anchor, lab in re.findall(
            r'class="xlabel" x="([\d.]+)"[^>]*text-anchor="(\w+)"[^>]*>([^<]+)<', svg):
        w = len(lab) * FONT * 0.6  # the estimate charts.py lays labels out with
        x = float(x)
        spans.append((x - w, x) if anchor == "end" else (x - w / 2, x + w / 2))
    assert spans and all(b[0] >= a[1] for a, b in zip(spans, spans[1:])), spans
    assert spans[-1][1] <= W and spans[0][0] >= 0
