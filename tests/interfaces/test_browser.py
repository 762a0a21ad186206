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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is absent (apt-get install chromium chromium-driver)"),
]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")


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
                 "--window-size=1200,900"):
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


def check_page(driver, url: str, png: Path, min_charts: int) -> None:
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
    # readable on a phone: nothing wider than the screen
    driver.set_window_size(390, 844)
    try:
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{url} is {overflow}px wider than a phone screen"
        driver.save_screenshot(str(png.with_name(png.stem + "-phone.png")))
    finally:
        driver.set_window_size(1200, 900)
    driver.save_screenshot(str(png))
    assert png.stat().st_size > 5000


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
    check_page(browser, f"{server}/", d / "served-overview.png", 3)
    browser.get(f"{server}/accounts/{world['farm_account']}")
    assert world["farm_account"] in browser.find_element("css selector", "h1").text
