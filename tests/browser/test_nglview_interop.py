"""nglview interop in JupyterLab 4: one head drawn on the user's own ``NGLWidget``
(``draw_on_nglview``), with the explorer's drawing code.

The user's widget keeps its own cartoon, shown twice (two cells), after drawing another
head, and after a page reload with the kernel running (nglview replays the drawing call
in every new view).  "Draws the cartoon" is checked on screenshots: non-background pixels
at the projected CA atoms of chains A and C, which have no attention edges (the edges
are chain B's), so edges alone cannot pass.

The bundled 1vfb complex (docking benchmark) holds a segment id in PDB columns 77-78, where
NGL reads the element: given the file as it is, NGL bonds no residues and nglview draws no
cartoon at all (a plain NGLWidget too, nothing of ours involved).  The user's widget loads it
with ``nglview_structure``; the raw file gets a notice on the view saying so.
"""

from __future__ import annotations

import pytest

from browser_harness import wait_for_ink_near_points
from frontends import Notebook, open_frontend
from test_explorer_frontends import SCREENS, screenshot

SETUP = """\
import protattn_widgets as paw
from protattn_widgets.widgets.nglview_interop import NGLWidget, draw_on_nglview, nglview_structure
structure = paw.load_structure(paw.example_path("1vfb_complex"))
attention = paw.load_model("antiberty").attention(structure["B"])
view = NGLWidget()                                # the user's own widget, with its own representations
view.add_structure(nglview_structure(structure))  # nglview's default representations: cartoon
drawn = draw_on_nglview(view, structure, attention, layer=3, head=5, threshold=0.3)
"""
DOC = Notebook("nglview_interop", SETUP, ["view", "view"])
RAW_FILE = Notebook("nglview_interop_raw_file", SETUP.replace(
    "view.add_structure(nglview_structure(structure))", "view.add_component(str(paw.example_path('1vfb_complex')))"),
    ["view"])


#: JS: the elements holding a drawn overlay (draw_on_nglview sets ``protattn`` on nglview's element).
HOSTS = "() => [...document.querySelectorAll('.jp-OutputArea-output *')].filter(e => e.protattn)"
CA_POINTS = """(k) => {
  const host = [...document.querySelectorAll('.jp-OutputArea-output *')].filter(e => e.protattn)[k];
  const stage = host.protattn.stage, comp = stage.compList[0], out = {};
  comp.structure.eachAtom((a) => {
    if (a.atomname !== 'CA') return;
    const p = stage.viewerControls.getPositionOnCanvas(a.positionToVector3().applyMatrix4(comp.matrix));
    (out[a.chainname] = out[a.chainname] || []).push([p.x, stage.viewer.height - p.y]);
  });
  return out;
}"""


@pytest.fixture(scope="module")
def lab(frontend_servers, browser):
    page = open_frontend("lab", frontend_servers, browser, DOC)
    try:
        yield page
    finally:
        page.close()


def check_views(page, what: str, count: int = 2) -> None:
    """Each view shows the user's cartoon of every chain and the kernel's edges."""
    edges = int(page.run_python("print(len(drawn.edges))"))
    assert edges > 0
    page.page.wait_for_function(
        f"""() => {{ const hosts = ({HOSTS})();
                   return hosts.length === {count} && hosts.every(h => {{ const s = h.protattn.summary();
                     return s.ready && s.painted && s.edges === {edges}; }}); }}""", timeout=120_000)
    SCREENS.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        host = page.page.evaluate_handle(f"() => ({HOSTS})()[{k}]").as_element()
        host.scroll_into_view_if_needed()
        state = page.page.evaluate(f"() => ({HOSTS})()[{k}].protattn.summary()")
        assert state["components"] == 1, state  # the user's component only: ours draws as an overlay
        assert state["noBackbone"] is False, state
        canvas = page.page.evaluate_handle(f"() => ({HOSTS})()[{k}].protattn.stage.viewer.renderer.domElement")\
            .as_element()
        # NGL draws a view on the frames after it was scrolled into sight: the cartoon of every chain
        wait_for_ink_near_points(lambda: screenshot(canvas), lambda: page.page.evaluate(CA_POINTS, k), {"A", "B", "C"},
                                 min_points=1, what=f"{what}, view {k}: the user's cartoon")
        canvas.screenshot(path=str(SCREENS / f"nglview_{what}_{k}.png"))


def test_shown_twice_both_keep_the_cartoon_and_draw_the_head(lab):
    check_views(lab, "first")


def test_another_head_replaces_the_overlay(lab):
    before = lab.page.evaluate(f"() => ({HOSTS})()[0].protattn.summary().edgeChecksum")
    lab.run_python("drawn = draw_on_nglview(view, structure, attention, layer=2, head=6, threshold=0.3)")
    lab.page.wait_for_function(f"() => ({HOSTS})().every(h => h.protattn.summary().edgeChecksum !== {before})")
    check_views(lab, "other_head")


def test_reload_keeps_the_cartoon(lab):
    lab.reload()
    check_views(lab, "reload")


def test_no_errors_in_the_browser_console(lab):
    assert lab.errors() == [], "\n".join(lab.errors())


def test_a_file_ngl_draws_no_cartoon_of_gets_a_notice(frontend_servers, browser):
    """The docking-benchmark file as it is: nglview shows no cartoon; the view says why and how."""
    page = open_frontend("lab", frontend_servers, browser, RAW_FILE)
    try:
        page.page.wait_for_function(f"() => ({HOSTS})().length === 1 && ({HOSTS})()[0].protattn.summary().ready",
                                    timeout=120_000)
        state = page.page.evaluate(f"() => ({HOSTS})()[0].protattn.summary()")
        assert state["noBackbone"] is True and state["edges"] > 0, state
        notice = page.query("[data-testid=structure-no-backbone]")
        assert notice.is_visible() and "nglview_structure(structure)" in notice.inner_text()
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.query(".jp-OutputArea-output .protattn-no-backbone >> xpath=..").first.screenshot(
            path=str(SCREENS / "nglview_raw_file.png"))
        assert page.errors() == [], "\n".join(page.errors())
    finally:
        page.close()
