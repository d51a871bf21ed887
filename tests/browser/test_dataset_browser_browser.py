"""The dataset browser (result.browse()) in a real browser, in JupyterLab 4 and marimo.

A user analyses antibody chains with AntiBERTy, shows ``result.browse("contact")``, clicks a
head tile (the proteins behind that head are listed, most hits first), then a protein
(its AttentionExplorer opens at that head, from the cache, and is drawn inside the browser by the
explorer's own front-end).  The browser makes its one explorer with itself (a click makes no widget:
marimo cannot make one outside a running cell); a click switches it (``show_protein``).  The README's
screenshot of the browser is taken here, in JupyterLab (build/screenshots, ``make docs`` copies it).
"""

from __future__ import annotations

import re

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
GRID = "() => window.__paAll('[data-testid=\"browser-grid\"]').find(e => e.protattnView)"


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

    grid = np.asarray(Image.open(io.BytesIO(shown.query(f'{ROOT} [data-testid="browser-grid"] canvas').first.screenshot())))
    assert distinct_colors(grid[..., :3]) > 10
    expected = shown.run_python("print(browser.layer, browser.head, len(browser.ranking))").split()
    got = summary(shown)
    assert [str(got["layer"]), str(got["head"]), str(got["rows"])] == expected
    assert shown.query(".protattn-error").count() == 0


def test_the_browser_shows_its_explorer_from_the_start(shown):
    """The one explorer is made with the browser (in the cell), so it is drawn inside it in every front-end."""
    protein = shown.run_python("print(browser.protein)").strip()
    layer, head = (int(v) for v in shown.run_python("print(browser.layer, browser.head)").split())
    assert kernel_explorer(shown) == f"{layer} {head} {protein}"
    wait_until_drawn(shown, protein, layer, head)
    assert shown.query(f'{ROOT} tr.pb-chosen[data-protein="{protein}"]').count() == 1


def test_head_click_lists_that_heads_proteins(shown):
    shown.query(f'{ROOT} [data-testid="browser-grid"] canvas').first.scroll_into_view_if_needed()
    point = shown.page.evaluate(f"() => ({GRID})().protattnView.tileCenter(1, 6)")
    shown.page.mouse.click(point["x"], point["y"])
    shown.wait_for_python("print(browser.layer, browser.head)", "1 6")
    shown.page.wait_for_function(f"() => {{ const s = ({API})().protattnBrowser.summary(); "
                                 "return s.layer === 1 && s.head === 6; }")
    rows = shown.run_python("print(*[row['protein'] for row in browser.ranking])").split()
    shown.page.wait_for_function(f"() => ({API})().protattnBrowser.summary().rows === {len(rows)}")
    listed = [shown.query(f"{ROOT} tbody tr").nth(k).get_attribute("data-protein") for k in range(len(rows))]
    assert listed == rows
    assert "head 2-7" in shown.query(f"{ROOT} .pb-title").first.text_content()


EXPLORER = f"() => window.__paAll('{ROOT} [data-testid=\"protattn-explorer\"]')[0]"


def kernel_explorer(page) -> str:
    return page.run_python("ex = browser.explorer; print(ex.layer, ex.head, ex.structure.name + ':' + ex.chain)").strip()


def wait_until_drawn(page, protein: str, layer: int, head: int, timeout_ms: int = 120_000) -> None:
    """The page's explorer shows ``protein`` at the head: state, heatmap and grid drawn for its residues, and the
    3D view's one structure component is the protein's structure with the chain mapped and a cartoon."""
    name, chain = protein.split(":")
    n = int(page.run_python(f"print(len(browser.records[{protein!r}].chain))"))
    try:
        page.page.wait_for_function(
            f"""() => {{ const e = ({EXPLORER})(); if (!e || !e.protattnExplorer) return false;
                const s = e.protattnExplorer.summary(), st = s.state, d = s.structure;
                return st.layer === {layer} && st.head === {head} && st.chain === {chain!r}
                  && s.heatmap && s.heatmap.draws > 0 && s.grid && s.grid.draws > 0
                  && d && d.ready && d.structureName === {name!r} && d.chain === {chain!r}
                  && d.mappedResidues === {n} && d.cartoon && d.components === 1 && !d.error; }}""",
            timeout=timeout_ms)
    except Exception:
        seen = page.page.evaluate(f"""() => {{ const e = ({EXPLORER})(); if (!e || !e.protattnExplorer) return null;
            const s = e.protattnExplorer.summary(); return {{state: s.state, structure: s.structure &&
            {{name: s.structure.structureName, chain: s.structure.chain, mapped: s.structure.mappedResidues,
              components: s.structure.components, error: s.structure.error}}, structureError: s.structureError}}; }}""")
        raise AssertionError(f"the page's explorer does not show {protein} at {layer}-{head} ({n} residues): {seen}")


def test_protein_click_opens_its_explorer_at_that_head(shown):
    """Head 2-7 was clicked (test above); a protein of another structure is clicked: the browser's explorer
    (the same widget, in JupyterLab and marimo) shows that protein at 2-7, its 3D view the new structure."""
    shown_now = shown.run_python("print(browser.explorer.structure.name)").strip()
    rows = shown.run_python("print(*[row['protein'] for row in browser.ranking])").split()
    first = next(p for p in rows if p.split(":")[0] != shown_now)
    shown.query(f'{ROOT} tr.pb-row[data-protein="{first}"]').first.click()
    shown.wait_for_python("print(browser.protein)", first)
    shown.page.wait_for_function(f"() => ({API})().protattnBrowser.summary().protein === {first!r}")
    assert shown.query(f'{ROOT} tr.pb-chosen[data-protein="{first}"]').count() == 1
    shown.wait_for_python("ex = browser.explorer; print(ex.layer, ex.head, ex.structure.name + ':' + ex.chain)",
                          f"1 6 {first}", timeout_s=120)
    wait_until_drawn(shown, first, 1, 6)
    # one rule for ranked heads: the explorer's grid ranks by the analysis's minimum, as the browser's grid does
    minimum = shown.run_python("print(browser.min_total, browser.explorer.min_total)").split()
    assert minimum[0] == minimum[1]
    notes = [shown.query(f'{ROOT} [data-testid="{grid}"] .pa-scale').first.text_content()
             for grid in ("browser-grid", "view-grid")]
    greys = [re.search(r"grey: < (\d+) ", note) for note in notes]
    assert all(greys) and [int(g.group(1)) for g in greys] == [int(minimum[0])] * 2, notes
    if shown.frontend == "lab":  # the README's picture: tall enough for the browser and its explorer
        shown.page.set_viewport_size({"width": 1280, "height": 2000})
    shown.page.wait_for_function(f"() => {{ const s = ({EXPLORER})().protattnExplorer.summary().structure; "
                                 "return s && s.painted; }", timeout=60_000)
    if shown.frontend == "lab":
        assert shown.query(".jp-Notification-Toast, .Toastify__toast").count() == 0  # no news pop-up in the picture
        shown.query(ROOT).first.screenshot(path=str(screenshot_path("dataset_browser.png")))
    # a head picked in the browser's grid moves the explorer there too
    point = shown.page.evaluate(f"() => ({GRID})().protattnView.tileCenter(3, 2)")
    shown.page.mouse.click(point["x"], point["y"])
    shown.wait_for_python("print(browser.explorer.layer, browser.explorer.head)", "3 2")
    shown.page.wait_for_function(f"() => {{ const s = ({EXPLORER})().protattnExplorer.state(); "
                                 "return s.layer === 3 && s.head === 2; }")


def test_switching_proteins_again_and_again_leaks_nothing(shown):
    """Back and forth between structures: one explorer, one NGL stage with one structure component, one set of
    3D overlays, NGL evaluated once; the last protein is the one drawn."""
    rows = shown.run_python("print(*[row['protein'] for row in browser.ranking if row['has_structure']])").split()
    names = {}
    for p in rows:
        names.setdefault(p.split(":")[0], p)
    picks = list(names.values())[:2]
    assert len(picks) == 2, rows
    explorer_id = shown.run_python("print(browser.explorer.model_id)").strip()
    for protein in picks * 3:
        shown.query(f'{ROOT} tr.pb-row[data-protein="{protein}"]').first.click()
        shown.wait_for_python("print(browser.protein)", protein)
    last = picks[1]
    layer, head = (int(v) for v in shown.run_python("print(browser.layer, browser.head)").split())
    wait_until_drawn(shown, last, layer, head)
    assert shown.run_python("print(browser.explorer.model_id)").strip() == explorer_id
    counts = shown.page.evaluate(f"""() => {{ const e = ({EXPLORER})();
        const q = (s) => window.__paAll(`{ROOT} ${{s}}`).length;
        return {{ explorers: q('[data-testid="protattn-explorer"]'), canvases: q('[data-testid="view-structure"] canvas'),
                 captions: q('[data-testid="structure-caption"]'), legends: q('[data-testid="structure-chain-legend"]'),
                 toolbars: q('[data-testid="structure-toolbar"]'), tooltips: q('[data-testid="structure-tooltip"]'),
                 loads: e.querySelector('[data-testid="view-structure"]').protattn.loads(),
                 components: e.protattnExplorer.summary().structure.components,
                 nglLoads: e.protattnExplorer.summary().nglLoads }}; }}""")
    assert counts == {"explorers": 1, "canvases": 1, "captions": 1, "legends": 1, "toolbars": 1, "tooltips": 1,
                      "loads": counts["loads"], "components": 1, "nglLoads": 1}, counts
    assert counts["loads"] >= 3  # the structure really was reloaded on the switches


def test_no_errors_in_the_browser_console(shown):
    assert shown.errors() == [], "\n".join(shown.errors())
