"""StructureAttentionView in a real JupyterLab 4 (and Notebook 7) in Chromium.

One notebook is opened once for the module (JupyterLab and the kernel are slow
to start on a small machine); each test then acts on the live view, like a
person would, and checks what the canvas shows and what the kernel holds.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_harness import (LabPage, ca_targets, changed_fraction, distinct_colors, screenshot_path, wait_for_pixels,
                             wait_until_pixels)

SETUP_CELLS = [
    # An anywidget with NGL bundled: no nglview, no CDN.
    "import protattn_widgets as paw\nfrom protattn_widgets.widgets import StructureAttentionView",
    'view = StructureAttentionView.from_model(paw.example_path("1vfb_complex"), "B",\n'
    "                                        layer=3, head=5, threshold=0.1)\nview",
]

BROKEN_WIDGET_TEXTS = ("javascript error", "not registered", "Failed to load model", "Error displaying widget")
FIND_VIEW = "() => document.querySelector('[data-testid=protattn-structure]')"


@pytest.fixture(scope="module")
def lab(jupyter_server, browser):
    page = LabPage(jupyter_server, browser, "structure_view.ipynb", SETUP_CELLS)
    try:
        page.run_all()
        page.wait_for_ngl_view(FIND_VIEW)
        yield page
    finally:
        page.close()


def highlight_pixels(pixels) -> int:
    """Pixels of the highlight colour (#e7298a, shaded): red high, green low, blue mid."""
    r, g, b = (pixels[..., c].astype(int) for c in range(3))
    return int(((r > 120) & (g < 0.45 * r) & (b > 0.35 * r) & (b < 0.85 * r)).sum())


def summary(lab: LabPage) -> dict:
    return lab.page.evaluate(f"() => ({FIND_VIEW})().protattn.summary()")


def wait_for_edges(lab: LabPage, n_edges: int, drawn_after: int) -> dict:
    """Wait until the page has redrawn its edges (and put the frame on screen) after the
    ``drawn_after``-th edge draw, with ``n_edges`` edges; return its summary."""
    return lab.wait_for_ngl_frame(FIND_VIEW, f"s.drawnEdges > {drawn_after} && s.edges === {n_edges}")


def test_ngl_canvas_draws_with_the_installed_front_end(lab):
    # JupyterLab 4.6 shows a failed widget as "Click to show javascript error." (older: the
    # error text itself); the "not registered" detail goes to the console (checked below too).
    outputs = lab.page.locator(".jp-OutputArea-output").all_inner_texts()
    assert not any(bad in text for text in outputs for bad in BROKEN_WIDGET_TEXTS), outputs
    assert not any("not registered" in text for text in lab.errors())

    pixels = lab.canvas_pixels()
    assert pixels.shape[0] > 200 and pixels.shape[1] > 200
    assert distinct_colors(pixels) > 200, "the NGL canvas is (nearly) blank"
    assert summary(lab)["mappedResidues"] == 116  # every residue of chain B found in NGL's structure

    # NGL comes from our bundle (the nglview extension is installed here but not used).
    assert lab.page.evaluate("() => window.__protattnNGLLoads") == 1
    assert lab.run_python("import sys\nprint('nglview' in sys.modules)").strip() == "False"


def test_changing_head_in_the_kernel_redraws_the_edges(lab):
    state = lab.wait_for_ngl_frame(FIND_VIEW)
    assert (state["edges"], state["edgeChecksum"]) == lab.kernel_edges("view"), "the page drew other edges"
    before = lab.canvas_pixels()
    lab.run_python("view.head = 2")
    n, checksum = lab.kernel_edges("view")
    assert n != state["edges"], "pick another head: this one has as many edges as the first"
    drawn = wait_for_edges(lab, n, state["drawnEdges"])
    # The very pairs and weights the kernel sent for head 2, not just as many of them.
    assert drawn["edgeChecksum"] == checksum != state["edgeChecksum"], (drawn, checksum, state)
    after = wait_for_pixels(lab.canvas_pixels, before, 0.002, what="the NGL canvas (new head)")
    assert distinct_colors(after) > 200


def test_selected_residue_from_the_kernel_is_highlighted(lab):
    lab.run_python("view.selected_residue = None")
    lab.wait_for_ngl_frame(FIND_VIEW, "s.selected === -1")
    before = lab.canvas_pixels()
    lab.run_python("view.selected_residue = 32")  # chain B TYR 32, a CDR residue
    lab.wait_for_ngl_frame(FIND_VIEW, "s.selected === 32")
    # The highlight is a representation NGL rebuilds: poll the pixels until it shows.
    after = wait_until_pixels(
        lab.canvas_pixels,
        lambda now: changed_fraction(before, now) > 0.0002 and highlight_pixels(now) > highlight_pixels(before) + 10,
        what="the highlight colour of the selected residue")
    assert distinct_colors(after) > 200
    assert summary(lab)["residueLabel"]  # the residue's name is drawn next to it


def test_clicking_an_atom_selects_its_residue(lab):
    lab.run_python("view.selected_residue = None")
    lab.wait_for_ngl_frame(FIND_VIEW, "s.selected === -1")
    canvas = lab.canvas()
    # CA atoms of residues facing the viewer, by NGL's own projection; an attention line or another
    # chain may lie in front of one (a click there selects nothing), so the next is tried.
    picked = None
    for target in ca_targets(lab.page, f"({FIND_VIEW})().protattn", 116):
        canvas.click(position={"x": target["x"], "y": target["y"]})
        try:  # NGL picks on the click itself: a hit is on the page at once, a miss is known quickly
            lab.page.wait_for_function(f"() => ({FIND_VIEW})().protattn.summary().selected >= 0", timeout=5_000)
        except PlaywrightTimeout:
            continue
        picked = lab.ngl_summary(FIND_VIEW)["selected"]
        break
    assert picked is not None, f"clicking CA atoms of chain B selected nothing: box={canvas.bounding_box()}"
    lab.wait_for_python("print(view.selected_residue)", str(picked))  # the page's change reached the kernel
    # NGL picks the atom under the pointer: the CA clicked on or an atom of a residue next to it.
    where = lab.page.evaluate(f"() => ({FIND_VIEW})().protattn.screenPosition({picked})")
    assert abs(where[0] - target["x"]) < 40 and abs(where[1] - target["y"]) < 40, (picked, target, where)


def test_no_errors_in_the_browser_console(lab):
    assert lab.errors() == [], "\n".join(lab.errors())
    assert lab.page.locator(".protattn-error").count() == 0


def test_notebook7_draws_the_view(jupyter_server, browser):
    page = LabPage(jupyter_server, browser, "structure_view_nb7.ipynb", SETUP_CELLS, app="notebook")
    try:
        page.run_all()
        page.wait_for_ngl_view(FIND_VIEW)
        outputs = page.page.locator(".jp-OutputArea-output").all_inner_texts()
        assert not any(bad in text for text in outputs for bad in BROKEN_WIDGET_TEXTS), outputs
        assert distinct_colors(page.canvas_pixels()) > 200
        assert page.errors() == [], "\n".join(page.errors())
    finally:
        page.close()


def test_ligands_are_spheres_and_an_empty_head_says_so_1hzh(jupyter_server, browser):
    """1hzh (IgG1 with glycans): ligands are slate spheres (not sticks like edges), named in the
    legend; a head with no edge at the threshold says to lower it."""
    from pathlib import Path

    pdb = Path(__file__).resolve().parents[1] / "data" / "1hzh.pdb.gz"
    cells = [SETUP_CELLS[0],
             f"view = StructureAttentionView.from_model({str(pdb)!r}, 'H', layer=0, head=0, threshold=0.3)\nview"]
    page = LabPage(jupyter_server, browser, "structure_view_1hzh.ipynb", cells)
    try:
        page.run_all(timeout_s=300)
        state = page.wait_for_ngl_view(FIND_VIEW)
        assert "ligands" in state["legend"] and "H: attention chain (heavy chain)" in state["legend"], state
        reprs = page.page.evaluate(f"""() => ({FIND_VIEW})().protattn.stage.compList[0].reprList
            .map(r => [r.name, r.repr.type, r.repr.structureView ? r.repr.structureView.atomCount : -1])""")
        ligands = [r for r in reprs if r[0] == "protattn-ligands"]
        assert ligands and ligands[0][1] == "spacefill" and ligands[0][2] > 50, reprs
        page.run_python("view.threshold = 1.0")
        state = page.wait_for_ngl_frame(FIND_VIEW, "s.edges === 0")
        label = page.page.locator(".protattn-label").first.text_content()
        assert label.endswith("(move the threshold slider down to see lines)"), label
        page.run_python("view.threshold = 0.3")
        page.wait_for_ngl_frame(FIND_VIEW)
        page.page.locator(".jp-OutputArea-output").last.screenshot(
            path=str(screenshot_path("structure_view_1hzh.png")))
        assert page.errors() == [], "\n".join(page.errors())
    finally:
        page.close()


def test_the_harness_sees_the_trap_when_the_fix_is_left_out(jupyter_server, browser):
    """Negative control: nglview's own version string gives the error box this suite checks for."""
    cells = ["import nglview, traitlets\n"
             "class Stock(nglview.NGLWidget):  # what nglview 4.0.1 asks for, from the start\n"
             "    _view_module_version = traitlets.Unicode('4.0').tag(sync=True)\n"
             "    _model_module_version = traitlets.Unicode('4.0').tag(sync=True)\n"
             "Stock()"]
    page = LabPage(jupyter_server, browser, "trap.ipynb", cells)
    try:
        page.run_all()
        page.page.get_by_text("Click to show javascript error").first.wait_for(timeout=30_000)
        assert any("is not registered" in text for text in page.errors())
    finally:
        page.close()
