"""The dataset browser (result.browse()) in a real browser, in JupyterLab 4 and marimo.

A user analyses antibody chains with AntiBERTy, shows ``result.browse("contact")``, clicks a
head tile (the proteins behind that head are listed, most hits first), then a protein
(its AttentionExplorer opens in the kernel at that head, from the cache).  The README's
screenshot of the browser is taken here (build/screenshots, ``make docs`` copies it).
"""

from __future__ import annotations

import pytest

from browser_harness import distinct_colors, screenshot_path
from frontends import Notebook, open_frontend

SETUP = """\
from protattn_widgets import analysis
records = analysis.antibody_dataset(["1vfb_complex", "5sv3_complex"])
result = analysis.analyze("antiberty", records, ["contact", "paratope"], min_total=10, progress=False)
browser = result.browse("contact")
"""
DOC = Notebook("dataset_browser", SETUP, ["browser"])
ROOT = '[data-testid="protattn-browser"]'
API = f"() => window.__paAll('{ROOT}').map(e => e.parentElement).find(e => e && e.protattnBrowser)"
GRID = "() => window.__paAll('.protattn-grid').map(e => e.parentElement).find(e => e && e.protattnView)"


#: marimo renders anywidgets only: today's AttentionExplorer is ipywidgets + nglview and fails to build in
#: marimo's kernel (AssertionError), so a protein click there sets browser.protein but opens no explorer
#: until the explorer is one anywidget (issue 19). strict: this test fails once that lands, to be removed.
MARIMO_EXPLORER = pytest.mark.xfail(strict=True, reason="AttentionExplorer is not an anywidget yet (issue 19)")
PARAMS = ["lab", "marimo"]


@pytest.fixture(scope="module", params=PARAMS)
def shown(request, frontend_servers, browser):
    page = open_frontend(request.param, frontend_servers, browser, DOC)
    try:
        page.page.wait_for_function(f"() => {{ const e = ({GRID})(); return e && e.protattnView.draws > 0; }}",
                                    timeout=240_000)
        page.page.wait_for_function(f"() => ({API})().protattnBrowser.summary().rows > 0", timeout=60_000)
        yield page
    finally:
        page.close()


def summary(page) -> dict:
    return page.page.evaluate(f"() => ({API})().protattnBrowser.summary()")


def test_browser_draws_the_grid_and_the_top_heads_proteins(shown):
    import io

    import numpy as np
    from PIL import Image

    grid = np.asarray(Image.open(io.BytesIO(shown.query(f"{ROOT} .protattn-grid canvas").first.screenshot())))
    assert distinct_colors(grid[..., :3]) > 10
    expected = shown.run_python("print(browser.layer, browser.head, len(browser.ranking))").split()
    got = summary(shown)
    assert [str(got["layer"]), str(got["head"]), str(got["rows"])] == expected
    assert shown.query(".protattn-error").count() == 0


def test_head_click_lists_that_heads_proteins_and_protein_click_opens_its_explorer(shown, request):
    if shown.frontend == "marimo":
        request.applymarker(MARIMO_EXPLORER)
    shown.query(f"{ROOT} .protattn-grid canvas").first.scroll_into_view_if_needed()
    point = shown.page.evaluate(f"() => ({GRID})().protattnView.tileCenter(1, 6)")
    shown.page.mouse.click(point["x"], point["y"])
    shown.wait_for_python("print(browser.layer, browser.head)", "1 6")
    shown.page.wait_for_function(f"() => {{ const s = ({API})().protattnBrowser.summary(); "
                                 "return s.layer === 1 && s.head === 6; }")
    first = shown.run_python("print(browser.ranking[0]['protein'])").strip()
    title = shown.query(f"{ROOT} .pb-title").first.text_content()
    assert "head 2-7" in title
    rows = shown.query(f'{ROOT} tr.pb-row[data-protein="{first}"]')
    rows.first.click()
    shown.wait_for_python("ex = browser.explorer; print(browser.protein, *((ex.layer, ex.head, "
                          "ex.structure.name + ':' + ex.chain) if ex is not None else ('(opening)', browser._status)))",
                          f"{first} 1 6 {first}", timeout_s=180)
    shown.page.wait_for_function(f"() => ({API})().protattnBrowser.summary().protein === {first!r}")
    assert shown.query(f'{ROOT} tr.pb-chosen[data-protein="{first}"]').count() == 1
    if shown.frontend == "marimo":
        shown.query(ROOT).first.screenshot(path=str(screenshot_path("dataset_browser.png")))


def test_no_errors_in_the_browser_console(shown):
    assert shown.errors() == [], "\n".join(shown.errors())
