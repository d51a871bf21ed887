"""The standalone page at a real model's size in Chromium: ESM-2-3B-shaped 36 x 40 heads, a long chain.

The head grid must stay readable and clickable at 1,440 heads, and the heatmap of a
600-residue chain (pooled to 300 x 300 cells on the wire) must zoom with the wheel,
pan with a drag and reset on double-click, its ticks following the zoom.  The window
is a laptop's (1280 x 800); the screenshots are the README's (``make docs``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_harness import changed_fraction, next_frames, screenshot_path
from test_standalone_html import HEATMAP_CANVAS, VIEW, StandalonePage
from test_widgets_scale import GivenAttention, long_chain, random_attention

LENGTH = 600


@pytest.fixture(scope="module")
def big_page(browser, tmp_path_factory):
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    tmp = tmp_path_factory.mktemp("scale")
    structure = paw.load_structure(long_chain(LENGTH, tmp))
    attention = random_attention(structure["H"], 36, 40)
    ex = AttentionExplorer(structure, model=GivenAttention(attention), chain="H", layer=20, head=7, threshold=0.1)
    path = ex.to_html(tmp / "big.html", heads="layer")
    opened = StandalonePage(browser, path, ex)
    opened.page.set_viewport_size({"width": 1280, "height": 800})
    try:
        yield opened
    finally:
        opened.context.close()


def test_big_grid_is_readable_and_clickable(big_page):
    page = big_page
    grid = page.view("head_grid")
    assert grid["layout"]["nLayers"] == 36 and grid["layout"]["nHeads"] == 40
    tile = grid["layout"]["tile"]
    assert 8 <= tile <= 14 and 40 * tile <= 450  # sized from the count: fits beside the heatmap
    # Scroll to the grid as a person would (at 1280 px it sits beside the 3D view and the heatmap).
    page.page.evaluate(f"() => ({VIEW})('head_grid').scrollIntoView({{block: 'center'}})")
    point = page.view("head_grid", "tileCenter(20, 33)")
    page.page.mouse.click(point["x"], point["y"])
    page.page.wait_for_function("() => window.protattnPage.state.head === 33")
    assert page.state()["layer"] == 20
    # The page's 3D edges come from the embedded pairs above the floor: the widget's, up to quantisation.
    import numpy as np

    page.ngl_frame("s.edges > 0")
    pairs, weights = page.page_edges()
    ij = np.frombuffer(pairs, "<u2").reshape(-1, 2)
    drawn = {(int(i), int(j)): int(w) for (i, j), w in zip(ij, np.frombuffer(weights, np.uint8))}
    kernel_pairs, kernel_weights = page.widget_edges(layer=20, head=33)
    kij = np.frombuffer(kernel_pairs, "<u2").reshape(-1, 2)
    widget = {(int(i), int(j)): int(w) for (i, j), w in zip(kij, np.frombuffer(kernel_weights, np.uint8))}
    assert len(drawn) > 100
    combined = page.explorer.attention.combined(20, 33, "max")
    band = float(combined.max()) / 255  # pairs this close to the threshold may fall either side
    for i, j in set(drawn) ^ set(widget):
        assert abs(float(combined[i, j]) - 0.1) <= band, (i, j, float(combined[i, j]))
    assert all(abs(drawn[p] - widget[p]) <= 1 for p in set(drawn) & set(widget))
    top = page.page.locator(".protattn-grid .pa-top button")
    assert top.count() == 5
    scale = page.page.locator(".protattn-grid .pa-scale").inner_text()
    from protattn_widgets.definitions import MIN_STRONG_EDGES  # the one ranked-head rule (js/head_grid.js: small < 3x)

    assert f"grey: < {MIN_STRONG_EDGES} strong edges" in scale and f"small: < {3 * MIN_STRONG_EDGES}" in scale
    page.page.screenshot(path=str(screenshot_path("explorer_scale.png")))


def test_heatmap_zooms_pans_and_resets(big_page):
    page = big_page
    before = page.view("heatmap")
    assert before["n"] == LENGTH and before["block"] == 2 and before["view"]["span"] == LENGTH
    pixels = page.pixels(HEATMAP_CANVAS)
    center = page.view("heatmap", "matrixCenter()")
    page.page.mouse.move(center["x"], center["y"])
    for _ in range(6):
        page.page.mouse.wheel(0, -120)
    # The last wheel events wait for the next animation frame to be drawn: the drawn view (summary()),
    # its ticks and pixels are read once every wheel event so far was drawn.
    next_frames(page.page)
    page.page.wait_for_function(
        f"() => {{ const v = [...document.querySelectorAll('.protattn-heatmap')].map(e => e.parentElement)"
        f".find(e => e.protattnView).protattnView.summary().view; return v.span < {LENGTH / 3}; }}")
    zoomed = page.view("heatmap")
    assert zoomed["view"]["span"] < LENGTH / 3
    assert zoomed["ticks"] != before["ticks"], "the axis ticks did not follow the zoom"
    assert changed_fraction(pixels, page.pixels(HEATMAP_CANVAS)) > 0.05
    assert "zoom" in page.page.locator(".protattn-heatmap .pa-zoom").inner_text()
    page.page.locator(".protattn-heatmap").screenshot(path=str(screenshot_path("heatmap_zoom.png")))

    page.page.mouse.move(center["x"], center["y"])
    page.page.mouse.down()
    page.page.mouse.move(center["x"] + 90, center["y"] + 60, steps=6)
    page.page.mouse.up()
    next_frames(page.page)  # the last move's pan drawn
    panned = page.view("heatmap")["view"]
    assert panned["c0"] < zoomed["view"]["c0"] and panned["r0"] < zoomed["view"]["r0"]
    assert panned["span"] == pytest.approx(zoomed["view"]["span"])
    assert page.state()["selected_residue"] is None, "a drag must not select"

    page.page.mouse.dblclick(center["x"], center["y"])
    page.page.wait_for_function(
        "() => [...document.querySelectorAll('.protattn-heatmap')].map(e => e.parentElement)"
        f".find(e => e.protattnView).protattnView.summary().view.span === {LENGTH}")
    assert page.view("heatmap")["ticks"] == before["ticks"]
    assert page.errors() == []


#: The notebook of the kernel-side test: the same shape of data, built in the kernel.
LAB_CELLS = [
    "import sys; sys.path.insert(0, {tests!r})\n"
    "from pathlib import Path\n"
    "import tempfile\n"
    "import protattn_widgets as paw\n"
    "from protattn_widgets.widgets.explorer import AttentionExplorer\n"
    "from test_widgets_scale import GivenAttention, long_chain, random_attention",
    "structure = paw.load_structure(long_chain({length}, Path(tempfile.mkdtemp())))\n"
    "ex = AttentionExplorer(structure, model=GivenAttention(random_attention(structure['H'], 33, 20)), chain='H',\n"
    "                       threshold=0.1, structure_view=False)\n"
    "ex",
]
HEATMAP = ("[...document.querySelectorAll('.protattn-heatmap')].map(e => e.parentElement)"
           ".find(e => e.protattnView).protattnView")


@pytest.fixture(scope="module")
def big_lab(jupyter_server, browser):
    from browser_harness import LabPage

    tests = str(Path(__file__).resolve().parents[1])
    cells = [c.replace("{tests!r}", repr(tests)).replace("{length}", str(LENGTH)) for c in LAB_CELLS]
    page = LabPage(jupyter_server, browser, "big.ipynb", cells)
    try:
        page.run_all(timeout_s=300)
        assert page.run_python("print(len(ex.attention))").strip() == str(LENGTH)
        page.page.wait_for_function(f"() => {{ const e = ({HEATMAP}); return e && e.draws > 0; }}", timeout=120_000)
        yield page
    finally:
        page.close()


def test_zooming_in_the_notebook_brings_the_window_at_full_resolution(big_lab):
    lab = big_lab
    canvas = lab.page.locator(HEATMAP_CANVAS).first
    canvas.scroll_into_view_if_needed()
    summary = lab.page.evaluate(f"() => ({HEATMAP}).summary()")
    assert summary["block"] == 2 and not summary["detail"]  # 600 residues pooled to 300 x 300 on the wire
    center = lab.page.evaluate(f"() => ({HEATMAP}).matrixCenter()")
    lab.page.mouse.move(center["x"], center["y"])
    for _ in range(5):
        lab.page.mouse.wheel(0, -120)
    next_frames(lab.page)  # every wheel event drawn: summary().view is the view the detail must cover
    # The front-end asks for the window it shows; the kernel sends it at full resolution.
    lab.page.wait_for_function(f"() => ({HEATMAP}).summary().detail === true", timeout=30_000)
    view = lab.page.evaluate(f"() => ({HEATMAP}).summary().view")
    window = [int(v) for v in lab.run_python("print(*ex.heatmap._detail_window)").split()]
    assert window[0] <= view["r0"] and window[1] >= view["r0"] + view["span"] - 1
    assert window[1] - window[0] <= 300
    # A head change while zoomed in: the new head's window comes with it.
    lab.run_python("ex.head = 7")
    lab.page.wait_for_function(f"() => ({HEATMAP}).summary().head === 7 && ({HEATMAP}).summary().detail")
    ok = lab.run_python("import numpy as np\n"
                        "r0, r1, c0, c1 = ex.heatmap._detail_window\n"
                        "h = np.asarray(ex.attention.head(ex.layer, 7), dtype=np.float32)[r0:r1, c0:c1]\n"
                        "print(np.abs(ex.heatmap.detail - h).max() <= ex.heatmap._scale / 510 + 1e-6)")
    assert ok.strip() == "True"
    lab.page.mouse.move(5, 5)  # no tooltip in the picture
    lab.page.locator(".protattn-heatmap").first.screenshot(path=str(screenshot_path("heatmap_zoom_notebook.png")))
    assert lab.errors() == []
