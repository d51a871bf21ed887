"""The page AttentionExplorer.to_html writes, opened from file:// in Chromium with the network blocked.

No kernel and no server: the page must draw and stay interactive by itself.  It runs the
notebook explorer's own front-end (js/explorer.js) on its embedded data, so the same
selectors (data-testid) as in the notebook find its controls and views.
One page is opened for the module; each test acts like a person (slider keys,
clicks on the heatmap and on an atom) and checks what the canvases show.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_harness import (KNOWN_CONSOLE_NOISE, ca_targets, changed_fraction, console_problems, distinct_colors, edge_checksum, screenshot_path,
                             wait_for_ngl_frame, wait_for_pixels, wait_for_still_layout)

#: The anywidget views' API (js/lib/dom.js `stamp`), on the element each view rendered into.
VIEW = """(kind) => [...document.querySelectorAll('.protattn-heatmap, .protattn-grid, .protattn-track')]
                     .map(e => e.parentElement).find(e => e.protattnView && e.protattnView.kind === kind)"""
NGL_VIEW = "() => document.querySelector('[data-testid=view-structure]')"
HEATMAP_CANVAS = ".protattn-heatmap canvas"
SEQUENCE_CANVAS = ".protattn-track canvas"
NGL_CANVAS = "[data-testid=structure-canvas]"
LOAD_TIMEOUT_MS = 60_000  # 2 shared cores, NGL on SwiftShader: a page can take a while


class StandalonePage:
    def __init__(self, browser, path, explorer):
        self.explorer = explorer  # the AttentionExplorer that wrote the page
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        # Nothing but the file itself may load: any other request is recorded and refused.
        self.context.route("**/*", lambda r: r.abort() if not r.request.url.startswith("file:") else r.continue_())
        self.page = self.context.new_page()
        self.page.set_default_timeout(LOAD_TIMEOUT_MS)
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("console", lambda msg: self.console.append((msg.type, msg.text)))
        self.page.on("pageerror", lambda exc: self.console.append(("pageerror", str(exc))))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("() => window.protattnPage && window.protattnPage.loaded")
        self.page.wait_for_function(f"() => ({NGL_VIEW})() && ({NGL_VIEW})().protattn.summary().ready")
        self.ngl_frame()

    def ngl_frame(self, condition: str = "true") -> dict:
        """Wait until the NGL summary ``s`` satisfies ``condition`` and that frame is on screen."""
        return wait_for_ngl_frame(self.page, NGL_VIEW, condition, LOAD_TIMEOUT_MS)

    def pixels(self, selector: str):
        import io

        import numpy as np
        from PIL import Image

        png = self.page.locator(selector).first.screenshot()
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    def view(self, kind: str, call: str = "summary()"):
        return self.page.evaluate(f"() => ({VIEW})('{kind}').protattnView.{call}")

    def ngl(self, call: str = "summary()"):
        return self.page.evaluate(f"() => ({NGL_VIEW})().protattn.{call}")

    def state(self) -> dict:
        return self.page.evaluate("() => window.protattnPage.state")

    def page_edges(self) -> tuple[bytes, bytes]:
        """The ``_pa_edges`` / ``_pa_weights`` bytes the page's controller gave the NGL view."""
        pairs, weights = self.page.evaluate(
            "() => { const m = window.protattnPage.model;"
            "        return [Array.from(m.get('_structure__pa_edges')), Array.from(m.get('_structure__pa_weights'))]; }")
        return bytes(np.asarray(pairs, "<u2").tobytes()), bytes(weights)

    def widget_edges(self, layer: int, head: int) -> tuple[bytes, bytes]:
        """The same bytes from the live widget (the explorer that wrote the page) for that head."""
        ex = self.explorer
        ex.layer, ex.head = layer, head
        return ex.structure_view._pa_edges, ex.structure_view._pa_weights

    def errors(self) -> list[str]:
        """Console errors and warnings and page errors, minus the NGL noise of every front-end."""
        return console_problems(self.console, KNOWN_CONSOLE_NOISE["standalone"])


@pytest.fixture(scope="module")
def page(browser, antiberty, tmp_path_factory):
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    ex = AttentionExplorer(paw.example_path("1vfb_complex"), model=antiberty, chain="B",
                           layer=3, head=5, threshold=0.3)
    path = ex.to_html(tmp_path_factory.mktemp("standalone") / "explorer.html")
    opened = StandalonePage(browser, path, ex)
    try:
        yield opened
    finally:
        opened.context.close()


def test_views_draw_offline(page):
    assert [url for url in page.requests if not url.startswith("file:")] == [], "the page asked the network"
    assert page.state() == {"layer": 3, "head": 5, "threshold": 0.3, "mode": "max", "selected_residue": None}
    structure = page.pixels(NGL_CANVAS)
    assert structure.shape[0] > 200 and structure.shape[1] > 200
    assert distinct_colors(structure) > 200, "the NGL canvas is (nearly) blank"
    assert page.ngl()["mappedResidues"] == 116 and page.ngl()["edges"] > 0
    assert distinct_colors(page.pixels(HEATMAP_CANVAS)) > 30, "the heatmap is (nearly) blank"
    assert page.page.locator("text=head 4-6").count() == 1  # 1-based label of layer 3, head 5


def test_head_slider_changes_the_heatmap_and_the_edges(page):
    before = page.pixels(HEATMAP_CANVAS)
    draws = page.view("heatmap")["draws"]
    ngl_before = page.ngl_frame()
    structure_before = page.pixels(NGL_CANVAS)
    slider = page.page.locator("[data-testid=control-head]")
    slider.focus()
    slider.press("ArrowRight")  # head 6 -> 7 (1-based)
    page.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.draws > {draws}"
                                f" && ({VIEW})('heatmap').protattnView.summary().head === 6"
                                f" && ({VIEW})('head_grid').protattnView.summary().head === 6")
    after = page.pixels(HEATMAP_CANVAS)
    assert changed_fraction(before, after) > 0.01, "the heatmap did not change with the head"
    # The 3D view drew other edges (not merely as many): their checksum and its pixels changed.
    ngl_after = page.ngl_frame(f"s.drawnEdges > {ngl_before['drawnEdges']}")
    assert ngl_after["edges"] > 0 and ngl_after["edgeChecksum"] != ngl_before["edgeChecksum"], (ngl_before, ngl_after)
    pairs, weights = page.page_edges()
    assert edge_checksum(pairs, weights) == ngl_after["edgeChecksum"] and len(weights) == ngl_after["edges"]
    # The page finds its edges itself, from the attention quantised to 8 bits: the same pairs as
    # the widget (ties may come in another order) with weights within one step.
    def by_pair(pair_bytes, weight_bytes):
        ij = np.frombuffer(pair_bytes, "<u2").reshape(-1, 2)
        return {(int(i), int(j)): int(w) for (i, j), w in zip(ij, np.frombuffer(weight_bytes, np.uint8))}

    drawn, widget = by_pair(pairs, weights), by_pair(*page.widget_edges(layer=3, head=6))
    assert drawn.keys() == widget.keys(), "the page drew other residue pairs than the widget would"
    assert all(abs(drawn[p] - widget[p]) <= 1 for p in drawn), (drawn, widget)
    wait_for_pixels(lambda: page.pixels(NGL_CANVAS), structure_before, 0.002, what="the NGL canvas (new head's edges)")
    assert page.page.locator("text=head 4-7").count() == 1


def test_clicking_a_heatmap_cell_selects_the_residue_everywhere(page):
    before = page.pixels(SEQUENCE_CANVAS)
    point = page.view("heatmap", "cellCenter(31, 90)")
    page.page.mouse.click(point["x"], point["y"])
    page.page.wait_for_function(f"() => ({VIEW})('sequence_track').protattnView.summary().selected === 31"
                                f" && ({VIEW})('heatmap').protattnView.summary().selected === 31")  # both drew it
    assert page.state()["selected_residue"] == 31 and page.ngl()["selected"] == 31
    assert changed_fraction(before, page.pixels(SEQUENCE_CANVAS)) > 0.0005, "no highlight in the sequence track"


def test_clicking_an_atom_selects_its_residue(page):
    page.page.evaluate("() => { window.protattnPage.update({selected_residue: null}); window.scrollTo(0, 0); }")
    page.ngl_frame("s.selected === -1")  # the sequence screenshot scrolled the page: let it settle first
    canvas = page.page.locator(NGL_CANVAS).first
    targets = ca_targets(page.page, f"({NGL_VIEW})().protattn", 116)  # chain B's CA atoms near the middle
    picked = None
    for target in targets:
        canvas.click(position={"x": target["x"], "y": target["y"]})
        try:  # a hit selects at once (NGL picks on the click): a miss is known quickly
            page.page.wait_for_function("() => window.protattnPage.state.selected_residue != null", timeout=2_000)
        except PlaywrightTimeout:
            continue
        picked = page.state()["selected_residue"]
        break
    assert picked is not None, f"clicking CA atoms of chain B selected nothing: {targets}"
    # NGL picks the atom under the pointer: the CA clicked on or an atom of a residue next to it.
    where = page.ngl(f"screenPosition({picked})")
    assert abs(where[0] - target["x"]) < 40 and abs(where[1] - target["y"]) < 40, (picked, target, where)
    page.page.wait_for_function(f"() => ({VIEW})('sequence_track').protattnView.summary().selected === {picked}"
                                f" && ({VIEW})('heatmap').protattnView.summary().selected === {picked}")
    assert page.ngl()["selected"] == picked


def test_no_errors_in_the_browser_console(page):
    assert page.errors() == [], "\n".join(page.errors())
    assert page.page.locator(".protattn-error").count() == 0, page.page.locator(".protattn-error").all_inner_texts()


def test_the_page_runs_the_notebook_front_end(page):
    """One front-end: the page's layout and controls are the explorer's (js/explorer.js), NGL once."""
    summary = page.page.evaluate("() => document.querySelector('[data-testid=protattn-explorer]').protattnExplorer.summary()")
    assert summary["nglLoads"] == 1 and summary["structure"]["cartoon"]
    for testid in ("control-layer", "control-head", "control-threshold", "control-threshold-value", "control-mode",
                   "control-chain", "view-heatmap", "view-grid", "view-sequence", "export-3d"):
        assert page.page.locator(f"[data-testid={testid}]").count() == 1, testid
    # Figures and pages need the kernel: not offered here; the chain menu shows the chain, disabled.
    assert not page.page.locator("[data-testid=export-png]").is_visible()
    assert page.page.locator("[data-testid=control-chain]").is_disabled()
    assert page.page.locator("[data-testid=control-chain]").input_value() == "B"


def test_threshold_at_full_precision_and_advice_the_page_can_follow(page):
    """Issue 19 defect 4: the threshold is shown as set and can be typed; a head with no edge says
    to move the slider down (which the page can do)."""
    box = page.page.locator("[data-testid=control-threshold-value]")
    box.fill("0.0015")
    box.press("Enter")
    page.page.wait_for_function("() => window.protattnPage.state.threshold === 0.0015")
    assert box.input_value() == "0.0015"
    page.ngl_frame("s.caption.includes('\u2265 0.0015')")
    box.fill("1")
    box.press("Enter")
    state = page.ngl_frame("s.edges === 0")
    assert "0 lines \u2265 1 \u00b7 " in state["caption"], state["caption"]
    assert "(move the threshold slider down to see lines)" in state["caption"], state["caption"]
    box.fill("0.3")
    box.press("Enter")
    page.ngl_frame("s.edges > 0")


def test_save_3d_in_the_page(page):
    """"Save 3D" works without a kernel: a PNG of the view at the chosen scale."""
    import io

    from PIL import Image

    page.page.locator("[data-testid=export-3d-scale]").select_option("1")
    with page.page.expect_download() as info:
        page.page.locator("[data-testid=export-3d]").click()
    image = Image.open(io.BytesIO(open(info.value.path(), "rb").read()))
    canvas = page.page.locator(NGL_CANVAS).bounding_box()
    assert image.format == "PNG" and abs(image.width - canvas["width"]) <= 2, (image.size, canvas)
    assert distinct_colors(np.asarray(image.convert("RGB"))) > 100


def test_3d_view_that_cannot_load_keeps_the_other_views(browser, antiberty, tmp_path):
    """Issue 23 item 6, page side: if NGL fails on the structure, the 3D box says why and the
    heatmap, grid, sequence and controls keep working."""
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    ex = AttentionExplorer(paw.example_path("1vfb_complex"), model=antiberty, chain="B", layer=3, head=5)
    ex.structure_view._pa_ext = "no-such-format"  # mirrored into the page: NGL refuses to load it
    path = ex.to_html(tmp_path / "broken.html")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("() => window.protattnPage && window.protattnPage.loaded")
        page.locator("[data-testid=structure-error]").wait_for(timeout=30_000)
        assert "could not show this structure" in page.locator("[data-testid=structure-error]").text_content()
        draws = page.evaluate(f"() => ({VIEW})('heatmap').protattnView.draws")
        slider = page.locator("[data-testid=control-head]")
        slider.focus()
        slider.press("ArrowRight")
        page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.draws > {draws}")
        assert page.evaluate(f"() => ({VIEW})('head_grid').protattnView.summary().head") == 6
    finally:
        context.close()


def test_double_click_resets_the_zoom_and_keeps_the_selection(page):
    """Issue 19 defect 2 (the same heatmap module as the notebook's)."""
    page.page.evaluate("() => window.protattnPage.update({selected_residue: 31})")
    page.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().selected === 31")
    centre = page.view("heatmap", "matrixCenter()")
    page.page.mouse.move(centre["x"], centre["y"])
    for _ in range(4):
        page.page.mouse.wheel(0, -120)
    page.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().view.span < 100")
    point = page.view("heatmap", "cellCenter(60, 70)")
    page.page.mouse.dblclick(point["x"], point["y"])
    # the draw of the reset comes after the double-click's handlers: it shows their selection
    page.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().view.span === 116")
    assert page.state()["selected_residue"] == 31 and page.view("heatmap")["selected"] == 31


def test_keyboard_steps_the_selected_residue(page):
    """Issue 19 defect 10: arrows on the sequence track, shift + arrows on the heatmap step the residue."""
    page.page.evaluate("() => window.protattnPage.update({selected_residue: 31})")
    head = (page.state()["layer"], page.state()["head"])
    track = page.page.locator("[data-testid=sequence-canvas]")
    track.focus()
    track.press("ArrowRight")
    page.page.wait_for_function("() => window.protattnPage.state.selected_residue === 32")
    track.press("ArrowLeft")
    track.press("ArrowLeft")
    page.page.wait_for_function("() => window.protattnPage.state.selected_residue === 30")
    heatmap = page.page.locator("[data-testid=heatmap-canvas]")
    heatmap.focus()
    heatmap.press("Shift+ArrowRight")
    page.page.wait_for_function("() => window.protattnPage.state.selected_residue === 31")
    assert (page.state()["layer"], page.state()["head"]) == head  # shift + arrows do not change the head
    page.ngl_frame("s.selected === 31")


def test_colour_bar_ticks_are_round_with_one_precision(page):
    """Issue 19 defect 9: 0.0 0.2 0.4 ..., never 0.000 0.24 0.47."""
    ticks = page.view("heatmap", "colourTicks")
    assert len(ticks) >= 3 and len({len(t.split(".")[-1]) for t in ticks}) == 1, ticks
    values = [float(t) for t in ticks]
    steps = {round(b - a, 10) for a, b in zip(values, values[1:])}
    assert len(steps) == 1 and f"{steps.pop():.1e}"[0] in "125", ticks


def boxes_overlap(a, b) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_focus_caption_small_label_on_top_and_no_collisions(page):
    """Issue 19 defects 1, 5, 6: in focus the caption counts the edges that touch the residue; the
    residue's label is small, on top, beside its atom and can be hidden; caption and edge legend
    never overlap, even when the caption wraps in a narrow box."""
    page.page.evaluate("() => window.protattnPage.update({threshold: 0.05})")
    hub = page.page.evaluate("""() => { const m = window.protattnPage.model;
        const p = m.get('_structure__pa_edges'); const n = new Map();
        for (const r of p) n.set(r, (n.get(r) || 0) + 1);
        return [...n.entries()].sort((a, b) => b[1] - a[1])[0][0]; }""")
    page.page.evaluate(f"() => window.protattnPage.update({{selected_residue: {hub}}})")
    state = page.ngl_frame(f"s.selected === {hub}")
    page.page.locator("[data-testid=structure-focus]").click()
    state = page.ngl_frame("s.focus")
    touching, total = state["edges"], page.page.evaluate("() => window.protattnPage.model.get('_structure__pa_weights').length")
    assert f": {touching} of {total} lines \u2265 0.05 touch B " in state["caption"], state["caption"]
    label = page.page.locator("[data-testid=structure-residue-label]")
    assert label.is_visible() and label.text_content().startswith("B ")
    assert float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) <= 11
    where = page.ngl(f"screenPosition({hub})")
    canvas = page.page.locator(NGL_CANVAS).bounding_box()
    box = label.bounding_box()
    assert 0 < box["x"] - (canvas["x"] + where[0]) <= 20 and 0 < (canvas["y"] + where[1]) - box["y"] <= 30, (box, where)
    # Narrow box: the caption wraps; the edge legend moves above it; the chain legend stays clear too.
    page.page.evaluate("() => { const b = document.querySelector('[data-testid=view-structure]'); b.style.width = '320px'; }")
    wait_for_still_layout(page.page, [page.page.locator(NGL_CANVAS).first])  # NGL follows the narrower box
    page.page.evaluate("() => window.protattnPage.update({threshold: 0.051})")
    page.ngl_frame("s.caption.includes('0.051')")
    caption, legend = wait_for_still_layout(page.page, [page.page.locator("[data-testid=structure-caption]"),
                                                        page.page.locator("[data-testid=structure-edge-legend]")])
    assert caption["height"] > 20 and not boxes_overlap(caption, legend), (caption, legend)
    page.page.locator("[data-testid=structure-labels]").click()
    page.page.wait_for_function("() => !document.querySelector('[data-testid=structure-residue-label]').checkVisibility()")
    page.page.locator("[data-testid=structure-labels]").click()
    page.page.locator("[data-testid=structure-focus]").click()
    page.page.evaluate("() => { document.querySelector('[data-testid=view-structure]').style.width = '';"
                       " window.protattnPage.update({threshold: 0.3, selected_residue: null}); }")
    page.ngl_frame("!s.focus")


def test_laptop_layout_puts_the_grid_beside_the_views(browser, page):
    """Issue 19 defect 8: at 1366 x 768 the head grid sits beside the 3D view and the heatmap."""
    page.page.set_viewport_size({"width": 1366, "height": 768})
    s, h, g = wait_for_still_layout(page.page, [page.page.locator(f"[data-testid={testid}]")
                                                for testid in ("view-structure", "view-heatmap", "view-grid")])
    assert h["x"] >= s["x"] + s["width"] - 1 and g["x"] >= h["x"] + h["width"] - 1, (s, h, g)
    assert g["y"] < s["y"] + s["height"] and g["x"] + g["width"] <= 1366, (s, g)
    page.page.screenshot(path=str(screenshot_path("standalone_1366.png")))
    page.page.set_viewport_size({"width": 1280, "height": 1000})


def test_mmcif_written_by_biopython_draws_in_3d(browser, antiberty, tmp_path):
    """Issue 23 item 6, structure side: an mmCIF from Biopython's MMCIFIO (no ``_chem_comp``, which
    NGL 2.5 needs when it reads mmCIF) loads in Python, so the page draws it: NGL gets text it reads."""
    from Bio.PDB import MMCIFIO, PDBParser

    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    parsed = PDBParser(QUIET=True).get_structure("1vfb", str(paw.example_path("1vfb_complex")))
    written = tmp_path / "1vfb_mmcifio.cif"
    io = MMCIFIO()
    io.set_structure(parsed)
    io.save(str(written))
    assert "_chem_comp" not in written.read_text()  # the case the issue names
    ex = AttentionExplorer(str(written), model=antiberty, chain="B", layer=3, head=5, threshold=0.3)
    opened = StandalonePage(browser, ex.to_html(tmp_path / "mmcifio.html"), ex)
    try:
        assert opened.page.locator("[data-testid=structure-error]").count() == 0
        assert opened.ngl()["mappedResidues"] == len(ex.attention) and opened.ngl()["edges"] > 0
        assert distinct_colors(opened.pixels(NGL_CANVAS)) > 200, "the NGL canvas is (nearly) blank"
        assert opened.errors() == []
    finally:
        opened.context.close()
