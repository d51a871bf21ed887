"""The page ``protattn analyze ... --browse`` writes (browser.html), opened from file:// in Chromium.

No kernel, no server, the network blocked: a reader clicks a head tile of the dataset grid, sees
the proteins behind that head ranked by hits (numbers equal to ``result["contact"].per_protein``
of the report's saved result), clicks a protein, and sees its explorer at that head (the
explorer's own front-end, from the data the page embeds): heatmap drawn, 3D cartoon with the
head's edges.  The README's screenshot of the page is taken here (build/screenshots).
"""

from __future__ import annotations

import contextlib
import io

import pytest

from browser_harness import KNOWN_CONSOLE_NOISE, console_problems, distinct_colors, screenshot_path

ROOT = '[data-testid="protattn-browser"]'
GRID = "() => document.querySelector('[data-testid=\"browser-grid\"]')"
API = "() => document.querySelector('[data-testid=\"protattn-browser\"]').parentElement.protattnBrowser"
EXPLORER = "() => document.querySelector('[data-testid=\"browser-explorer\"] [data-testid=\"protattn-explorer\"]')"
LOAD_TIMEOUT_MS = 60_000
#: The head the test clicks (0-based; "2-7", the antibody contact head of the README).
LAYER, HEAD = 1, 6


@pytest.fixture(scope="module")
def report(tmp_path_factory, antiberty):
    """A report with --browse, written by the CLI from a folder outside the repository."""
    import os

    import protattn_widgets as paw
    from protattn_widgets.cli import main

    where = tmp_path_factory.mktemp("browse")
    data = where / "structures"
    data.mkdir()
    (data / "1vfb_complex.pdb").write_bytes(paw.example_path("1vfb_complex").read_bytes())
    (data / "1a0q.pdb").write_bytes(paw.example_path("1a0q").read_bytes())
    here = os.getcwd()
    os.chdir(where)
    try:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["analyze", "--data", "structures", "--property", "contact", "contact_long", "--min-total", "10",
                         "-o", "report", "--browse", "-q"])
    finally:
        os.chdir(here)
    assert code == 0, err.getvalue()
    assert "browser.html" in out.getvalue()
    return where / "report"


@pytest.fixture(scope="module")
def page(browser, report):
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    requests, console = [], []
    context.route("**/*", lambda r: r.abort() if not r.request.url.startswith("file:") else r.continue_())
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page.on("request", lambda req: requests.append(req.url))
    page.on("console", lambda msg: console.append((msg.type, msg.text)))
    page.on("pageerror", lambda exc: console.append(("pageerror", str(exc))))
    page.goto((report / "browser.html").as_uri())
    page.wait_for_function("() => window.protattnBrowserPage && window.protattnBrowserPage.loaded")
    page.wait_for_function(f"() => {{ const e = ({GRID})(); return e && e.protattnView && e.protattnView.draws > 0; }}")
    page.requests, page.console = requests, console
    try:
        yield page
    finally:
        context.close()


def _table(page) -> list[dict]:
    return page.evaluate(f"""() => [...document.querySelectorAll('{ROOT} tbody tr')].map(tr => {{
        const td = [...tr.querySelectorAll('td')].map(c => c.textContent);
        return {{protein: tr.dataset.protein, rank: +td[0], hits: +td[2], total: +td[3], share: td[4],
                 top: td[6], open: !tr.classList.contains('pb-closed')}}; }})""")


def test_the_page_draws_the_grid_offline(page):
    import numpy as np
    from PIL import Image

    assert [url for url in page.requests if not url.startswith("file:")] == [], "the page asked the network"
    grid = np.asarray(Image.open(io.BytesIO(page.locator(f"{ROOT} [data-testid=browser-grid] canvas").first.screenshot())))
    assert distinct_colors(grid[..., :3]) > 10, "the head grid is (nearly) blank"
    assert page.locator(f"{ROOT} [data-testid=browser-feature]").input_value() == "contact"


def test_head_click_ranks_the_proteins_as_the_saved_result(page, report):
    from protattn_widgets.analysis import AnalysisResult

    point = page.evaluate(f"() => ({GRID})().protattnView.tileCenter({LAYER}, {HEAD})")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function(f"() => {{ const s = ({API})().summary(); return s.layer === {LAYER} && s.head === {HEAD}; }}")
    assert "head 2-7" in page.locator(f"{ROOT} .pb-title").first.text_content()
    per_protein = AnalysisResult.load(report / "result")["contact"].per_protein
    head = per_protein[(per_protein["layer_index"] == LAYER) & (per_protein["head_index"] == HEAD)
                      & (per_protein["total"] > 0)]
    expected = head.assign(neg_hits=-head["hits"], neg_share=-head["share"]).sort_values(
        ["neg_hits", "neg_share"], kind="stable")
    rows = _table(page)
    assert len(rows) == len(expected) > 1
    assert [r["protein"] for r in rows] == list(expected["protein"])
    assert [(r["hits"], r["total"]) for r in rows] == list(zip(expected["hits"], expected["total"]))
    assert [r["share"] for r in rows] == [f"{100 * s:.1f}%" for s in expected["share"]]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r["open"] for r in rows) and all(r["top"] != "\u2013" for r in rows)


def test_protein_click_opens_its_explorer_at_that_head(page):
    first = _table(page)[0]["protein"]
    page.locator(f'{ROOT} tr.pb-row[data-protein="{first}"]').first.click()
    page.wait_for_function(f"() => {{ const e = ({EXPLORER})(); return e && e.protattnExplorer && "
                           "e.protattnExplorer.summary().heatmap && e.protattnExplorer.summary().heatmap.draws > 0; }")
    state = page.evaluate(f"() => ({EXPLORER})().protattnExplorer.state()")
    assert (state["layer"], state["head"]) == (LAYER, HEAD) and state["chain"] == first.split(":")[1]
    assert page.locator(f'{ROOT} tr.pb-chosen[data-protein="{first}"]').count() == 1
    page.wait_for_function(f"() => {{ const s = ({EXPLORER})().protattnExplorer.summary().structure; "
                           "return s && s.ready && s.cartoon && s.painted && s.edges > 0; }")
    # the explorer's own page-side source answers its controls (no kernel): its caption names the head
    assert "2-7" in page.locator(f"{ROOT} [data-testid=browser-explorer] [data-testid=view-heatmap]").first.text_content()
    page.locator(ROOT).first.scroll_into_view_if_needed()
    page.locator(ROOT).first.screenshot(path=str(screenshot_path("browser_page.png")))
    # a head picked in the dataset grid moves the open explorer there too
    point = page.evaluate(f"() => ({GRID})().protattnView.tileCenter(3, 2)")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function(f"() => {{ const s = ({EXPLORER})().protattnExplorer.state(); "
                           "return s.layer === 3 && s.head === 2; }")


def test_property_menu_shows_another_property_and_its_proteins(page, report):
    from protattn_widgets.analysis import AnalysisResult

    result = AnalysisResult.load(report / "result")
    page.locator(f"{ROOT} [data-testid=browser-feature]").select_option("contact_long")
    top = result["contact_long"].top_heads(1)
    layer, head = int(top["layer_index"].iloc[0]), int(top["head_index"].iloc[0])
    page.wait_for_function(f"() => {{ const s = ({API})().summary(); return s.feature === 'contact_long' && "
                           f"s.layer === {layer} && s.head === {head}; }}")
    per_protein = result["contact_long"].per_protein
    rows = per_protein[(per_protein["layer_index"] == layer) & (per_protein["head_index"] == head)
                       & (per_protein["total"] > 0)]
    assert sorted((r["protein"], r["hits"], r["total"]) for r in _table(page)) == sorted(
        zip(rows["protein"], rows["hits"], rows["total"]))
    # the open explorer follows the browser to that head
    page.wait_for_function(f"() => {{ const s = ({EXPLORER})().protattnExplorer.state(); "
                           f"return s.layer === {layer} && s.head === {head}; }}")


def test_no_errors_in_the_console(page):
    problems = console_problems(page.console, KNOWN_CONSOLE_NOISE["standalone"])
    assert problems == [], "\n".join(problems)


def test_a_head_the_page_lacks_is_refused_with_the_reason(browser, report, antiberty, tmp_path_factory):
    """A page written with heads="top" (Python API): a protein clicked at another head opens at an
    embedded head and the status line says why; an embedded head then moves it."""
    from protattn_widgets.analysis import AnalysisResult

    result = AnalysisResult.load(report / "result")
    path = tmp_path_factory.mktemp("top") / "top.html"
    written = result.browse("contact", model=antiberty, dataset=[str(report.parent / "structures")]).to_html(
        path, heads="top", top_k=2)
    tops = {int(r.layer_index) * 8 + int(r.head_index) for f in result for r in result[f].top_heads(2).itertuples()}
    assert written.heads == len(tops) < 64 and written.openable == written.proteins
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    context.route("**/*", lambda r: r.abort() if not r.request.url.startswith("file:") else r.continue_())
    try:
        page = context.new_page()
        page.set_default_timeout(LOAD_TIMEOUT_MS)
        page.goto(path.as_uri())
        page.wait_for_function("() => window.protattnBrowserPage && window.protattnBrowserPage.loaded")
        embedded = page.evaluate("() => window.protattnBrowserPage.source.data.embedded_heads")
        missing = next(flat for flat in range(64) if flat not in embedded)
        point = page.evaluate(f"() => ({GRID})().protattnView.tileCenter({missing // 8}, {missing % 8})")
        page.mouse.click(point["x"], point["y"])
        page.wait_for_function(f"() => ({API})().summary().head === {missing % 8}")
        first = _table(page)[0]["protein"]
        page.locator(f'{ROOT} tr.pb-row[data-protein="{first}"]').first.click()
        page.wait_for_function(f"() => {{ const e = ({EXPLORER})(); return e && e.protattnExplorer && "
                               "e.protattnExplorer.summary().heatmap && e.protattnExplorer.summary().heatmap.draws > 0; }")
        state = page.evaluate(f"() => ({EXPLORER})().protattnExplorer.state()")
        assert state["layer"] * 8 + state["head"] in embedded
        status = page.locator(f"{ROOT} [data-testid=browser-status]").first.text_content()
        assert f"head {missing // 8 + 1}-{missing % 8 + 1} is not in this page" in status
        assert "--browse-heads all" in status
        other = next(flat for flat in embedded if flat != state["layer"] * 8 + state["head"])
        point = page.evaluate(f"() => ({GRID})().protattnView.tileCenter({other // 8}, {other % 8})")
        page.mouse.click(point["x"], point["y"])
        page.wait_for_function(f"() => {{ const s = ({EXPLORER})().protattnExplorer.state(); "
                               f"return s.layer === {other // 8} && s.head === {other % 8}; }}")
    finally:
        context.close()
