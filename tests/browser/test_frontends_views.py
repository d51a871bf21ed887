"""The anywidget views (heatmap, head grid, sequence track) in every front-end: JupyterLab 4,
Notebook 7, Voila, marimo with the views as cell outputs and through ``mo.ui.anywidget``.

One test body per interaction, run in each front-end (frontends.py): the views draw,
a heatmap click selects a residue in the kernel and in the linked views, the wheel
zooms and a double-click resets, a head tile click and the arrow keys pick the head.
The views are linked in the kernel with ``traitlets.link``, as a user would.
"""

from __future__ import annotations

import pytest

from browser_harness import distinct_colors
from frontends import FRONTENDS, Notebook, open_frontend

SETUP = """\
import traitlets
import protattn_widgets as paw
from protattn_widgets.widgets.heatmap import AttentionHeatmap
from protattn_widgets.widgets.head_grid import HeadGrid
from protattn_widgets.widgets.sequence_track import SequenceTrack
chain = paw.load_structure(paw.example_path("1vfb_complex"))["B"]
attention = paw.load_model("antiberty").attention(chain)
heatmap = AttentionHeatmap(attention, chain, layer=3, head=5, size=360)
grid = HeadGrid(attention, chain, layer=3, head=5)
track = SequenceTrack(attention, chain, layer=3, head=5)
links = [traitlets.link((heatmap, name), (view, name))
         for view in (grid, track) for name in ("layer", "head", "selected_residue")]
"""

#: The view API of js/lib/dom.js ``stamp``: kind -> the element holding it, in shadow roots too.
VIEW = """(kind) => window.__paAll('.protattn-heatmap, .protattn-grid, .protattn-track')
                     .flatMap(e => [e, e.parentElement]).find(e => e && e.protattnView && e.protattnView.kind === kind)"""
KINDS = ("heatmap", "head_grid", "sequence_track")
DOC = Notebook("views", SETUP, ["heatmap", "grid", "track"])


@pytest.fixture(scope="module", params=FRONTENDS)
def views(request, frontend_servers, browser):
    page = open_frontend(request.param, frontend_servers, browser, DOC)
    try:
        for kind in KINDS:
            page.page.wait_for_function(
                f"() => {{ const e = ({VIEW})('{kind}'); return e && e.protattnView.draws > 0; }}", timeout=120_000)
        yield page
    finally:
        page.close()


def api(page, kind: str, call: str = "summary()"):
    return page.page.evaluate(f"() => ({VIEW})('{kind}').protattnView.{call}")


def pixels(page, selector: str):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(page.query(selector).first.screenshot())).convert("RGB"))


def test_views_draw(views):
    assert distinct_colors(pixels(views, ".protattn-heatmap canvas")) > 20, "the heatmap is (nearly) blank"
    assert distinct_colors(pixels(views, ".protattn-grid canvas")) > 10
    assert distinct_colors(pixels(views, ".protattn-track canvas")) > 10
    assert api(views, "heatmap")["n"] == 116
    assert views.query(".protattn-error").count() == 0


def test_heatmap_click_selects_the_residue_in_the_kernel_and_every_view(views):
    views.run_python("heatmap.selected_residue = None")
    views.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().selected == null")
    views.query(".protattn-heatmap canvas").first.scroll_into_view_if_needed()
    point = api(views, "heatmap", "cellCenter(31, 90)")
    views.page.mouse.click(point["x"], point["y"])
    views.wait_for_python("print(heatmap.selected_residue, grid.selected_residue, track.selected_residue)", "31 31 31")
    views.page.wait_for_function(f"() => ({VIEW})('sequence_track').protattnView.summary().selected === 31")


def test_heatmap_wheel_zooms_and_double_click_resets(views):
    views.query(".protattn-heatmap canvas").first.scroll_into_view_if_needed()
    full = api(views, "heatmap")["view"]["span"]
    centre = api(views, "heatmap", "matrixCenter()")
    views.page.mouse.move(centre["x"], centre["y"])
    for _ in range(4):
        views.page.mouse.wheel(0, -120)
    views.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().view.span < {full / 2}")
    views.page.mouse.dblclick(centre["x"], centre["y"])
    views.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().view.span === {full}")


def test_head_tile_click_and_arrow_keys_pick_the_head(views):
    views.run_python("heatmap.layer, heatmap.head = 3, 5")
    views.query(".protattn-grid canvas").first.scroll_into_view_if_needed()
    point = api(views, "head_grid", "tileCenter(1, 2)")
    views.page.mouse.click(point["x"], point["y"])
    views.wait_for_python("print(heatmap.layer, heatmap.head, track.layer, track.head)", "1 2 1 2")
    views.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().head === 2")
    views.page.keyboard.press("ArrowDown")  # the clicked grid has the focus
    views.wait_for_python("print(heatmap.layer, heatmap.head)", "2 2")
    views.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().layer === 2")


def test_kernel_change_reaches_the_page(views):
    views.run_python("heatmap.head = 7")
    for kind in ("heatmap", "head_grid"):
        views.page.wait_for_function(f"() => ({VIEW})('{kind}').protattnView.summary().head === 7")


def test_no_errors_in_the_browser_console(views):
    assert views.errors() == [], "\n".join(views.errors())
