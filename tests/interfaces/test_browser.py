"""Headless Chromium opens the repo report file and the served pages: the SVG charts are
drawn, there is no console error (a CSP violation would be one), the page fits a phone's
width; screenshots are saved (to $STARSCOPE_SCREENSHOTS when set, else the test's tmp dir)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from answers_world import build

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

_ABSENT = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
pytestmark = [
    pytest.mark.slow,
    # without the driver, Chrome() would fail as an error, not skip: check both
    pytest.mark.skipif(bool(_ABSENT),
                       reason=f"browser tests skipped: {' and '.join(_ABSENT)} absent "
                              f"(apt-get install chromium chromium-driver)"),
]
webdriver = pytest.importorskip("selenium.webdriver",
                                reason="browser tests skipped: selenium is not installed")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("browser"), seed=5)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                 "--window-size=1280,900"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def server(world, tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path_factory.mktemp("serve") / "serve.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "starscope", "serve", "--store", str(world["store"]),
         "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        else:
            pytest.fail("starscope serve did not come up")
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"starscope serve exited: {log.read()}")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def shot_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("STARSCOPE_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


# Words (numbers, ids, times, names) of table cells, verdicts and coverage notes that the
# layout split over two lines. A date, time or month span (2024-03-02T13:01:57,
# 2024-03..2024-04) is one word: a break at its hyphens splits a time.
BROKEN_WORDS_JS = """
const out = [];
for (const cell of document.querySelectorAll('td, th, p.verdict, p.coverage')) {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    // a word ends at a space, dash or punctuation, except inside a date or time
    const re = /\\d{4}-\\d{2}(?:-\\d{2}(?:T[\\d:]+)?)?(?:\\.\\.\\d{4}-\\d{2}(?:-\\d{2})?)?|[^\\s\\-\u2013\u2014\\/,;]+/g;
    let m;
    while ((m = re.exec(node.data))) {
      const r = document.createRange();
      r.setStart(node, m.index);
      r.setEnd(node, m.index + m[0].length);
      const tops = new Set([...r.getClientRects()].filter(x => x.width > 0)
                           .map(x => Math.round(x.top)));
      if (tops.size > 1) out.push(m[0]);
    }
  }
}
// a repo or account name in a list (farms' other repos) breaks only between names
for (const a of document.querySelectorAll('td a')) {
  const tops = new Set([...a.getClientRects()].filter(x => x.width > 0)
                       .map(x => Math.round(x.top)));
  if (tops.size > 1) out.push(a.textContent);
}
return out;
"""

# The smallest rendered font size of chart text, in CSS px.
CHART_FONT_JS = """
let least = 1e9;
for (const svg of document.querySelectorAll('svg.chart')) {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  for (const t of svg.querySelectorAll('text')) {
    least = Math.min(least, parseFloat(t.getAttribute('font-size')) * scale);
  }
}
return least;
"""

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def check_page(driver, url: str, png: Path, min_charts: int) -> None:
    """At a desktop's and a phone's width: charts drawn, no console error, nothing wider than
    the screen (wide tables scroll in their own box), no word or number broken across lines,
    chart text at least 9 px; a screenshot of each (NAME.png, NAME-phone.png)."""
    driver.set_window_size(*WIDTHS["desktop"])
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    charts = driver.find_elements("css selector", "svg.chart")
    assert len(charts) >= min_charts, url
    for svg in charts:
        size = svg.size
        assert size["width"] > 100 and size["height"] > 40, (url, size)
        assert svg.find_elements("css selector", "rect.bar"), f"an empty chart on {url}"
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert not errors, errors
    try:
        for name, size in WIDTHS.items():
            driver.set_window_size(*size)
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{url} is {overflow}px wider than a {name} screen"
            broken = driver.execute_script(BROKEN_WORDS_JS)
            assert not broken, f"{url} at {name} width breaks inside: {broken[:10]}"
            font = driver.execute_script(CHART_FONT_JS)
            assert font >= 9, f"{url} at {name} width: chart text {font:.1f}px"
            shot = png if name == "desktop" else png.with_name(f"{png.stem}-{name}.png")
            # the page down to its first rows of evidence, not just the first screen
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(size[0], min(max(size[1], height + 140), 2200))
            driver.save_screenshot(str(shot))
            assert shot.stat().st_size > 5000
    finally:
        driver.set_window_size(*WIDTHS["desktop"])


def test_report_file_in_chromium(world, browser, tmp_path):
    from click.testing import CliRunner

    from starscope.cli import main

    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["report", world["renamed_new"], "--store",
                                    str(world["store"]), "-o", str(out)])
    assert res.exit_code == 0, res.output
    check_page(browser, out.as_uri(), shot_dir(tmp_path) / "report-file.png", 2)
    assert world["renamed_new"] in browser.find_element("css selector", "h1").text


def test_markup_report_file_in_chromium(world, browser, tmp_path):
    from click.testing import CliRunner

    from starscope.cli import main

    out = tmp_path / "markup.html"
    CliRunner().invoke(main, ["report", str(world["markup_id"]), "--store",
                              str(world["store"]), "-o", str(out)])
    browser.get(out.as_uri())
    # the name is shown as text and ran nothing
    assert browser.find_element("css selector", "h1").text == world["markup_repo"]
    assert browser.execute_script("return document.querySelectorAll('script').length") == 0


def test_served_pages_in_chromium(world, browser, server, tmp_path):
    d = shot_dir(tmp_path)
    check_page(browser, f"{server}/repos/{world['renamed_new']}", d / "served-repo.png", 2)
    badge = browser.find_element("css selector", "p.badge img")
    assert browser.execute_script("return arguments[0].naturalWidth", badge) > 50
    check_page(browser, f"{server}/", d / "served-overview.png", 2)
    check_page(browser, f"{server}/accounts/{world['farm_account']}", d / "served-account.png",
               0)
    assert world["farm_account"] in browser.find_element("css selector", "h1").text
