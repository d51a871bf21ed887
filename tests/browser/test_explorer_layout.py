"""The explorer on a laptop (issue 19 defect 8) and in marimo's shadow DOM, in real Chromium.

* 1366 x 768 in JupyterLab 4 (file browser closed): the head grid sits beside the 3D view and
  the heatmap (no ~700 px hole to its right), so the effect of a tile click is on screen
  without scrolling.
* The sequence track of a 1,001-residue chain (1HZH's chains H, L, K, M renumbered as one,
  with a numbering jump of 7 after residue 600 so that the track has a gap to mark) is ONE
  line plus its tracks, not 21 wrapped rows: it zooms (wheel, buttons), pans (drag, the
  overview strip), a click selects the residue under the pointer (the kernel's
  ``selected_residue`` says which), arrow keys step the selection and keep it in view, a
  residue selected elsewhere is brought into view, and the track strips and the gap mark
  sit under the right residues on screen.
* marimo (the explorer as a cell's output and through ``mo.ui.anywidget``) copies its own
  style sheets, Tailwind's reset among them, into each widget's shadow root: the
  explorer's own CSS must keep its buttons' and menus' borders there, and lay the views
  out as in JupyterLab.

Screenshots for checking by eye: build/screens/layout_*.png.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from browser_harness import ROOT, next_frames, wait_for_still_layout
from frontends import Notebook, open_frontend

TESTS = Path(__file__).resolve().parents[1]
LENGTH = 1001
GAP_AFTER = 599  # 0-based residue after which the numbering jumps (author ids 600 -> 608)
BAND = range(590, 621)  # 0-based residues of the "band" track, across the gap

SETUP = f"""\
import sys, pathlib, tempfile
sys.path.insert(0, {str(TESTS)!r})
import protattn_widgets as paw
from protattn_widgets.widgets.explorer import AttentionExplorer
from test_widgets_scale import GivenAttention, long_chain, random_attention
ex = AttentionExplorer(paw.example_path("1vfb_complex"), model="antiberty", chain="B", layer=3, head=5, threshold=0.3)
_pdb = long_chain({LENGTH}, pathlib.Path(tempfile.mkdtemp()))
_lines = [ln[:22] + f"{{int(ln[22:26]) + 7 if int(ln[22:26]) > {GAP_AFTER + 1} else int(ln[22:26]):4d}}" + ln[26:]
          if ln.startswith("ATOM  ") else ln for ln in _pdb.read_text().splitlines()]
_pdb.write_text("\\n".join(_lines) + "\\n")
_long = paw.load_structure(_pdb)
long = AttentionExplorer(_long, model=GivenAttention(random_attention(_long["H"], 4, 8)), chain="H", layer=1, head=2,
                         threshold=0.1, structure_view=False,
                         annotations={{"band": [_long["H"].residue_ids[i] for i in range({BAND.start}, {BAND.stop})]}})
"""
DOC = Notebook("layout", SETUP, ["ex", "long"])
SCREENS = ROOT / "build" / "screens"

ROOTS = "window.__paAll('[data-testid=protattn-explorer]')"
#: JS: the sequence track's API (js/sequence_track.js) of the k-th explorer.
TRACK = f"(k) => {ROOTS}[k].querySelector('[data-testid=view-sequence]').protattnView"


def track(page, call: str = "summary()", k: int = 1):
    return page.page.evaluate(f"(k) => ({TRACK})(k).{call}", k)


def kernel_selected(page, name: str = "long"):
    return eval(page.run_python(f"print(repr({name}.selected_residue))"))  # noqa: S307 - our kernel's repr of an int


def wait_selected(page, i, name: str = "long") -> None:
    page.wait_for_python(f"print({name}.selected_residue)", str(i))
    page.page.wait_for_function(f"(k) => ({TRACK})(k).summary().selected === {i}", arg=1)


@pytest.fixture(scope="module")
def lab(frontend_servers, browser):
    page = open_frontend("lab", frontend_servers, browser, DOC, viewport={"width": 1366, "height": 768})
    try:
        # the notebook's full width, the file browser closed (with it open the column is ~940 px: the 3D view and
        # the heatmap side by side, the grid under them, as test_explorer_browser checks at 1280 px)
        page.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        page.page.add_style_tag(content=".Toastify { display: none !important; }")  # JupyterLab's news pop-up
        wait_drawn(page)
        yield page
    finally:
        page.close()


def wait_drawn(page, timeout_ms: int = 180_000) -> None:
    page.page.wait_for_function(
        f"""() => {{ const roots = {ROOTS};
                   return roots.length === 2 && roots.every((r, k) => {{
                     const s = r.protattnExplorer && r.protattnExplorer.summary();
                     return s && s.heatmap && s.heatmap.draws > 0 && s.grid && s.grid.draws > 0 && s.sequenceDraws > 0
                            && (k === 1 || (s.structure && s.structure.ready && s.structure.painted));
                   }}); }}""", timeout=timeout_ms)


def box(page, k: int, testid: str) -> dict:
    return page.query("[data-testid=protattn-explorer]").nth(k).locator(f"[data-testid={testid}]").first.bounding_box()


def settle(page) -> None:
    """Wait until the first explorer and its views stay where they are (after a scroll, a resize or
    a side panel: the notebook panel and the explorer's resize observers follow on the next frames)."""
    wait_for_still_layout(page.page, [page.query("[data-testid=protattn-explorer]").first] + [
        page.query("[data-testid=protattn-explorer]").first.locator(f"[data-testid={testid}]").first
        for testid in ("view-structure", "view-heatmap", "view-grid", "view-sequence")])


def check_side_by_side(page) -> None:
    """The grid beside the 3D view and the heatmap, on their row; the explorer leaves no wide hole."""
    explorer = page.query("[data-testid=protattn-explorer]").first.bounding_box()
    structure, heatmap, grid = (box(page, 0, t) for t in ("view-structure", "view-heatmap", "view-grid"))
    assert heatmap["x"] >= structure["x"] + structure["width"] - 1, (structure, heatmap)
    assert grid["x"] >= heatmap["x"] + heatmap["width"] - 1, (heatmap, grid)
    assert grid["y"] < structure["y"] + structure["height"] / 2, ("the grid is not on the views' row", structure, grid)
    hole = explorer["x"] + explorer["width"] - (grid["x"] + grid["width"])
    assert hole < 250, f"{hole:.0f} px empty right of the grid"


def test_laptop_grid_beside_the_views_and_a_tile_click_shows_its_effect_without_scrolling(lab):
    page = lab.page
    # as a person would: scroll the views' row to the top of the notebook
    page.evaluate(f"() => {ROOTS}[0].querySelector('[data-testid=view-structure]').scrollIntoView({{block: 'start'}})")
    settle(lab)
    check_side_by_side(lab)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "layout_lab_1366x768.png"))
    scroller = "() => document.querySelector('.jp-WindowedPanel-outer, .jp-Notebook').scrollTop"
    before = page.evaluate(scroller)
    draws = page.evaluate(f"() => {ROOTS}[0].protattnExplorer.summary().heatmap.draws")
    point = page.evaluate(f"() => {ROOTS}[0].querySelector('[data-testid=view-grid]').protattnView.tileCenter(6, 2)")
    page.mouse.click(point["x"], point["y"])
    lab.wait_for_python("print(ex.layer, ex.head)", "6 2")
    page.wait_for_function(f"() => {{ const s = {ROOTS}[0].protattnExplorer.summary();"
                           f" return s.heatmap.draws > {draws} && s.heatmap.layer === 6 && s.heatmap.head === 2"
                           " && s.structure.painted; }")
    assert page.evaluate(scroller) == before, "the click scrolled the notebook"
    viewport = page.viewport_size
    for testid in ("heatmap-canvas", "structure-canvas", "grid-canvas"):
        b = box(lab, 0, testid)
        visible = min(b["y"] + b["height"], viewport["height"]) - max(b["y"], 0)
        assert visible >= 0.6 * b["height"], f"{testid}: {visible:.0f} of {b['height']:.0f} px on screen"
    page.screenshot(path=str(SCREENS / "layout_lab_tile_clicked.png"))
    # a 116-residue chain's track is the whole chain on one line, with its letters
    s = track(lab, k=0)
    assert s["view"] == {"start": 0, "span": 116} and s["letters"], s
    window = lab.query("[data-testid=sequence-window]").first.inner_text()
    assert window == "all 116 residues", window


def test_laptop_with_the_file_browser_open_the_track_fills_the_room_beside_the_grid(lab):
    """A ~940 px notebook column cannot hold the three views (1,040 px): the 3D view and the heatmap
    keep their row, the grid goes under them, and the sequence track sits beside the grid instead
    of under it, so no ~700 px hole is left right of the grid."""
    page = lab.page
    page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
    try:
        page.wait_for_function("() => { const fb = document.getElementById('filebrowser'); return fb && fb.offsetWidth > 150; }")
        settle(lab)  # the panel's width settles
        explorer = lab.query("[data-testid=protattn-explorer]").first.bounding_box()
        assert explorer["width"] < 1040, explorer  # else this test does not test the narrow case
        structure, heatmap, grid, sequence = (box(lab, 0, t) for t in ("view-structure", "view-heatmap", "view-grid",
                                                                       "view-sequence"))
        assert heatmap["x"] >= structure["x"] + structure["width"] - 1 and heatmap["y"] < structure["y"] + 50
        assert grid["y"] >= structure["y"] + structure["height"] - 1, (structure, grid)
        assert sequence["x"] >= grid["x"] + grid["width"] - 1 and sequence["y"] < grid["y"] + grid["height"], (grid, sequence)
        hole = explorer["x"] + explorer["width"] - (sequence["x"] + sequence["width"])
        assert hole < 40, f"{hole:.0f} px empty right of the track"
        page.wait_for_function(f"(k) => ({TRACK})(k).summary().canvas.width <= {sequence['width'] + 1}", arg=0)
        page.evaluate(f"() => {ROOTS}[0].querySelector('[data-testid=view-grid]').scrollIntoView({{block: 'end'}})")
        page.screenshot(path=str(SCREENS / "layout_lab_1366x768_file_browser.png"))
    finally:
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        settle(lab)


def test_long_chain_track_is_one_line_that_opens_readable(lab):
    lab.query("[data-testid=protattn-explorer]").nth(1).locator("[data-testid=sequence-canvas]").scroll_into_view_if_needed()
    s = track(lab)
    assert s["layout"]["n"] == LENGTH
    assert s["canvas"]["height"] < 110, s["canvas"]  # one line + overview + one track strip (was 21 rows, ~950 px)
    host = box(lab, 1, "view-sequence")
    assert host["height"] < 170, host  # with its caption, buttons and legend
    assert s["letters"] and s["cellWidth"] >= 9 and s["visible"][0] == 0 and s["visible"][1] < LENGTH - 1, s
    window = lab.query("[data-testid=protattn-explorer]").nth(1).locator("[data-testid=sequence-window]").inner_text()
    assert "of 1,001 residues" in window, window
    lab.query("[data-testid=view-sequence]").nth(1).screenshot(path=str(SCREENS / "layout_lab_track_1001.png"))


def test_long_chain_track_zooms_about_the_pointer_and_a_click_selects_that_residue(lab):
    explorer = lab.query("[data-testid=protattn-explorer]").nth(1)
    explorer.locator("[data-testid=sequence-zoom-whole]").click()
    lab.page.wait_for_function(f"(k) => ({TRACK})(k).summary().view.span === {LENGTH}", arg=1)
    s = track(lab)
    assert not s["letters"] and s["canvas"]["height"] < 110
    # point at residue 400 on the whole chain and zoom in with the wheel: 400 stays under the pointer
    target = 400
    where = track(lab, "overviewPoint(400.5)")
    line_y = track(lab, "residueCenter(0)")["y"]
    lab.page.mouse.move(where["x"], line_y)
    for _ in range(12):  # e^(12 x 0.25) = 20 times closer: ~1.2 px -> ~23 px per residue
        lab.page.mouse.wheel(0, -120)
    next_frames(lab.page)  # the last wheel events are drawn on the next frame: summary() is what is drawn
    lab.page.wait_for_function(f"(k) => ({TRACK})(k).summary().cellWidth >= 12", arg=1)
    s = track(lab)
    assert s["letters"] and s["visible"][0] <= target <= s["visible"][1], s
    centre = track(lab, f"residueCenter({target})")
    assert abs(centre["x"] - where["x"]) <= s["cellWidth"], (centre, where)
    lab.page.mouse.click(centre["x"], centre["y"])
    wait_selected(lab, target)
    # the neighbour, one cell to the right, on screen
    lab.page.mouse.click(centre["x"] + s["cellWidth"], centre["y"])
    wait_selected(lab, target + 1)
    # the buttons zoom about the selection
    before = track(lab)["cellWidth"]
    explorer.locator("[data-testid=sequence-zoom-out]").click()
    lab.page.wait_for_function(f"(k) => ({TRACK})(k).summary().cellWidth < {before / 1.3}", arg=1)
    assert track(lab, f"residueCenter({target + 1})") is not None
    explorer.locator("[data-testid=sequence-zoom-in]").click()
    lab.page.wait_for_function(f"(k) => Math.abs(({TRACK})(k).summary().cellWidth - {before}) < 0.01", arg=1)
    assert track(lab, f"residueCenter({target + 1})") is not None


def test_long_chain_track_pans_by_drag_and_by_the_overview(lab):
    s = track(lab)
    start = s["view"]["start"]
    c = track(lab, f"residueCenter({s['visible'][0] + 10})")
    lab.page.mouse.move(c["x"], c["y"])
    lab.page.mouse.down()
    lab.page.mouse.move(c["x"] - 10 * s["cellWidth"], c["y"], steps=5)
    lab.page.mouse.up()
    next_frames(lab.page)  # the last move's pan drawn
    panned = track(lab)
    assert abs(panned["view"]["start"] - (start + 10)) < 0.5, (start, panned["view"])
    assert kernel_selected(lab) == 401, "a drag must not select"
    p = track(lab, "overviewPoint(800)")
    lab.page.mouse.click(p["x"], p["y"])
    lab.page.wait_for_function(f"(k) => {{ const v = ({TRACK})(k).summary().view;"
                               " return Math.abs(v.start + v.span / 2 - 800) < 1; }", arg=1)
    assert kernel_selected(lab) == 401, "a click on the overview moves the window, it does not select"
    lab.query("[data-testid=view-sequence]").nth(1).screenshot(path=str(SCREENS / "layout_lab_track_panned.png"))


def test_long_chain_track_keyboard_steps_and_keeps_the_selection_in_view(lab):
    canvas = lab.query("[data-testid=protattn-explorer]").nth(1).locator("[data-testid=sequence-canvas]")
    canvas.focus()
    canvas.press("End")
    wait_selected(lab, LENGTH - 1)
    assert track(lab)["visible"][1] == LENGTH - 1
    canvas.press("Home")
    wait_selected(lab, 0)
    s = track(lab)
    assert s["visible"][0] == 0
    last = s["visible"][1] - 1  # the last whole cell
    lab.run_python(f"long.selected_residue = {last}")
    lab.page.wait_for_function(f"(k) => ({TRACK})(k).summary().selected === {last}", arg=1)
    start = track(lab)["view"]["start"]
    for k in range(1, 4):
        canvas.press("ArrowRight")
        wait_selected(lab, last + k)
        assert track(lab, f"residueCenter({last + k})") is not None, f"residue {last + k} stepped out of view"
    assert track(lab)["view"]["start"] > start, "the line did not follow the selection"
    canvas.press("ArrowLeft")
    wait_selected(lab, last + 2)


def test_long_chain_selection_elsewhere_is_brought_into_view(lab):
    lab.run_python("long.selected_residue = 700")
    lab.page.wait_for_function(f"(k) => ({TRACK})(k).summary().selected === 700", arg=1)
    assert track(lab, "residueCenter(700)") is not None
    # a click on the heatmap (another view) selects its row
    canvas = lab.query("[data-testid=protattn-explorer]").nth(1).locator("[data-testid=heatmap-canvas]")
    canvas.scroll_into_view_if_needed()
    point = lab.page.evaluate(f"() => {ROOTS}[1].querySelector('[data-testid=view-heatmap]').protattnView.cellCenter(150, 900)")
    lab.page.mouse.click(point["x"], point["y"])
    # the whole 1,001 x 1,001 matrix in 380 px: 2.6 residues per pixel
    lab.wait_for_python("print(long.selected_residue is not None and abs(long.selected_residue - 150) <= 3)", "True")
    selected = kernel_selected(lab)
    lab.page.wait_for_function(f"(k) => ({TRACK})(k).summary().selected === {selected}", arg=1)
    assert track(lab, f"residueCenter({selected})") is not None


def test_long_chain_tracks_and_gap_mark_sit_under_their_residues_on_screen(lab):
    from PIL import Image

    lab.run_python(f"long.selected_residue = {GAP_AFTER + 8}")  # brings the gap into view (its frame not on it)
    lab.page.wait_for_function(f"(k) => ({TRACK})(k).summary().selected === {GAP_AFTER + 8}", arg=1)
    s = track(lab)
    assert [g["after"] for g in s["gaps"]] == [GAP_AFTER] and s["gaps"][0]["missing"] == 7, s["gaps"]
    canvas = lab.query("[data-testid=protattn-explorer]").nth(1).locator("[data-testid=sequence-canvas]")
    canvas.scroll_into_view_if_needed()
    lab.page.mouse.move(0, 0)  # no tooltip over the canvas
    png = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")).astype(int)
    cb = canvas.bounding_box()
    scale = png.shape[1] / cb["width"]

    def pixel(p):
        return png[int(round((p["y"] - cb["y"]) * scale)), int(round((p["x"] - cb["x"]) * scale))]

    strip = np.array(pixel(track(lab, f"stripCenter(0, {BAND.start + 2})")))
    color = eval(lab.run_python("print(repr(long.sequence._track_colors[0]))"))  # noqa: S307 - "#rrggbb"
    want = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(strip - want).max() < 40, (strip, color)
    outside = np.array(pixel(track(lab, f"stripCenter(0, {BAND.start - 3})")))
    assert outside.min() > 230, ("the band's strip is drawn under a residue outside it", outside)
    # the gap's red bar on the boundary between residues GAP_AFTER and GAP_AFTER + 1
    a, b = track(lab, f"residueCenter({GAP_AFTER})"), track(lab, f"residueCenter({GAP_AFTER + 1})")
    boundary = {"x": (a["x"] + b["x"]) / 2, "y": a["y"] - 6}
    red = np.array(pixel(boundary))
    assert red[0] > 180 and red[1] < 90 and red[2] < 90, ("no gap mark on the boundary", red)
    mid = np.array(pixel({"x": a["x"], "y": a["y"] - 6}))
    assert not (mid[0] > 180 and mid[1] < 90), "the gap mark sits on the residue, not between"
    lab.query("[data-testid=view-sequence]").nth(1).screenshot(path=str(SCREENS / "layout_lab_track_gap.png"))
    assert lab.errors() == []


# -- marimo: the explorer's own CSS in the shadow root -----------------------------------------

#: JS: border widths and styles of the k-th explorer's buttons and menus (inside marimo's shadow root).
CONTROL_BORDERS = f"""(k) => [...{ROOTS}[k].querySelectorAll('button, select, input[type=number]')]
  .filter(e => e.offsetParent !== null)
  .map(e => {{ const c = getComputedStyle(e);
              return {{what: e.dataset.testid || e.getAttribute('aria-label') || e.textContent.trim(),
                      width: parseFloat(c.borderTopWidth), style: c.borderTopStyle}}; }})"""


def check_controls_have_borders(page) -> None:
    borders = page.page.evaluate(CONTROL_BORDERS, 0)
    assert len(borders) >= 8, borders
    bare = [b for b in borders if not (b["width"] > 0 and b["style"] not in ("none", "hidden"))]
    assert not bare, f"[{page.frontend}] controls without a border: {bare}"


@pytest.fixture(scope="module", params=["marimo", "marimo_ui"])
def marimo(request, frontend_servers, browser):
    page = open_frontend(request.param, frontend_servers, browser, DOC, viewport={"width": 1366, "height": 768})
    try:
        wait_drawn(page)
        yield page
    finally:
        page.close()


def test_controls_have_borders_in_jupyterlab(lab):
    check_controls_have_borders(lab)


def test_marimo_keeps_the_controls_borders_and_the_laptop_layout(marimo):
    in_shadow = marimo.page.evaluate(f"() => {ROOTS}[0].getRootNode() instanceof ShadowRoot")
    assert in_shadow, "the explorer is not in a shadow root: this test would not test marimo's case"
    marimo.query("[data-testid=protattn-explorer]").first.locator("[data-testid=grid-canvas]").scroll_into_view_if_needed()
    SCREENS.mkdir(parents=True, exist_ok=True)
    marimo.page.screenshot(path=str(SCREENS / f"layout_{marimo.frontend}_1366x768.png"))
    marimo.query("[data-testid=protattn-explorer]").first.screenshot(path=str(SCREENS / f"layout_{marimo.frontend}_explorer.png"))
    check_controls_have_borders(marimo)
    check_side_by_side(marimo)
    assert marimo.errors() == []


# -- the standalone page: the same track module ------------------------------------------------

def test_standalone_page_long_chain_track_is_one_line_zooms_and_selects(browser, tmp_path):
    import sys

    sys.path.insert(0, str(TESTS))
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer
    from test_widgets_scale import GivenAttention, long_chain, random_attention

    structure = paw.load_structure(long_chain(LENGTH, tmp_path))
    ex = AttentionExplorer(structure, model=GivenAttention(random_attention(structure["H"], 2, 4)), chain="H",
                           threshold=0.1, structure_view=False)
    path = ex.to_html(tmp_path / "long.html", heads="current")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("() => window.protattnPage && window.protattnPage.loaded", timeout=90_000)
        api = "document.querySelector('[data-testid=view-sequence]').protattnView"
        page.wait_for_function(f"() => {api} && {api}.draws > 0")
        s = page.evaluate(f"() => {api}.summary()")
        assert s["layout"]["n"] == LENGTH and s["canvas"]["height"] < 110 and s["letters"], s
        assert page.locator("[data-testid=view-sequence]").bounding_box()["height"] < 170
        canvas = page.locator("[data-testid=sequence-canvas]")
        canvas.scroll_into_view_if_needed()
        # the overview: go to residue 900, then click the residue under the pointer
        p = page.evaluate(f"() => {api}.overviewPoint(900)")
        page.mouse.click(p["x"], p["y"])
        page.wait_for_function(f"() => {{ const v = {api}.summary().view; return Math.abs(v.start + v.span / 2 - 900) < 1; }}")
        c = page.evaluate(f"() => {api}.residueCenter(905)")
        page.mouse.click(c["x"], c["y"])
        page.wait_for_function("() => window.protattnPage.state.selected_residue === 905")
        canvas.press("End")
        page.wait_for_function("() => window.protattnPage.state.selected_residue === 1000")
        canvas.press("Home")
        page.wait_for_function("() => window.protattnPage.state.selected_residue === 0")
        assert page.evaluate(f"() => {api}.summary().visible[0]") == 0
        page.locator("[data-testid=view-sequence]").screenshot(path=str(SCREENS / "layout_standalone_track_1001.png"))
    finally:
        context.close()
