"""AttentionExplorer (one anywidget, bundled NGL) in every front-end a user has: JupyterLab 4,
Notebook 7, Voila, and marimo with the explorer as a cell's output and through
``mo.ui.anywidget``.

The same notebook everywhere shows the same explorer twice (two cells); every test
runs in each front-end (frontends.py) and acts as a person would: a head-tile click,
heatmap zoom and click, a 3D pick (inside marimo's shadow DOM too), arrow keys, the
chain menu, the export buttons, a page reload and a second tab.  After each, every
view of the explorer must draw the whole structure and the current head:
:func:`check_drawn` compares what the page drew with what the kernel holds, and
screenshots the NGL canvas to find the cartoon of every chain (non-background pixels
at the projected CA atoms of chains that have no attention edges, so edges alone
cannot pass).  Screenshots go to build/ (``screens/`` for checking by eye; the
README's from Voila and marimo via :func:`browser_harness.screenshot_path`).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_harness import ROOT, ca_targets, distinct_colors, next_frames, screenshot_path, wait_for_ink_near_points
from frontends import FRONTENDS, Notebook, open_frontend

SETUP = """\
import pathlib, tempfile
import protattn_widgets as paw
from protattn_widgets.widgets.explorer import AttentionExplorer
ex = AttentionExplorer(paw.example_path("1vfb_complex"), model="antiberty", chain="B", layer=3, head=5,
                       threshold=0.3, export_dir=pathlib.Path(tempfile.mkdtemp()))
"""
#: The explorer shown twice, in two cells.
DOC = Notebook("explorer", SETUP, ["ex", "ex"])
#: For checking by eye (not the README's): build/screens/<front-end>_<what>.png
SCREENS = ROOT / "build" / "screens"
#: Residues of each chain of 1vfb_complex (A light, B heavy: the attention chain, C lysozyme).
CHAIN_LENGTHS = {"B": 116, "A": 107}

ROOTS = "window.__paAll('[data-testid=protattn-explorer]')"
#: JS: the k-th explorer on the page (shown twice: 0 and 1).
EXPLORER = f"(k) => {ROOTS}[k]"
STRUCTURE = f"(k) => {ROOTS}[k].querySelector('[data-testid=view-structure]')"

#: JS: canvas points (CSS px) of every CA atom, by chain name, of the k-th explorer's NGL view.
CA_POINTS = f"""(k) => {{
  const api = ({STRUCTURE})(k).protattn, stage = api.stage, comp = stage.compList[0];
  const out = {{}};
  comp.structure.eachAtom((a) => {{
    if (a.atomname !== 'CA') return;
    const p = stage.viewerControls.getPositionOnCanvas(a.positionToVector3().applyMatrix4(comp.matrix));
    (out[a.chainname] = out[a.chainname] || []).push([p.x, stage.viewer.height - p.y]);
  }});
  return out;
}}"""


@pytest.fixture(scope="module", params=FRONTENDS)
def app(request, frontend_servers, browser):
    page = open_frontend(request.param, frontend_servers, browser, DOC, viewport={"width": 1366, "height": 900})
    try:
        wait_for_explorers(page)
        yield page
    finally:
        page.close()


def wait_for_explorers(page, count: int = 2, timeout_ms: int = 180_000) -> None:
    """Both explorers mounted, every view drawn, NGL loaded the structure and painted it."""
    page.page.wait_for_function(
        f"""() => {{ const roots = {ROOTS};
                   return roots.length === {count} && roots.every(r => {{
                     const s = r.protattnExplorer && r.protattnExplorer.summary();
                     return s && s.heatmap && s.heatmap.draws > 0 && s.grid && s.grid.draws > 0
                            && s.sequenceDraws > 0 && s.structure && s.structure.ready && s.structure.painted;
                   }}); }}""", timeout=timeout_ms)


def summary(page, k: int = 0) -> dict:
    return page.page.evaluate(f"(k) => ({EXPLORER})(k).protattnExplorer.summary()", k)


def explorer(page, k: int = 0):
    """Locator of the k-th explorer (CSS locators pierce marimo's shadow roots)."""
    return page.query("[data-testid=protattn-explorer]").nth(k)


def screenshot(locator) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB"))


def kernel_state(page) -> dict:
    out = page.run_python(
        "_s = ex.structure_view\n"
        "print(repr({'layer': ex.layer, 'head': ex.head, 'chain': ex.chain, 'selected': ex.selected_residue,"
        " 'threshold': ex.threshold, 'edges': len(_s.edges), 'n': len(ex.attention)}))")
    return eval(out)  # noqa: S307 - the repr of a dict of numbers and strings, from our own kernel


def wait_for_cartoon(page, k: int, what: str) -> dict[str, float]:
    """Per chain: the share of its on-screen CA atoms with a non-background pixel within 2 px on a
    screenshot of the k-th explorer's NGL canvas (what a person sees), once more than 80 % of every
    chain's are (NGL draws a view on the frames after it was scrolled into sight or resized).
    Chains A (light) and C (antigen) have no attention edges: ink there is the cartoon."""
    canvas = explorer(page, k).locator("[data-testid=structure-canvas]")
    return wait_for_ink_near_points(lambda: screenshot(canvas), lambda: page.page.evaluate(CA_POINTS, k),
                                    {"A", "B", "C"}, what=f"{page.frontend} {what}, view {k}: the cartoon")


def check_drawn(page, what: str, count: int = 2) -> None:
    """Every shown explorer draws the kernel's head and chain, on the whole structure."""
    wait_for_explorers(page, count)
    kernel = kernel_state(page)
    page.page.wait_for_function(
        f"""() => {ROOTS}.every(r => {{ const s = r.protattnExplorer.summary();
              return s.state.layer === {kernel['layer']} && s.state.head === {kernel['head']}
                     && s.heatmap.layer === {kernel['layer']} && s.heatmap.head === {kernel['head']}
                     && s.heatmap.n === {kernel['n']} && s.grid.head === {kernel['head']}
                     && s.structure.ready && s.structure.painted && s.structure.edges === {kernel['edges']}
                     && s.structure.mappedResidues === {kernel['n']}; }})""", timeout=120_000)
    SCREENS.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        s = summary(page, k)
        assert s["structure"]["error"] in (None, ""), s["structure"]
        assert s["structureError"] is None, s["structureError"]
        assert s["structure"]["cartoon"], s["structure"]
        loc = explorer(page, k)
        loc.scroll_into_view_if_needed()
        wait_for_cartoon(page, k, what)
        assert distinct_colors(screenshot(loc.locator("[data-testid=heatmap-canvas]"))) > 20
        assert distinct_colors(screenshot(loc.locator("[data-testid=grid-canvas]"))) > 10
        loc.screenshot(path=str(SCREENS / f"{page.frontend}_{what}_{k}.png"))
    assert page.query(".protattn-error").count() == 0


def test_shown_twice_both_draw_everything(app):
    check_drawn(app, "first")
    if app.frontend in ("voila", "marimo"):
        readme_screenshot(app, f"explorer_{app.frontend}.png")


def readme_screenshot(page, name: str) -> None:
    """The first explorer, whole, for the README: the window as tall as it needs (parts of an
    element outside the window are not painted, and marimo scrolls inside its own box)."""
    viewport = page.page.viewport_size
    height = explorer(page).bounding_box()["height"]
    page.page.set_viewport_size({"width": viewport["width"], "height": int(height) + 200})
    try:
        page.page.mouse.move(1, 1)  # no tooltip in the picture
        explorer(page).scroll_into_view_if_needed()
        wait_for_cartoon(page, 0, "README screenshot")  # NGL follows the resize on its next frames
        explorer(page).screenshot(path=str(screenshot_path(name)))
    finally:
        page.page.set_viewport_size(viewport)


def test_head_tile_click_sets_the_head_everywhere(app):
    grid = explorer(app).locator("[data-testid=grid-canvas]")
    grid.scroll_into_view_if_needed()
    point = app.page.evaluate(f"() => ({EXPLORER})(0).querySelector('[data-testid=view-grid]').protattnView"
                              ".tileCenter(1, 2)")
    app.page.mouse.click(point["x"], point["y"])
    app.wait_for_python("print(ex.layer, ex.head)", "1 2")
    check_drawn(app, "tile")


def page_changes_reached_the_kernel(app) -> None:
    """Wait until every change the page made so far has reached the kernel.  The page may hold a
    change back until the kernel answered the one before (ipywidgets sends one at a time), so a
    kernel read right after a click can miss it: a later change from the same page, the head
    slider stepped and back, reaches the kernel after it, so once the kernel has that, it has all."""
    layer, head, n_heads = (int(v) for v in app.run_python("print(ex.layer, ex.head, ex.n_heads)").split())
    slider = explorer(app).locator("[data-testid=control-head]")
    slider.focus()
    there, back = ("ArrowRight", "ArrowLeft") if head + 1 < n_heads else ("ArrowLeft", "ArrowRight")
    slider.press(there)
    app.wait_for_python("print(ex.layer, ex.head)", f"{layer} {head + 1 if there == 'ArrowRight' else head - 1}")
    slider.press(back)
    app.wait_for_python("print(ex.layer, ex.head)", f"{layer} {head}")


def clear_selection(app) -> None:
    """No residue selected, in the kernel and on the page (the kernel's change reaches the page
    after run_python returns: a click before that would be overwritten by it)."""
    app.run_python("ex.selected_residue = None")
    app.page.wait_for_function(f"() => {ROOTS}.every(r => r.protattnExplorer.summary().structure.selected === -1"
                               " && r.protattnExplorer.summary().heatmap.selected == null)")


def test_heatmap_zoom_and_click_select_a_residue(app):
    clear_selection(app)
    heatmap = explorer(app).locator("[data-testid=heatmap-canvas]")
    heatmap.scroll_into_view_if_needed()
    host = f"({EXPLORER})(0).querySelector('[data-testid=view-heatmap]').protattnView"
    full = app.page.evaluate(f"() => {host}.summary().view.span")
    centre = app.page.evaluate(f"() => {host}.matrixCenter()")
    app.page.mouse.move(centre["x"], centre["y"])
    for _ in range(4):
        app.page.mouse.wheel(0, -120)
    next_frames(app.page)  # every wheel event drawn: the drawn view is the one a click maps from
    app.page.wait_for_function(f"() => {host}.summary().view.span < {full / 2}")
    zoomed = app.page.evaluate(f"() => {host}.summary().view")
    row, col = math.ceil(zoomed["r0"]) + 3, math.ceil(zoomed["c0"]) + 5  # the window starts mid-cell
    point = app.page.evaluate(f"() => {host}.cellCenter({row}, {col})")
    app.page.mouse.click(point["x"], point["y"])
    app.wait_for_python("print(ex.selected_residue)", str(row))
    app.page.wait_for_function(
        f"() => {ROOTS}.every(r => r.protattnExplorer.summary().structure.selected === {row})")
    app.page.mouse.dblclick(centre["x"], centre["y"])
    app.page.wait_for_function(f"() => {host}.summary().view.span === {full}")
    # The double-click's own clicks are undone (the selection stays the row), in the kernel too once the
    # page's changes have reached it (so the next test's kernel-side change cannot race them either).
    page_changes_reached_the_kernel(app)
    assert app.run_python("print(ex.selected_residue)").strip() == str(row), "the reset moved the selection"
    app.page.wait_for_function(f"() => {host}.summary().selected === {row}")


def test_double_click_resetting_the_zoom_keeps_the_selection(app):
    app.run_python("ex.selected_residue = 40")
    host = f"({EXPLORER})(0).querySelector('[data-testid=view-heatmap]').protattnView"
    app.page.wait_for_function(f"() => {host}.summary().selected === 40")
    explorer(app).locator("[data-testid=heatmap-canvas]").scroll_into_view_if_needed()
    full = app.page.evaluate(f"() => {host}.summary().view.span")
    centre = app.page.evaluate(f"() => {host}.matrixCenter()")
    app.page.mouse.move(centre["x"], centre["y"])
    for _ in range(4):
        app.page.mouse.wheel(0, -120)
    app.page.wait_for_function(f"() => {host}.summary().view.span < {full / 2}")
    app.page.mouse.dblclick(centre["x"], centre["y"])
    app.page.wait_for_function(f"() => {host}.summary().view.span === {full}")
    page_changes_reached_the_kernel(app)  # a click's selection, had the reset let one through, is there
    assert app.run_python("print(ex.selected_residue)").strip() == "40", "the reset moved the selection"


def test_3d_pick_selects_the_residue(app):
    clear_selection(app)
    box = explorer(app).locator("[data-testid=view-structure]")
    box.scroll_into_view_if_needed()
    wait_for_cartoon(app, 0, "3D pick")  # drawn where it now is on screen
    canvas = explorer(app).locator("[data-testid=structure-canvas]")
    origin = canvas.bounding_box()
    # CA atoms of chain B near the middle: an attention line or another chain may lie in front of
    # one (a click there picks no residue of the chain), so the next is tried.
    picked = None
    for target in ca_targets(app.page, f"({STRUCTURE})(0).protattn", CHAIN_LENGTHS["B"]):
        x, y = origin["x"] + target["x"], origin["y"] + target["y"]
        app.page.mouse.move(x - 6, y - 6)
        app.page.mouse.move(x, y, steps=3)
        app.page.mouse.click(x, y)
        try:  # NGL picks on the click itself: a hit is on the page at once, a miss is known quickly
            app.page.wait_for_function(f"() => ({STRUCTURE})(0).protattn.summary().selected >= 0", timeout=5_000)
        except PlaywrightTimeout:
            continue
        picked = app.page.evaluate(f"() => ({STRUCTURE})(0).protattn.summary().selected")
        break
    assert picked is not None, "clicking CA atoms of chain B selected nothing"
    app.wait_for_python("print(ex.selected_residue)", str(picked))
    # the residue under the pointer: the atom picked may be its side chain, or one in front of the CA
    where = app.page.evaluate(f"() => ({STRUCTURE})(0).protattn.screenPosition({picked})")
    distance = math.hypot(where[0] - target["x"], where[1] - target["y"])
    assert distance < 30, (picked, target, where)
    app.page.wait_for_function(
        f"() => {ROOTS}.every(r => r.protattnExplorer.summary().heatmap.selected === {picked})")


def test_arrow_keys_step_the_head_and_layer(app):
    app.run_python("ex.layer, ex.head = 3, 5")
    app.page.wait_for_function(f"() => {ROOTS}.every(r => {{ const h = r.protattnExplorer.summary().heatmap;"
                               " return h.layer === 3 && h.head === 5; })")
    grid = explorer(app).locator("[data-testid=grid-canvas]")
    grid.scroll_into_view_if_needed()
    grid.focus()
    for key, want in (("ArrowUp", "2 5"), ("ArrowLeft", "2 4"), ("ArrowDown", "3 4"), ("ArrowRight", "3 5")):
        grid.press(key)
        app.wait_for_python("print(ex.layer, ex.head)", want)
    head = explorer(app).locator("[data-testid=control-head]")
    head.focus()
    head.press("ArrowRight")
    app.wait_for_python("print(ex.layer, ex.head)", "3 6")
    check_drawn(app, "keys")


def test_chain_switch_redraws_the_whole_structure(app):
    menu = explorer(app).locator("[data-testid=control-chain]")
    menu.scroll_into_view_if_needed()
    labels = menu.locator("option").all_inner_texts()
    assert len(labels) == 3 and any("antigen" in t for t in labels), labels  # legend names, not bare ids
    menu.select_option("A")
    app.wait_for_python("print(ex.chain, len(ex.attention))", f"A {CHAIN_LENGTHS['A']}", timeout_s=120)
    check_drawn(app, "chain_A")
    explorer(app, 1).locator("[data-testid=control-chain]").select_option("B")  # from the other view
    app.wait_for_python("print(ex.chain, len(ex.attention))", f"B {CHAIN_LENGTHS['B']}", timeout_s=120)
    check_drawn(app, "chain_B")


_SHA256_OF_URL = """async (url) => {
    const bytes = await (await fetch(url)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}"""


def test_export_buttons_write_files_and_offer_them(app):
    for fmt in ("png", "svg", "html"):
        name = app.run_python(f"print(ex.export_name({fmt!r}).name)").strip()
        explorer(app).locator(f"[data-testid=export-{fmt}]").click()
        link = explorer(app).locator("[data-testid=export-link]")
        app.page.wait_for_function(
            f"() => ({EXPLORER})(0).querySelector('[data-testid=export-link]').download === {name!r}", timeout=120_000)
        assert app.run_python(f"print(ex.export_name({fmt!r}).stat().st_size > 1000)").strip() == "True"
        href = link.get_attribute("href")
        assert href.startswith("blob:")  # the file's own bytes, not a server path that may answer with a page
        served = app.page.evaluate(_SHA256_OF_URL, href)
        on_disk = app.run_python(f"import hashlib\nprint(hashlib.sha256(ex.export_name({fmt!r}).read_bytes()).hexdigest())")
        assert served == on_disk.strip(), fmt
    explorer(app).locator("[data-testid=export-3d]").click()
    app.page.wait_for_function(
        f"() => /_3d\\.png$/.test(({EXPLORER})(0).querySelector('[data-testid=export-link]').download)", timeout=60_000)
    name = app.page.evaluate(f"() => ({EXPLORER})(0).querySelector('[data-testid=export-link]').download")
    app.wait_for_python(f"print((ex.export_dir / {name!r}).is_file())", "True")
    size = app.run_python(f"from PIL import Image\nprint(*Image.open(ex.export_dir / {name!r}).size)").split()
    canvas = explorer(app).locator("[data-testid=structure-canvas]").bounding_box()
    assert int(size[0]) >= 2 * int(canvas["width"]) - 2, (size, canvas)  # the default scale is 2


def test_reload_draws_everything_again(app):
    """JupyterLab / Notebook 7: the kernel keeps running and the page shows its widgets again.
    Voila and marimo give each page load a new kernel (session): the notebook runs again."""
    app.run_python("ex.layer, ex.head = 5, 1")
    app.reload()
    check_drawn(app, "reload")
    if app.frontend in ("lab", "notebook"):
        assert app.run_python("print(ex.layer, ex.head)").strip() == "5 1"


def test_second_tab_draws_everything(app):
    other = app.open_again()
    try:
        check_drawn(other, "second_tab")
        assert other.errors() == [], "\n".join(other.errors())
    finally:
        other.close(shutdown=False)
    check_drawn(app, "after_second_tab")


def test_no_errors_in_the_browser_console(app):
    assert app.errors() == [], "\n".join(app.errors())
