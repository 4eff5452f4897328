"""The search page over HTTP: a real server on 127.0.0.1 (random port) over indexes synced
from the simulator; every route, its errors, escaping of hostile data, and access rules."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from markupsafe import escape

from gong_search import SearchOptions, search
from gong_search.errors import ConfigError
from gong_search.search import SearchResult
from gong_search.show import list_speakers, show_call
from gong_search.status import status
from gong_search.web.access import Access
from gong_search.web.app import Cached
from gong_search.web.forms import PAGE_OWNED
from gong_search.web.present import call_facts
from gong_search.web.server import WebServer

from .conftest import cli
from .web_tenant import (
    EVIL_CALL,
    FORMULA_SENTENCE,
    PLAIN_CALL,
    SCRIPT_NAME,
    SCRIPT_SENTENCE,
    SCRIPT_TITLE,
)

TOKEN = "a-token-of-twenty-chars"
HIT_LINK = re.compile(r'class="call-title" href="/call/(\d+)\?[^"#]*?hit=(\d+)#s\d+"')


def get(base: str, path: str, **kw) -> httpx.Response:
    return httpx.get(base.rstrip("/") + path, timeout=30, **kw)


def hit_keys(page: str) -> list[tuple[str, int]]:
    """(call id, sentence ordinal) of each hit on a results page, in page order."""
    return [(c, int(o)) for c, o in HIT_LINK.findall(html.unescape(page))]


def library_keys(result: SearchResult) -> list[tuple[str, int]]:
    return [(h.call_id, h.ordinal) for h in result.hits]


def next_link(page: str) -> str | None:
    found = re.search(r'<a rel="next" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


# -- search ---------------------------------------------------------------------------------


def test_home_page_has_a_field_for_every_option_of_the_model(web_url, synced_index) -> None:
    page = get(web_url, "/")
    assert page.status_code == 200
    for name in SearchOptions.json_schema()["properties"]:
        if name not in PAGE_OWNED:
            assert f'name="{name}"' in page.text, name
    footer = page.text.split('<footer class="status"', 1)[1]
    assert f"{status(synced_index).calls:,} calls" in footer


def test_a_choice_is_labelled_by_what_it_means_in_its_own_option(web_url) -> None:
    """ "all" is "every word" as a match mode but "everything" as what to search in."""
    page = get(web_url, "/").text
    within = page.split('name="within"', 1)[1].split("</select>", 1)[0]
    mode = page.split('name="mode"', 1)[1].split("</select>", 1)[0]
    assert ">everything" in within
    assert "every word" in mode and "every word" not in within


def test_search_shows_the_librarys_hits_in_its_order(web_url, synced_index) -> None:
    page = get(web_url, "/", params={"q": "pricing objection", "customer": "true"})
    expected = search(synced_index, "pricing objection", customer=True, limit=20)
    assert page.status_code == 200 and expected.hits
    assert hit_keys(page.text) == library_keys(expected)
    assert f"of\n            <strong>{expected.total:,}</strong>" in page.text
    assert "<mark>" in page.text  # matched words highlighted


@pytest.mark.parametrize(
    "extra",
    [{"limit": "7"}, {"limit": "7", "per_call": "1"}, {"limit": "10", "sort": "date"}],
)
def test_next_links_walk_every_hit_once_in_the_librarys_order(web_url, synced_index, extra):
    every = SearchOptions.from_mapping({**extra, "limit": "0"})
    everything = search(synced_index, "budget pricing", every)
    path: str | None = "/?" + urlencode({"q": "budget pricing", **extra})
    seen: list[tuple[str, int]] = []
    while path:
        page = get(web_url, path)
        keys = hit_keys(page.text)
        assert 0 < len(keys) <= int(extra["limit"])
        seen += keys
        path = next_link(page.text)
    assert seen == library_keys(everything)


def test_filters_in_the_url_narrow_the_hits(web_url, synced_index) -> None:
    params = {"q": "pricing", "affiliations": "internal", "limit": "50"}
    page = get(web_url, "/", params=params)
    shown = re.findall(r'<span class="aff aff-(\w+)">', page.text)
    assert shown and set(shown) == {"internal"}
    wide = get(web_url, "/", params={"q": "pricing", "limit": "50"})
    assert set(re.findall(r'<span class="aff aff-(\w+)">', wide.text)) > {"internal"}
    assert 'name="affiliations" value="internal" checked' in page.text  # the form echoes it


def test_a_speaker_filter_names_whom_it_matched(web_url, synced_index) -> None:
    name = search(synced_index, "pricing", limit=1).hits[0].speaker_name
    page = get(web_url, "/", params={"q": "pricing", "speakers": name.split()[0]})
    assert "Speakers matched:" in page.text and html.escape(name) in page.text
    speakers = {html.unescape(s) for s in re.findall(r'class="speaker spk-\d">([^<]+)<', page.text)}
    assert name in speakers


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"open'}, "unbalanced quote"),
        ({"q": "pricing", "limit": "abc"}, "limit must be a whole number"),
        ({"q": "pricing", "limit": "0"}, "limit must be a whole number from 1 to 100"),
        ({"q": "pricing", "bogus": "1"}, "unknown option 'bogus'"),
        ({"q": "pricing", "start": "soon"}, "is not a date"),
        ({"q": "pricing", "customer": "true", "internal": "true"}, "exclude each other"),
        ({"q": "pricing", "speakers": "zzzzqqqq"}, "zzzzqqqq"),
    ],
)
def test_a_bad_request_is_a_400_page_with_the_one_line_message(web_url, params, message):
    page = get(web_url, "/", params=params)
    assert page.status_code == 400
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', page.text, re.S)
    assert error and message in html.unescape(error.group(1))
    assert "Traceback" not in page.text and 'name="q"' in page.text  # the form stays


def test_date_presets_and_paging_links_keep_the_search(web_url) -> None:
    page = get(web_url, "/", params={"q": "pricing", "customer": "true", "limit": "10"})
    presets = re.findall(r'<li><a href="([^"]+)">Last 7 days</a>', page.text)
    assert presets and "customer=true" in presets[0] and "start=7d" in presets[0]
    recent = get(web_url, html.unescape(presets[0]))
    start_box = re.search(r'<input id="f-start"[^>]*>', recent.text)
    assert recent.status_code == 200 and start_box  # "7d" shown as typed, not as a date
    assert 'value="7d"' in start_box.group() and 'type="text"' in start_box.group()
    following = next_link(page.text)
    assert following and "customer=true" in following and "offset=10" in following


def test_name_suggestions_come_from_the_index(web_url, synced_index) -> None:
    names = get(web_url, "/names.json").json()
    speakers = list_speakers(synced_index)
    assert names["speaker-names"] == [s.name for s in speakers]
    internal = {s.name for s in speakers if s.affiliation == "Internal"}
    assert set(names["host-names"]) == internal
    assert names["account-names"] and all("@" not in d for d in names["account-names"])
    page = get(web_url, "/")
    assert 'list="speaker-names"' in page.text and '<datalist id="speaker-names">' in page.text


# -- call view ------------------------------------------------------------------------------


def test_call_view_highlights_the_hit_sentence_and_links_to_gong(web_url, synced_index) -> None:
    page = get(web_url, "/", params={"q": "security review"})
    link = re.search(r'class="call-title" href="([^"]+)"', page.text)
    assert link
    call_page = get(web_url, html.unescape(link.group(1)))
    call_id, ordinal = hit_keys(page.text)[0]
    view = show_call(synced_index, call_id)
    assert call_page.status_code == 200
    highlighted = re.findall(r'<li id="s(\d+)" class="line hit"', call_page.text)
    assert highlighted == [str(ordinal)]
    assert f'href="{html.escape(view.call.url)}"' in call_page.text
    assert len(re.findall(r'<li id="s\d+" class="line', call_page.text)) == len(view.rows)
    for label, text in call_facts(view.as_json()):  # account, deal, trackers... by name
        assert f"<dt>{escape(label)}</dt><dd>{escape(text)}</dd>" in call_page.text
    notes = [n for n in view.notes if n.kind != "brief"]
    assert all(str(escape(n.text)) in call_page.text for n in notes)  # key points, outline
    back = re.search(r'<a href="([^"]+)" data-back>', call_page.text)
    assert back and "q=security+review" in html.unescape(back.group(1))


def test_the_same_speaker_has_the_same_colour_everywhere(web_url) -> None:
    page = get(web_url, "/", params={"q": "pricing", "limit": "100"})
    colours: dict[str, set[str]] = {}
    for colour, name in re.findall(r'class="speaker spk-(\d)">([^<]+)<', page.text):
        colours.setdefault(name, set()).add(colour)
    assert colours and all(len(c) == 1 for c in colours.values())


def test_unknown_call_is_a_404_page(web_url) -> None:
    page = get(web_url, "/call/123")
    assert page.status_code == 404 and "no call &#39;123&#39; in the index" in page.text


def test_unknown_path_and_method_are_404(web_url) -> None:
    assert get(web_url, "/nothing-here").status_code == 404
    assert httpx.post(web_url, timeout=10).status_code == 404


# -- downloads ------------------------------------------------------------------------------


def test_csv_download_is_what_the_cli_writes(web_url, synced_index, tmp_path) -> None:
    out = tmp_path / "hits.csv"
    done = cli("pricing", "--customer", "--index", str(synced_index), "-n", "0", "--csv", str(out))
    assert done.exit_code == 0
    got = get(web_url, "/download.csv", params={"q": "pricing", "customer": "true", "offset": "20"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert 'filename="gong-search-pricing.csv"' in got.headers["content-disposition"]
    assert got.content == out.read_bytes()  # every hit from the first, whatever the page


def test_jsonl_download_is_what_the_cli_writes(web_url, synced_index) -> None:
    done = cli("pricing", "--index", str(synced_index), "-n", "0", "-f", "jsonl")
    got = get(web_url, "/download.jsonl", params={"q": "pricing"})
    assert got.status_code == 200
    rows = [json.loads(line) for line in got.text.splitlines()]
    assert rows == [json.loads(line) for line in done.stdout.splitlines()] and rows


def test_download_needs_a_query_and_a_known_format(web_url) -> None:
    assert get(web_url, "/download.csv").status_code == 400
    assert get(web_url, "/download.xlsx", params={"q": "pricing"}).status_code == 404


# -- assets and headers ---------------------------------------------------------------------


def test_every_asset_is_served_by_the_page_itself(web_url) -> None:
    page = get(web_url, "/", params={"q": "pricing"})
    refs = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page.text)
    assert refs and all(ref.startswith("/static/") for ref in refs)
    for ref in refs:
        assert get(web_url, ref).status_code == 200


def test_pages_forbid_scripts_from_anywhere_but_the_page(web_url) -> None:
    headers = get(web_url, "/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


# -- hostile data ---------------------------------------------------------------------------


def test_hostile_transcript_text_names_and_titles_are_shown_as_text(hostile_url) -> None:
    page = get(hostile_url, "/", params={"q": "pricing", "limit": "100"})
    assert page.status_code == 200
    body = page.text
    assert "<script>window" not in body and "<img src=x" not in body
    assert str(escape(SCRIPT_TITLE)) in body  # as text, escaped the way Jinja escapes
    assert "&lt;img src=x onerror=" in body and SCRIPT_NAME.startswith("<img src=x onerror=")
    assert str(escape(SCRIPT_SENTENCE)) in body
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', body))


def test_call_view_never_links_a_javascript_url(hostile_url) -> None:
    page = get(hostile_url, f"/call/{EVIL_CALL}", params={"hit": "1"})
    assert page.status_code == 200
    assert "<script>window" not in page.text and "<b>VP</b>" not in page.text
    hrefs = re.findall(r'href="([^"]*)"', page.text)
    assert hrefs and not any("javascript" in h for h in hrefs)
    assert "Gong link (not a web address): javascript:" in page.text
    plain = get(hostile_url, f"/call/{PLAIN_CALL}")
    assert 'href="https://us-1.app.gong.io/call?id=2"' in plain.text


def test_csv_download_neutralises_formulas(hostile_url) -> None:
    got = get(hostile_url, "/download.csv", params={"q": "hyperlink"})
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows and {r["text"] for r in rows} == {"'" + FORMULA_SENTENCE}


# -- access ---------------------------------------------------------------------------------


def test_a_foreign_host_header_is_refused_on_loopback(web_url) -> None:
    page = get(web_url, "/", headers={"Host": "attacker.example:8765"})
    assert page.status_code == 421
    assert get(web_url, "/", headers={"Host": "localhost"}).status_code == 200


def test_a_token_is_asked_for_then_kept_in_a_cookie(synced_index) -> None:
    with WebServer(synced_index, port=0, access=Access(token=TOKEN)) as server:
        assert get(server.url, "/").status_code == 401
        assert get(server.url, "/", params={"token": "wrong" * 5}).status_code == 401
        first = get(server.url, "/", params={"token": TOKEN, "q": "pricing"})
        assert first.status_code == 303 and first.headers["location"] == "/?q=pricing"
        cookie = first.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        with httpx.Client(base_url=server.url, cookies=first.cookies) as browser:
            assert browser.get("/?q=pricing").status_code == 200
        elsewhere = get(server.url, "//evil.example/", params={"token": TOKEN})
        assert elsewhere.headers["location"] == "/evil.example/"  # stays on this site
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert get(server.url, "/", headers=bearer).status_code == 200


def test_basic_auth_is_asked_for_and_checked(synced_index) -> None:
    access = Access(basic=("ann", "s3cret:pass"))
    with WebServer(synced_index, port=0, access=access) as server:
        refused = get(server.url, "/")
        assert refused.status_code == 401 and "Basic" in refused.headers["www-authenticate"]
        assert get(server.url, "/", auth=("ann", "wrong")).status_code == 401
        assert get(server.url, "/", auth=("ann", "s3cret:pass")).status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"host": "0.0.0.0"}, "add --token"),
        ({"host": "192.0.2.1", "token": "short"}, "at least 16"),
        ({"token": TOKEN, "basic": ("a", "b")}, "choose one"),
        ({"basic": ("", "b")}, "USER:PASSWORD"),
    ],
)
def test_exposing_the_index_needs_a_real_secret(kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        Access(**kwargs)


def test_serve_refuses_another_host_without_a_secret(synced_index) -> None:
    args = ("serve", "--index", str(synced_index), "--host", "0.0.0.0", "--port", "0")
    done = cli(*args, env={"GONG_SEARCH_TOKEN": None, "GONG_SEARCH_BASIC_AUTH": None})
    assert done.exit_code == 2 and "--host 0.0.0.0" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_token_on_the_command_line_is_warned_about(synced_index) -> None:
    done = cli("serve", "--index", str(synced_index), "--token", "short", "--port", "0")
    assert "--token is visible to other local users" in done.stderr
    assert done.exit_code == 2 and "at least 16" in done.stderr  # and never echoed
    assert "short" not in done.stderr.replace("--token", "")


def test_serve_without_an_index_is_one_line(tmp_path) -> None:
    done = cli("serve", "--index", str(tmp_path / "none"), "--port", "0")
    assert done.exit_code == 2 and "no gong-search index here" in done.stderr


def test_serve_prints_its_url_serves_and_stops_on_ctrl_c(synced_index) -> None:
    command = [sys.executable, "-m", "gong_search", "serve", "--index", str(synced_index)]
    proc = subprocess.Popen(
        [*command, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        url = re.search(r"at (http://127\.0\.0\.1:\d+/) ", line)
        assert url, line
        assert get(url.group(1), "/", params={"q": "pricing"}).status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()


# -- facets (issue 14's contract; runs once the library has them) ---------------------------

HAS_FACETS = "facets" in SearchOptions.json_schema()["properties"]


SAID_BY = re.compile(r'<p class="sentence"><span class="speaker spk-\d">([^<]+)<')
FACET_LINK = re.compile(r'<a href="([^"]+)" title="(\d+) sentences in \d+ calls">([^<]+)</a>', re.S)


def facet_links(page: str, facet: str) -> list[tuple[str, int, str]]:
    """(URL, sentences, value) of each value listed under ``facet``."""
    section = page.split(f'data-facet="{facet}">', 1)[1].split("</section>", 1)[0]
    return [(html.unescape(u), int(n), html.unescape(v)) for u, n, v in FACET_LINK.findall(section)]


def total_of(page: str) -> int:
    found = re.search(r"of\s*<strong>([\d,]+)</strong>", page)
    assert found, "no total on the page"
    return int(found.group(1).replace(",", ""))


@pytest.mark.skipif(not HAS_FACETS, reason="the library has no facets yet (issue 14)")
def test_facet_counts_are_the_librarys_and_each_link_filters(web_url, synced_index) -> None:
    page = get(web_url, "/", params={"q": "pricing"})
    wanted = SearchOptions(facets=("account", "speaker", "month"), limit=1)
    library = search(synced_index, "pricing", wanted).facets
    for facet in ("account", "speaker", "month"):
        shown = [(value, n) for _, n, value in facet_links(page.text, facet)]
        assert shown == [(c.value, c.sentences) for c in library[facet][:10]], facet
    url, sentences, name = facet_links(page.text, "speaker")[0]
    narrowed = get(web_url, url)
    said_by = re.findall(
        r'<p class="sentence"><span class="speaker spk-\d">([^<]+)<', narrowed.text
    )
    assert "speakers=" in url and set(map(html.unescape, said_by)) == {name}
    assert total_of(narrowed.text) == sentences
    chosen = re.search(r'class="chosen"><a href="([^"]+)"[^>]*aria-current="true"', narrowed.text)
    assert chosen and "speakers=" not in html.unescape(chosen.group(1))  # a click removes it
    url, sentences, month = facet_links(page.text, "month")[0]
    assert f"start={month}-01" in url and total_of(get(web_url, url).text) == sentences


def test_the_footer_status_is_refreshed_in_the_background() -> None:
    reads = iter(range(100))
    cached = Cached(lambda: next(reads), seconds=0)
    assert cached.get() == 0  # the first read waits
    deadline = time.monotonic() + 5
    while cached.get() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # later pages get the last value while a thread reads the next
    assert cached.get() > 0


def test_the_package_ships_every_module_template_and_asset() -> None:
    """A non-editable install gets what the page needs (pyproject lists packages by hand)."""
    root = Path(__file__).resolve().parent.parent
    setup = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    code = {
        ".".join(p.parent.relative_to(root).parts) for p in (root / "gong_search").rglob("*.py")
    }
    assert code <= set(setup["packages"])
    web = root / "gong_search" / "web"
    globs = setup["package-data"]["gong_search.web"]
    assets = [p for d in ("templates", "static") for p in (web / d).iterdir()]
    assert assets and all(any(p.relative_to(web).match(g) for g in globs) for p in assets)
