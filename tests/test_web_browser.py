"""The search page in a real browser: Debian's headless Chromium driven by Selenium through
/usr/bin/chromedriver (never a browser or driver downloaded at run time; `.ci/run` installs
the `chromium` and `chromium-driver` packages when missing).

With GONG_SEARCH_SCREENSHOTS=DIR the main views are also saved there (docs/ holds them).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from gong_search import SearchOptions

from .web_tenant import EVIL_CALL, SCRIPT_TITLE

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SHOTS = os.environ.get("GONG_SEARCH_SCREENSHOTS")


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[WebDriver]:
    for path in (CHROMIUM, CHROMEDRIVER):
        assert Path(path).exists(), f"{path} missing: apt-get install chromium chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument("--window-size=1400,1000")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield driver
    driver.quit()


def wait_for(driver: WebDriver, css: str, timeout: float = 15) -> list:
    WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
    return driver.find_elements(By.CSS_SELECTOR, css)


def shot(driver: WebDriver, name: str, top: bool = False) -> None:
    """A screenshot for docs/ (``top``: of the page's start, e.g. a call's header)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        if top:
            driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(Path(SHOTS) / name))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def search_for(driver: WebDriver, base: str, text: str) -> list:
    driver.get(base)
    box = driver.find_element(By.ID, "q")
    box.send_keys(text, Keys.ENTER)
    return wait_for(driver, ".hit")


def test_typing_a_query_shows_hits_and_puts_the_search_in_the_url(browser, web_url) -> None:
    hits = search_for(browser, web_url, "pricing objection")
    assert hits and all(h.find_element(By.CSS_SELECTOR, ".text").text for h in hits)
    assert query_of(browser.current_url)["q"] == ["pricing objection"]
    assert browser.find_elements(By.CSS_SELECTOR, ".hit mark")  # matched words marked
    shot(browser, "web-search.png")


def test_a_name_box_suggests_speakers_from_the_index(browser, web_url) -> None:
    browser.get(web_url)
    browser.find_element(By.ID, "f-speakers").click()
    count = "return document.getElementById('speaker-names').options.length"
    WebDriverWait(browser, 15).until(lambda d: d.execute_script(count) > 0)
    names = httpx.get(web_url.rstrip("/") + "/names.json", timeout=30).json()
    assert browser.execute_script(count) == len(names["speaker-names"])


def test_clicking_a_filter_searches_again_with_it_in_the_url(browser, web_url) -> None:
    search_for(browser, web_url, "pricing")
    before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, "label[for='f-customer']").click()
    WebDriverWait(browser, 15).until(lambda d: d.current_url != before)
    assert query_of(browser.current_url)["customer"] == ["true"]
    badges = {b.text for b in wait_for(browser, ".hit .aff")}
    assert badges and "Internal" not in badges


@pytest.mark.skipif(
    "facets" not in SearchOptions.json_schema()["properties"],
    reason="the library has no facets yet (issue 14)",
)
def test_clicking_a_facet_filters_the_results(browser, web_url) -> None:
    search_for(browser, web_url, "pricing")
    link = wait_for(browser, ".facet[data-facet='speaker'] a")[0]
    name = link.text
    link.click()
    WebDriverWait(browser, 15).until(lambda d: "speakers=" in d.current_url)
    speakers = {s.text for s in wait_for(browser, ".hit .sentence .speaker")}
    assert speakers and all(name in s for s in speakers)
    shot(browser, "web-facets.png")


def test_a_call_opens_with_the_hit_sentence_highlighted_in_view(browser, web_url) -> None:
    hits = search_for(browser, web_url, "security review")
    said = hits[0].find_element(By.CSS_SELECTOR, ".sentence .text").text
    hits[0].find_element(By.CSS_SELECTOR, ".call-title").click()
    line = wait_for(browser, ".transcript .hit")
    assert len(line) == 1 and line[0].find_element(By.CSS_SELECTOR, ".text").text == said
    visible = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight;",
        line[0],
    )
    assert visible
    assert browser.execute_script("return document.activeElement === arguments[0]", line[0])
    shot(browser, "web-call.png", top=True)


def test_back_returns_to_the_previous_search(browser, web_url) -> None:
    search_for(browser, web_url, "budget approval")
    results_url = browser.current_url
    titles = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".call-title")]
    browser.find_elements(By.CSS_SELECTOR, ".call-title")[0].click()
    wait_for(browser, ".transcript")
    browser.back()
    WebDriverWait(browser, 15).until(lambda d: d.current_url == results_url)
    assert browser.find_element(By.ID, "q").get_attribute("value") == "budget approval"
    assert [t.text for t in wait_for(browser, ".call-title")] == titles


def test_download_csv_saves_the_searchs_hits(browser, web_url, downloads) -> None:
    search_for(browser, web_url, "pricing")
    link = browser.find_element(By.LINK_TEXT, "Download CSV")
    expected = httpx.get(link.get_attribute("href"), timeout=30).content
    link.click()
    target = downloads / "gong-search-pricing.csv"
    deadline = time.monotonic() + 20
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.exists(), list(downloads.iterdir())
    assert target.read_bytes() == expected and expected.count(b"\n") > 1


def test_a_hostile_transcript_does_not_run_script(browser, hostile_url) -> None:
    search_for(browser, hostile_url, "pricing")
    assert browser.execute_script("return window.__pwned === undefined")
    titles = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".call-title")]
    assert SCRIPT_TITLE in titles  # shown as the text it is
    browser.get(hostile_url.rstrip("/") + f"/call/{EVIL_CALL}?hit=1")
    wait_for(browser, ".transcript .hit")
    assert browser.execute_script("return window.__pwned === undefined")
    assert re.search(r"<script>window\.__pwned", browser.find_element(By.TAG_NAME, "main").text)
