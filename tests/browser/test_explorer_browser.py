"""AttentionExplorer (one anywidget, js/explorer.js) in a real JupyterLab 4 in Chromium: every view draws and talks to the kernel.

One notebook for the module (JupyterLab and the kernel are slow to start on a
small machine); each test acts like a person (slider keys, clicks) and checks the
canvas and the kernel.  ``test_redraw_time`` also serves bench/bench_widgets.py:
with ``PROTATTN_BENCH_OUT`` set it writes its timings there as JSON, and
``PROTATTN_BENCH_STRUCTURE`` / ``PROTATTN_BENCH_CHAIN`` choose the protein.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
from pathlib import Path

import numpy as np
import pytest

from browser_harness import (LabPage, changed_fraction, distinct_colors, screenshot_path, wait_for_pixels,
                             wait_for_still_layout, wait_until_pixels)

STRUCTURE = os.environ.get("PROTATTN_BENCH_STRUCTURE")
CHAIN = os.environ.get("PROTATTN_BENCH_CHAIN", "B")
SOURCE = repr(STRUCTURE) if STRUCTURE else 'paw.example_path("1vfb_complex")'

SETUP_CELLS = [
    "import protattn_widgets as paw\nfrom protattn_widgets.widgets.explorer import AttentionExplorer",
    f"ex = AttentionExplorer({SOURCE}, model='antiberty', chain={CHAIN!r}, layer=3, head=5, threshold=0.3)\nex",
    "1 + 1  # a cell after the explorer: arrow keys that leak would move the notebook's cursor here",
]

#: The anywidget views' API (js/lib/dom.js `stamp`): kind -> the element holding it.
VIEW = """(kind) => [...document.querySelectorAll('.protattn-heatmap, .protattn-grid, .protattn-track')]
                     .map(e => e.parentElement).find(e => e.protattnView && e.protattnView.kind === kind)"""
HEATMAP_CANVAS = ".protattn-heatmap canvas"
#: The 3D view's API (js/lib/ngl_overlay.js), on the explorer's 3D box.
NGL_VIEW = "() => document.querySelector('[data-testid=view-structure]')"


@pytest.fixture(scope="module")
def lab(jupyter_server, browser):
    page = LabPage(jupyter_server, browser, "explorer.ipynb", SETUP_CELLS)
    try:
        page.run_all(timeout_s=300)
        for kind in ("heatmap", "head_grid", "sequence_track"):
            page.page.wait_for_function(f"() => {{ const e = ({VIEW})('{kind}'); return e && e.protattnView.draws > 0; }}",
                                        timeout=120_000)
        page.wait_for_ngl_view(NGL_VIEW)  # the 3D view (bundled NGL) loaded the structure and drew on it
        yield page
    finally:
        page.close()


def ngl_pixels(lab: LabPage):
    """Screenshot of the canvas inside the NGL view's element (the one holding ``e.protattn``)."""
    import io

    import numpy as np
    from PIL import Image

    canvas = lab.page.evaluate_handle(f"() => ({NGL_VIEW})().querySelector('canvas')").as_element()
    assert canvas is not None, "no canvas in the NGL view"
    return np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"))


def api(lab: LabPage, kind: str, call: str = "summary()"):
    return lab.page.evaluate(f"() => ({VIEW})('{kind}').protattnView.{call}")


def wait_for_head(lab: LabPage, kind: str, layer: int, head: int) -> None:
    lab.page.wait_for_function(
        f"() => {{ const s = ({VIEW})('{kind}').protattnView; return s.layer === {layer} && s.head === {head}; }}",
        timeout=60_000)


def test_views_draw(lab):
    outputs = lab.page.locator(".jp-OutputArea-output").all_inner_texts()
    assert not any("Error" in text and "Traceback" in text for text in outputs), outputs
    pixels = lab.canvas_pixels(HEATMAP_CANVAS)
    assert distinct_colors(pixels) > 20, "the heatmap canvas is (nearly) blank"
    assert distinct_colors(lab.canvas_pixels(".protattn-grid canvas")) > 10
    assert distinct_colors(lab.canvas_pixels(".protattn-track canvas")) > 10
    assert api(lab, "heatmap")["n"] == 116
    assert lab.page.locator(".protattn-error").count() == 0
    structure = ngl_pixels(lab)
    assert structure.shape[0] > 200 and structure.shape[1] > 200
    assert distinct_colors(structure) > 200 and structure_drawn(structure), "the NGL canvas is (nearly) blank"
    state = lab.ngl_summary(NGL_VIEW)
    assert state["mappedResidues"] == 116 and state["edges"] > 0, state


def test_hovering_a_cell_shows_residues_and_weight(lab):
    lab.page.locator(HEATMAP_CANVAS).scroll_into_view_if_needed()
    point = api(lab, "heatmap", "cellCenter(10, 20)")
    lab.page.mouse.move(point["x"] - 5, point["y"] - 5)
    lab.page.mouse.move(point["x"], point["y"], steps=2)
    tip = lab.page.locator(".protattn-heatmap .protattn-tooltip")
    tip.wait_for(state="visible")
    expected = lab.run_python(
        "c = ex.chain_obj; w = ex.attention.head(ex.layer, ex.head)[10, 20]\n"
        "print(f'{c.chain_id} {c.residue_names[10]} {c.residue_ids[10]} -> "
        "{c.chain_id} {c.residue_names[20]} {c.residue_ids[20]}: {w:.3f}')").strip()
    text = tip.text_content()
    assert text.split(":")[0] == expected.split(":")[0], (text, expected)
    assert WEIGHT.fullmatch(text.split(": ")[1].split(" (")[0]), text  # the one weight format (defect 9)
    weight = float(expected.split(": ")[1])
    shown = float(text.split(": ")[1].replace("< ", "").split()[0])
    assert abs(shown - weight) <= 0.006, (text, expected)


def test_head_slider_changes_heatmap_pixels_and_edges(lab):
    wait_for_head(lab, "heatmap", 3, 5)
    ngl_before = lab.wait_for_ngl_frame(NGL_VIEW)
    assert (ngl_before["edges"], ngl_before["edgeChecksum"]) == lab.kernel_edges("ex.structure_view")
    structure_before = ngl_pixels(lab)
    before = lab.canvas_pixels(HEATMAP_CANVAS)
    draws = api(lab, "heatmap")["draws"]
    handle = lab.page.locator("[data-testid=control-head]").first
    handle.focus()
    handle.press("ArrowRight")  # head 6 -> 7 (1-based), i.e. 5 -> 6
    lab.wait_for_python("print(ex.head)", "6")
    wait_for_head(lab, "heatmap", 3, 6)
    lab.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.draws > {draws}")
    after = lab.canvas_pixels(HEATMAP_CANVAS)
    assert changed_fraction(before, after) > 0.01, "the heatmap did not change with the head"
    assert lab.run_python("print(ex.heatmap.head, ex.grid.head, ex.structure_view.head)").split() == ["6"] * 3
    # The 3D view redrew its edges: the very pairs and weights the kernel sent for head 6.
    n_edges, checksum = lab.kernel_edges("ex.structure_view")
    ngl_after = lab.wait_for_ngl_frame(  # the frame with the kernel's edges (not one drawn on the way there)
        NGL_VIEW, f"s.drawnEdges > {ngl_before['drawnEdges']} && s.edges === {n_edges} && s.edgeChecksum === {checksum}")
    assert ngl_after["edgeChecksum"] == checksum, (ngl_after, checksum)
    assert checksum != ngl_before["edgeChecksum"], "heads 5 and 6 have the same edges: pick other heads"
    wait_for_pixels(lambda: ngl_pixels(lab), structure_before, 0.002, what="the NGL canvas (new head's edges)")


def test_clicking_a_heatmap_cell_selects_the_residue_everywhere(lab):
    lab.run_python("ex.selected_residue = None")
    lab.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().selected == null")
    point = api(lab, "heatmap", "cellCenter(31, 90)")
    lab.page.mouse.click(point["x"], point["y"])
    lab.wait_for_python("print(ex.selected_residue)", "31")
    assert lab.run_python("print(ex.heatmap.selected_residue, ex.sequence.selected_residue, "
                          "ex.structure_view.selected_residue)").split() == ["31"] * 3
    lab.page.wait_for_function(f"() => ({VIEW})('sequence_track').protattnView.summary().selected === 31")


def test_clicking_a_head_tile_and_arrow_keys_pick_the_head(lab):
    # as a user would: scroll to the grid first (below the views, it may sit under the status bar)
    lab.page.evaluate(f"() => ({VIEW})('head_grid').scrollIntoView({{block: 'center'}})")
    point = api(lab, "head_grid", "tileCenter(1, 2)")
    lab.page.mouse.click(point["x"], point["y"])
    lab.wait_for_python("print(ex.layer, ex.head)", "1 2")
    wait_for_head(lab, "heatmap", 1, 2)
    lab.page.keyboard.press("ArrowDown")  # the clicked grid has the focus
    lab.wait_for_python("print(ex.layer, ex.head)", "2 2")
    assert lab.page.locator("[data-testid=control-layer]").first.input_value() == "3"  # 1-based on screen


#: Every attention weight in every tooltip (issue 19 defect 9): 3 decimals, or a bound "< 0.002".
WEIGHT = re.compile(r"(?:< )?\d+\.\d{3}\b")
STRONG_IN_TOOLTIP = re.compile(r"\((?:\d+ of )?(\d+) strong edges i\u2192j")
STRONG_IN_CAPTION = re.compile(r"\u00b7 (\d+) strong edges i\u2192j")


def test_grid_tooltip_and_3d_caption_count_strong_edges_alike(lab):
    """Issue 19 defect 3: for the same head and threshold the head grid's tooltip and the 3D caption
    give the same count in the same unit ("strong edges i→j": ordered pairs, self-attention
    included), and the 3D caption names what it draws (lines; arrows when directed) as a second count."""
    lab.run_python("ex.selected_residue = None\nex.structure_view.focus = False")
    checked = []
    for threshold, mode, (layer, head) in ((0.3, "max", (2, 6)), (0.1, "directed", (3, 5)), (0.1, "mean", (0, 1))):
        lab.run_python(f"ex.threshold = {threshold}\nex.mode = {mode!r}\nex.layer, ex.head = {layer}, {head}")
        wait_for_head(lab, "heatmap", layer, head)
        lab.page.wait_for_function(f"() => {{ const s = ({VIEW})('head_grid').protattnView.summary(); "
                                   f"return s.layer === {layer} && s.head === {head}; }}", timeout=60_000)
        kernel = lab.run_python(
            f"print(int(ex.grid.contact_accumulator({threshold}).total[{layer}, {head}]), ex.structure_view.strong_edges, "
            f"ex.structure_view.n_edges_above_threshold)").split()
        strong, drawn = int(kernel[0]), int(kernel[2])
        assert int(kernel[1]) == strong, kernel
        state = lab.wait_for_ngl_frame(NGL_VIEW, f"s.caption.includes('\u00b7 {strong} strong edges')")
        caption = state["caption"]
        unit = "arrow" if mode == "directed" else "line"
        assert f": {drawn} {unit}" in caption and f"\u2265 {threshold:g}" in caption, caption
        assert [int(x) for x in STRONG_IN_CAPTION.findall(caption)] == [strong], caption
        lab.page.evaluate(f"() => ({VIEW})('head_grid').scrollIntoView({{block: 'center'}})")
        point = api(lab, "head_grid", f"tileCenter({layer}, {head})")
        lab.page.mouse.move(point["x"] - 3, point["y"] - 3)
        lab.page.mouse.move(point["x"], point["y"], steps=2)
        tip = lab.page.locator(".protattn-grid .protattn-tooltip")
        tip.wait_for(state="visible")
        text = tip.text_content()
        assert text.startswith(f"{layer + 1}-{head + 1}: "), text
        assert [int(x) for x in STRONG_IN_TOOLTIP.findall(text)] == [strong], (text, caption)
        checked.append((text, caption))
        if len(checked) == 1:
            lab.page.screenshot(path=str(screenshot_path("defect3_grid_tooltip_and_caption.png")))
        lab.page.mouse.move(5, 5)
    # the sequence track's tooltip gives attention in the same format as the other views (defect 9)
    lab.page.evaluate(f"() => ({VIEW})('sequence_track').scrollIntoView({{block: 'center'}})")
    c = api(lab, "sequence_track", "residueCenter(30)")
    lab.page.mouse.move(c["x"] - 3, c["y"] - 3)
    lab.page.mouse.move(c["x"], c["y"], steps=2)
    track_tip = lab.page.locator(".protattn-track .protattn-tooltip")
    track_tip.wait_for(state="visible")
    received = track_tip.text_content().split("received ")[1].split(" \u00b7")[0]
    assert WEIGHT.fullmatch(received), track_tip.text_content()
    lab.page.mouse.move(5, 5)
    # the strong-edge count is the head's, not the drawing's: directed arrows leave out self-attention,
    # max/mean lines merge both directions of a pair
    print("grid tooltip / 3D caption:", checked)
    lab.run_python("ex.threshold = 0.3\nex.mode = 'max'\nex.layer, ex.head = 3, 5")


def test_redraw_time(lab):
    """The kernel sets the head -> the heatmap has redrawn and is on screen, on one clock (epoch ms).

    The kernel stamps ``time.time()`` just before ``ex.head = h``; the page stamps
    ``performance.timeOrigin + performance.now()`` when the heatmap has drawn the
    new head (``lastDrawEnd``) and again two animation frames after it saw that draw
    (the frame holding it has been painted).  Both run on this machine, so the
    difference is the whole update: Python side, serialisation, websocket,
    deserialisation, drawing, painting.
    """
    rounds = []
    warm_up, measured = 2, (10 if os.environ.get("PROTATTN_BENCH_OUT") else 5)
    for k in range(warm_up + measured):
        head = (k * 3 + 1) % 8
        if head == int(lab.run_python("print(ex.head)")):
            head = (head + 1) % 8
        code = ("import time as _t\n_t0 = _t.time() * 1000\n"
                f"ex.head = {head}\n_t1 = _t.time() * 1000\nprint(_t0, _t1)")
        result = lab.page.evaluate(
            r"""async ([code, find, head]) => {
                 const api = eval(find)('heatmap').protattnView;
                 const draws = api.draws;
                 const frame = () => new Promise(r => requestAnimationFrame(r));
                 // Watch for the new head's draw from before the request goes out; once seen, the
                 // next animation frame is the one that shows it, the frame after that comes
                 // once it has been painted.
                 const shown = new Promise((resolve) => {
                   const deadline = performance.now() + 20000;
                   const poll = () => {
                     if (api.draws > draws && api.head === head) {
                       const seenAt = performance.now();
                       let frameAt = null;
                       frame().then(() => { frameAt = performance.now(); return frame(); })
                              .then(() => resolve({seenAt, frameAt, paintedAt: performance.now()}));
                     } else if (performance.now() > deadline) {
                       resolve(null);
                     } else {
                       setTimeout(poll, 0);
                     }
                   };
                   poll();
                 });
                 const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
                 const future = kernel.requestExecute({code, store_history: false});
                 let out = '';
                 future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
                 await future.done;
                 const seen = await shown;
                 const [t0, t1] = out.trim().split(/\s+/).map(Number);
                 if (!seen) return {ok: false, draws: api.draws, head: api.head, out};
                 return {total: performance.timeOrigin + api.lastDrawEnd - t0,
                         frame: performance.timeOrigin + seen.frameAt - t0,
                         painted: performance.timeOrigin + seen.paintedAt - t0,
                         python: t1 - t0, draw: api.lastDrawMs,
                         changeToDrawn: api.lastDrawEnd - (api.lastChangeAt || api.lastDrawStart),
                         ok: api.draws > draws && api.head === head};
               }""", [code, VIEW, head])
        assert result["ok"], result
        rounds.append(result)
    rounds = rounds[warm_up:]
    summary = {key: statistics.median(r[key] for r in rounds) for key in rounds[0] if key != "ok"}
    summary["max_total"] = max(r["total"] for r in rounds)
    summary["max_frame"] = max(r["frame"] for r in rounds)
    summary["max_painted"] = max(r["painted"] for r in rounds)
    summary["n"] = int(lab.run_python("print(len(ex.attention))"))
    summary["rounds"] = len(rounds)
    out = os.environ.get("PROTATTN_BENCH_OUT")
    if out:
        with open(out, "w") as handle:
            json.dump(summary, handle, indent=1)
    print("redraw timings (ms):", summary,
          "per round (frame, painted):", [(round(r["frame"]), round(r["painted"])) for r in rounds])
    assert all(0 < r["total"] <= r["frame"] <= r["painted"] for r in rounds), rounds  # one clock, in order
    # No time bound here: on 2 shared cores the painted frame took 0.2 s idle and 0.7 s at load 11,
    # so a bound either fails under load or catches nothing.  The latency is benchmarked as a ratio
    # against a reference revision in the same run (bench/bench_widgets.py --browser-only, which runs
    # this test), and each round above had to draw within 20 s.


# -- issue 10: keyboard, layout, 3D selection / hover / legends, busy state, export ------------

ACTIVE_CELL = "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"


def command_mode_on_cell(lab: LabPage, index: int = 1) -> None:
    """The notebook in command mode with cell ``index`` active: where arrow keys move the cursor."""
    lab.page.evaluate(f"""() => {{ const nb = window.jupyterapp.shell.currentWidget.content;
                                   nb.activeCellIndex = {index}; nb.mode = 'command'; }}""")


def press_keys_and_check(lab: LabPage, focus, keys: list[str], expected: list[str]) -> None:
    """Focus ``focus`` (a locator), press each key and wait for the kernel's ``layer head``
    to become each ``expected``; the notebook's active cell must not move."""
    command_mode_on_cell(lab)
    before = lab.page.evaluate(ACTIVE_CELL)
    focus.focus()
    for key, want in zip(keys, expected):
        focus.press(key)
        lab.wait_for_python("print(ex.layer, ex.head)", want)
        assert lab.page.evaluate(ACTIVE_CELL) == before, f"{key} moved the notebook's cell cursor"
    assert lab.page.evaluate("() => document.activeElement") is not None


def check_keyboard(lab: LabPage) -> None:
    """Arrow keys on the head slider, the head grid and the heatmap reach the explorer only."""
    lab.run_python("ex.layer, ex.head = 3, 5")
    wait_for_head(lab, "heatmap", 3, 5)
    handle = lab.page.locator("[data-testid=control-head]").first
    press_keys_and_check(lab, handle, ["ArrowLeft", "ArrowRight", "ArrowDown", "ArrowUp"],
                         ["3 4", "3 5", "3 4", "3 5"])  # the slider steps the head (down = one less)
    grid = lab.page.locator(".protattn-grid canvas").first
    press_keys_and_check(lab, grid, ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"],
                         ["2 5", "3 5", "3 4", "3 5"])
    heatmap = lab.page.locator(HEATMAP_CANVAS).first
    press_keys_and_check(lab, heatmap, ["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight"],
                         ["4 5", "3 5", "3 4", "3 5"])


def test_arrow_keys_reach_the_views_not_the_notebook_in_jupyterlab(lab):
    check_keyboard(lab)


def test_structure_and_heatmap_side_by_side_at_1280_with_the_file_browser(lab):
    lab.page.set_viewport_size({"width": 1280, "height": 800})
    lab.page.evaluate("() => { window.jupyterapp.shell.activateById('filebrowser'); }")
    lab.page.wait_for_function("() => { const fb = document.getElementById('filebrowser');"
                               " return fb && fb.offsetWidth > 150; }")
    box = lab.page.locator(".protattn-structure-box").first
    heatmap = lab.page.locator(".protattn-heatmap").first
    s, h = wait_for_still_layout(lab.page, [box, heatmap])  # the panel's width settles
    assert s["width"] >= 340 and h["x"] >= s["x"] + s["width"] - 1, (s, h)  # beside it, not under it
    assert h["y"] < s["y"] + s["height"], (s, h)
    # NGL fills its box (the canvas follows the box, also after a resize below)
    lab.wait_for_ngl_frame(NGL_VIEW)
    canvas = lab.page.evaluate_handle(f"() => ({NGL_VIEW})().querySelector('canvas')").as_element()
    c = canvas.bounding_box()
    assert abs(c["width"] - s["width"]) < 6 and c["height"] > 300, (c, s)
    wait_until_pixels(lambda: ngl_pixels(lab), structure_drawn, what="the structure at 1280 px with the file browser")
    screenshot_explorer(lab, screenshot_path("explorer.png"))
    # Resizable: drag the box's corner; NGL's canvas follows.
    s = box.bounding_box()
    lab.page.mouse.move(s["x"] + s["width"] - 3, s["y"] + s["height"] - 3)
    lab.page.mouse.down()
    lab.page.mouse.move(s["x"] + s["width"] + 37, s["y"] + s["height"] + 57, steps=5)
    lab.page.mouse.up()
    grown = box.bounding_box()
    assert abs(grown["height"] - s["height"] - 60) < 4 and abs(grown["width"] - s["width"] - 40) < 4, (s, grown)
    try:
        lab.page.wait_for_function(
            f"() => Math.abs(({NGL_VIEW})().querySelector('canvas').getBoundingClientRect().height"
            f" - {grown['height']}) < 6", timeout=30_000)
    except Exception:
        raise AssertionError(("canvas", lab.page.evaluate(
            f"() => {{ const e = ({NGL_VIEW})(); const r = e.querySelector('canvas').getBoundingClientRect();"
            f" return [r.width, r.height, e.style.height, e.clientHeight]; }}"), grown))
    lab.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    lab.page.set_viewport_size({"width": 1280, "height": 1000})


def structure_drawn(pixels) -> bool:
    """The middle of the NGL canvas (away from the overlay's legends and caption) shows a
    structure: more than 5 % of it is not background white."""
    h, w = pixels.shape[:2]
    middle = pixels[int(0.25 * h): int(0.7 * h), int(0.2 * w): int(0.8 * w)]
    return float((middle.min(axis=-1) < 235).mean()) > 0.05


def screenshot_explorer(lab: LabPage, path: Path, width: int = 1280) -> None:
    """The whole explorer on one screenshot (a viewport tall enough for it), no pop-ups."""
    lab.page.add_style_tag(content=".Toastify { display: none !important; }")
    height = lab.page.evaluate("() => document.querySelector('[data-testid=protattn-explorer]').offsetHeight")
    lab.page.set_viewport_size({"width": width, "height": int(height) + 260})
    explorer = lab.page.locator("[data-testid=protattn-explorer]").first
    explorer.scroll_into_view_if_needed()
    lab.page.evaluate(f"() => ({NGL_VIEW})().protattn.stage.viewer.requestRender()")
    wait_until_pixels(lambda: ngl_pixels(lab), structure_drawn, what="the structure")
    explorer.screenshot(path=str(path))


def ngl_point(lab: LabPage, i: int) -> dict:
    canvas = lab.page.evaluate_handle(f"() => ({NGL_VIEW})().querySelector('canvas')").as_element()
    box = canvas.bounding_box()
    x, y = lab.page.evaluate(f"() => ({NGL_VIEW})().protattn.screenPosition({i})")
    return {"x": box["x"] + x, "y": box["y"] + y, "box": box}


def front_residue(lab: LabPage) -> int:
    """A residue whose CA NGL projects nearest the canvas centre."""
    return lab.page.evaluate(f"""() => {{
        const e = ({NGL_VIEW})(); const api = e.protattn; const c = e.querySelector('canvas');
        let best = null;
        for (let i = 0; i < 116; i++) {{
          const p = api.screenPosition(i); if (!p) continue;
          const d = Math.hypot(p[0] - c.clientWidth / 2, p[1] - c.clientHeight / 2);
          if (!best || d < best.d) best = {{i, d}};
        }}
        return best.i; }}""")


def wait_for_camera_still(lab: LabPage, condition: str = "true") -> dict:
    """Wait until the NGL summary ``s`` satisfies ``condition`` (e.g. a centre or reset counted) and
    NGL's camera animations (centre 400 ms, reset 300 ms) have ended, then for a frame showing where
    they ended; return that summary.  Under load an animation may take several times its length.
    (NGL keeps its spin and rock animations in the list, paused; a finished move leaves the list.)"""
    lab.page.wait_for_function(f"() => {{ const e = ({NGL_VIEW})(), s = e.protattn.summary();"
                               f" return ({condition}) && e.protattn.stage.animationControls.paused; }}")
    return lab.wait_for_ngl_frame(NGL_VIEW)


def test_3d_legend_hover_pick_focus_centre_and_reset(lab):
    lab.run_python("ex.layer, ex.head, ex.threshold, ex.mode, ex.selected_residue = 3, 5, 0.3, 'max', None")
    state = lab.wait_for_ngl_frame(NGL_VIEW, "s.selected === -1")
    # Chains named and coloured, the attention chain marked.
    assert state["legend"] == "A: light chainB: attention chain (heavy chain)C: antigen", state["legend"]
    assert "line i \u2013 j: max of a_ij, a_ji" in state["edgeLegend"] and "0.3" in state["edgeLegend"]
    lab.page.locator(".protattn-structure-box").first.scroll_into_view_if_needed()
    # Hover: residue, chain, author id and the attention it receives / gives in this head. No edges are
    # drawn meanwhile (threshold 1), so the pointer lands on the residue and not on an edge passing in
    # front of it (an edge's tooltip names its pair; that one is tested on its own).
    lab.run_python("ex.threshold = 1.0")
    lab.wait_for_ngl_frame(NGL_VIEW, "s.edges === 0")
    i = front_residue(lab)
    p = ngl_point(lab, i)
    lab.page.mouse.move(p["x"] - 8, p["y"] - 8)
    lab.page.mouse.move(p["x"], p["y"], steps=3)
    lab.page.wait_for_function(f"() => ({NGL_VIEW})().protattn.summary().tooltip !== null", timeout=15_000)
    tip = lab.ngl_summary(NGL_VIEW)["tooltip"]
    expected = lab.run_python(
        "import numpy as _np\nc = ex.chain_obj\nm = ex.attention.head(ex.layer, ex.head)\n"
        "print(repr({i: (f'{c.chain_id} {c.residue_names[i]} {c.residue_ids[i]} ', "
        "float(m[:, i].sum())) for i in range(len(c))}))")
    table = eval(expected)  # noqa: S307 - our own kernel's repr of a dict of strings and floats
    hovered = [k for k, (head, _) in table.items() if tip.startswith(head)]
    assert hovered, tip
    shown = re.search(r"receives (\d\.\d{3}) ", tip)  # 3 decimals, as every weight (js/lib/format.js)
    # the page decodes the received sum from one byte: within half a code step of the kernel's float sum
    step = max(v for _, v in table.values()) / 255  # the byte's step: the largest sum is code 255
    assert shown and abs(float(shown.group(1)) - table[hovered[0]][1]) <= step / 2 + 0.0005, (tip, table[hovered[0]])
    assert "gives most to B " in tip and "author id" in tip, tip
    assert WEIGHT.search(tip.split("gives most to")[1]), tip  # the one weight format (defect 9)
    tip_box = lab.page.locator(".protattn-ngl-tooltip").first.bounding_box()
    # by the pointer: just below it, and across its x (not in a corner of the page)
    assert tip_box["x"] - 30 <= p["x"] <= tip_box["x"] + tip_box["width"] + 30, (tip_box, p)
    assert 0 <= tip_box["y"] - p["y"] <= 40, (tip_box, p)
    # Picking selects without moving the camera; no "Atom: ..." text is left behind.
    camera = lab.ngl_summary(NGL_VIEW)["cameraPosition"]
    lab.page.mouse.click(p["x"], p["y"])
    lab.page.wait_for_function(f"() => ({NGL_VIEW})().protattn.summary().selected >= 0", timeout=15_000)
    picked = lab.ngl_summary(NGL_VIEW)["selected"]
    lab.wait_for_python("print(ex.selected_residue)", str(picked))  # the page's change reached the kernel
    state = lab.wait_for_ngl_frame(NGL_VIEW, f"s.selected === {picked}")
    wait_for_camera_still(lab)  # a camera move started by the pick would have ended
    assert lab.ngl_summary(NGL_VIEW)["cameraPosition"] == camera, "picking moved the camera"
    assert lab.page.get_by_text("Atom:").filter(visible=True).count() == 0
    assert state["residueLabel"] and lab.run_python("print(ex.heatmap.selected_residue)").strip() == str(picked)
    # Focus: only the selected residue's edges.
    lab.run_python("ex.threshold = 0.05")
    n_all, _ = lab.kernel_edges("ex.structure_view")
    touching = int(lab.run_python(f"e = ex.structure_view.edges\nprint(int(((e[:, 0] == {picked}) | (e[:, 1] == {picked})).sum()))"))
    lab.wait_for_ngl_frame(NGL_VIEW, f"s.edges === {n_all}")
    lab.page.locator(".protattn-focus").first.click()
    lab.wait_for_python("print(ex.structure_view.focus)", "True")
    state = lab.wait_for_ngl_frame(NGL_VIEW, f"s.focus && s.edges === {touching}")
    assert 0 < touching < n_all, (touching, n_all)
    # For the README: focus on the residue with most edges at 0.1, centred, the pointer away.
    hub = int(lab.run_python("ex.threshold = 0.1\nimport numpy as _np\n"
                             "print(_np.bincount(ex.structure_view.edges[:, :2].astype(int).ravel()).argmax())"))
    lab.run_python(f"ex.selected_residue = {hub}")
    lab.wait_for_ngl_frame(NGL_VIEW, f"s.selected === {hub} && s.focus")
    lab.page.mouse.move(0, 0)
    centred_before = lab.ngl_summary(NGL_VIEW)["centred"]
    lab.page.locator(".protattn-centre").first.click()
    wait_for_camera_still(lab, f"s.centred > {centred_before}")
    lab.page.locator(".protattn-structure-box").first.screenshot(path=str(screenshot_path("explorer_3d_focus.png")))
    lab.run_python(f"ex.threshold = 0.05\nex.selected_residue = {picked}")
    lab.wait_for_ngl_frame(NGL_VIEW, f"s.selected === {picked} && s.edges === {touching}")
    lab.page.locator(".protattn-focus").first.click()
    lab.wait_for_python("print(ex.structure_view.focus)", "False")
    lab.wait_for_ngl_frame(NGL_VIEW, f"!s.focus && s.edges === {n_all}")
    # Centre on the selection, then reset the view: the camera moves each time.
    centred_before = lab.ngl_summary(NGL_VIEW)["centred"]
    lab.page.locator(".protattn-centre").first.click()
    centred = wait_for_camera_still(lab, f"s.centred > {centred_before}")["cameraPosition"]  # the 400 ms animation
    assert centred != camera
    resets_before = lab.ngl_summary(NGL_VIEW)["resets"]
    lab.page.locator(".protattn-reset").first.click()
    assert wait_for_camera_still(lab, f"s.resets > {resets_before}")["cameraPosition"] != centred
    lab.run_python("ex.threshold = 0.3")


def test_directed_mode_draws_arrows_and_an_empty_head_says_lower_the_threshold(lab):
    lab.run_python("ex.mode = 'directed'")
    n, checksum = lab.kernel_edges("ex.structure_view")
    state = lab.wait_for_ngl_frame(NGL_VIEW, f"s.arrows === {n} && s.edges === {n}")
    assert state["edgeChecksum"] == checksum and n > 0 and "i attends to j" in state["edgeLegend"]
    lab.run_python("ex.mode = 'max'")
    lab.wait_for_ngl_frame(NGL_VIEW, "s.arrows === 0")
    lab.run_python("ex.selected_residue = None\nex.threshold = 1.0")
    lab.wait_for_ngl_frame(NGL_VIEW, "s.edges === 0 && s.selected === -1")
    label = lab.page.locator(".protattn-label").first.text_content()
    assert "0 lines \u2265 1 \u00b7 " in label and label.endswith("(move the threshold slider down to see lines)"), label
    lab.run_python("ex.threshold = 0.3")


def test_export_buttons_download_the_file_itself(lab):
    """Issue 23 item 1: each export button downloads the file's own bytes (a blob: link made from
    what the kernel sent, not a server URL that JupyterLab answers with its own page)."""
    lab.run_python("import tempfile, pathlib\nex.export_dir = pathlib.Path(tempfile.mkdtemp())")
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF"), ("html", b"<!DOCTYPE html")):
        with lab.page.expect_download(timeout=90_000) as info:
            lab.page.locator(f"[data-testid=export-{fmt}]").first.click()
        download = info.value
        name = lab.run_python(f"print(ex.export_name({fmt!r}).name)").strip()
        assert download.suggested_filename == name
        data = Path(download.path()).read_bytes()
        assert data.startswith(magic), (fmt, data[:40])
        on_disk = lab.run_python(f"import hashlib\nprint(hashlib.sha256(ex.export_name({fmt!r}).read_bytes()).hexdigest())")
        assert hashlib.sha256(data).hexdigest() == on_disk.strip(), fmt
        link = lab.page.locator("[data-testid=export-link]").first
        assert link.get_attribute("href").startswith("blob:") and link.get_attribute("download") == name


def test_save_3d_downloads_the_view_at_the_chosen_scale(lab):
    """"Save 3D": NGL's makeImage at 2x with a transparent background, legends drawn in; the kernel
    keeps a copy in export_dir."""
    import io

    from PIL import Image

    lab.wait_for_ngl_frame(NGL_VIEW)
    lab.page.locator("[data-testid=export-3d-scale]").first.select_option("2")
    lab.page.locator("[data-testid=export-3d-transparent]").first.check()
    with lab.page.expect_download(timeout=90_000) as info:
        lab.page.locator("[data-testid=export-3d]").first.click()
    data = Path(info.value.path()).read_bytes()
    image = Image.open(io.BytesIO(data))
    canvas = lab.page.locator("[data-testid=structure-canvas]").first.bounding_box()
    assert image.mode == "RGBA" and abs(image.width - 2 * canvas["width"]) <= 4, (image.size, canvas)
    alpha = np.asarray(image)[..., 3]
    assert (alpha == 0).mean() > 0.2 and (alpha == 255).mean() > 0.02, "transparent background, opaque structure"
    name = info.value.suggested_filename
    lab.wait_for_python(f"print((ex.export_dir / {name!r}).exists())", "True")
    assert lab.run_python(f"import hashlib\nprint(hashlib.sha256((ex.export_dir / {name!r}).read_bytes()).hexdigest())"
                          ).strip() == hashlib.sha256(data).hexdigest()
    lab.page.locator("[data-testid=export-3d-transparent]").first.uncheck()


def chain_select(lab: LabPage):
    return lab.page.locator("[data-testid=control-chain]").first


def test_chain_switch_shows_a_busy_state_then_the_new_chain(lab):
    # Record the explorer's status and stale marks as the page sees them.
    lab.page.evaluate("""() => { window.__paSeen = [];
        const root = document.querySelector('[data-testid=protattn-explorer]');
        new MutationObserver(() => {
          window.__paSeen.push([root.querySelector('[data-testid=explorer-status]').textContent.trim(),
                                root.classList.contains('pa-stale')]);
        }).observe(root, {subtree: true, childList: true, characterData: true, attributes: true,
                          attributeFilter: ['class']}); }""")
    options = chain_select(lab).locator("option").all_inner_texts()
    assert options == ["A: light chain", "B: heavy chain", "C: antigen"], options  # defect 7: the legend's names
    chain_select(lab).select_option("A")
    lab.wait_for_python("print(ex.chain, ex.heatmap.chain_id)", "A A")
    lab.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().n === 107")
    seen = lab.page.evaluate("() => window.__paSeen")
    assert ["computing attention for chain A ...", True] in seen, seen
    assert lab.page.locator(".pa-stale").count() == 0
    # The 3D view keeps the structure and draws chain A's head (no reload, colours kept).
    n, checksum = lab.kernel_edges("ex.structure_view")
    state = lab.wait_for_ngl_frame(NGL_VIEW, f"s.chain === 'A' && s.edges === {n}")
    assert state["edgeChecksum"] == checksum and state["mappedResidues"] == 107 and state["components"] == 1
    chain_select(lab).select_option("B")
    lab.wait_for_python("print(ex.chain, ex.heatmap.chain_id)", "B B")
    lab.page.wait_for_function(f"() => ({VIEW})('heatmap').protattnView.summary().n === 116")
    lab.wait_for_ngl_frame(NGL_VIEW, "s.chain === 'B' && s.mappedResidues === 116")


def test_notebook7_keyboard_layout_and_default_head(jupyter_server, browser):
    """Notebook 7: arrow keys reach slider, grid and heatmap; the default head has edges."""
    cells = [SETUP_CELLS[0],
             f"ex = AttentionExplorer({SOURCE}, model='antiberty', chain={CHAIN!r}, threshold=0.3)\nex",
             SETUP_CELLS[2]]
    page = LabPage(jupyter_server, browser, "explorer_nb7.ipynb", cells, app="notebook")
    try:
        page.run_all(timeout_s=300)
        for kind in ("heatmap", "head_grid"):
            page.page.wait_for_function(
                f"() => {{ const e = ({VIEW})('{kind}'); return e && e.protattnView.draws > 0; }}", timeout=120_000)
        page.wait_for_ngl_view(NGL_VIEW)
        best = page.run_python("print(*ex.grid.best_heads(1)[0], len(ex.structure_view.edges) > 0)").split()
        assert best[2] == "True" and page.run_python("print(ex.layer, ex.head)").split() == best[:2]
        check_keyboard(page)
        page.page.set_viewport_size({"width": 1280, "height": 800})
        s, h = wait_for_still_layout(page.page, [page.page.locator("[data-testid=view-structure]").first,
                                                 page.page.locator(".protattn-heatmap").first])
        assert h["x"] >= s["x"] + s["width"] - 1 and h["y"] < s["y"] + s["height"], (s, h)
        page.wait_for_ngl_frame(NGL_VIEW)
        wait_until_pixels(lambda: ngl_pixels(page), structure_drawn, what="the structure at 1280 x 800")
        screenshot_explorer(page, screenshot_path("explorer_notebook7.png"))
        assert page.errors() == [], "\n".join(page.errors())
    finally:
        page.close()


def test_notebook7_without_the_key_guard_arrow_keys_leak(jupyter_server, browser):
    """Negative control: with js/lib/keys.js's guard switched off, Notebook 7 takes the arrow
    keys (its cell cursor moves, the head does not change), which the tests above would catch."""
    page = LabPage(jupyter_server, browser, "explorer_nb7_noguard.ipynb", SETUP_CELLS, app="notebook")
    try:
        page.page.evaluate("() => { window.__protattnKeyGuard = true; }")  # as if already installed
        page.run_all(timeout_s=300)
        page.page.wait_for_function(
            f"() => {{ const e = ({VIEW})('heatmap'); return e && e.protattnView.draws > 0; }}", timeout=120_000)
        command_mode_on_cell(page)
        before = page.page.evaluate(ACTIVE_CELL)
        heatmap = page.page.locator(HEATMAP_CANVAS).first
        heatmap.focus()
        heatmap.press("ArrowDown")
        try:
            page.page.wait_for_function(f"() => ({ACTIVE_CELL})() !== {before}", timeout=30_000)
        except Exception:
            raise AssertionError("the notebook did not take the key: no leak to guard") from None
        assert page.run_python("print(ex.layer, ex.head)").strip() == "3 5"
    finally:
        page.close()

def test_no_errors_in_the_browser_console(lab):
    assert lab.errors() == [], "\n".join(lab.errors())
    assert lab.page.locator(".protattn-error").count() == 0, lab.page.locator(".protattn-error").all_inner_texts()


ALL_DRAWN = """() => { const app = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const boxes = [...(app ? app.node : document).querySelectorAll('[data-testid=protattn-explorer]')];
  return boxes.map(root => { const s = root.protattnExplorer.summary();
    return {heatmap: s.heatmap && s.heatmap.n, head: s.heatmap && [s.heatmap.layer, s.heatmap.head],
            grid: s.grid && s.grid.draws, structure: s.structure && {ready: s.structure.ready, chain: s.structure.chain,
            mapped: s.structure.mappedResidues, edges: s.structure.edges, checksum: s.structure.edgeChecksum,
            cartoon: s.structure.cartoon, painted: s.structure.painted}, nglLoads: s.nglLoads}; }); }"""


def wait_all_drawn(page, count: int, n: int, edges: tuple[int, int], head: list[int]) -> list[dict]:
    """Every one of ``count`` explorer views shows the whole structure (cartoon, chain mapped) and
    the kernel's current head (its edges, bit for bit)."""
    condition = (f"(v => v.length === {count} && v.every(s => s.heatmap === {n} && s.structure && s.structure.ready"
                 f" && s.structure.cartoon && s.structure.mapped === {n} && s.structure.edges === {edges[0]}"
                 f" && s.structure.checksum === {edges[1]} && s.head[0] === {head[0]} && s.head[1] === {head[1]}"
                 f" && s.structure.painted))(({ALL_DRAWN})())")
    try:
        page.wait_for_function(f"() => {condition}", timeout=120_000)
    except Exception:
        raise AssertionError(page.evaluate(ALL_DRAWN))
    return page.evaluate(ALL_DRAWN)


def test_shown_twice_after_a_chain_switch_after_a_reload_and_in_a_second_tab(jupyter_server, browser):
    """Issue 19: every view of the explorer draws the whole structure and the current head, and
    NGL is evaluated once per page however many views there are."""
    cells = [SETUP_CELLS[0],
             f"ex = AttentionExplorer({SOURCE}, model='antiberty', chain={CHAIN!r}, layer=3, head=5, threshold=0.3)\nex",
             "ex.chain = 'A'\nex.chain = 'B'\nex.head = 2",
             "ex  # shown a second time"]
    page = LabPage(jupyter_server, browser, "explorer_twice.ipynb", cells)
    try:
        page.run_all(timeout_s=300)
        edges = page.kernel_edges("ex.structure_view")
        views = wait_all_drawn(page.page, 2, 116, edges, [3, 2])
        assert [v["nglLoads"] for v in views] == [1, 1], views  # one NGL for the page
        # A page reload with the kernel running: both outputs (saved with the notebook) come back whole.
        page.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
        page.page.reload()
        page.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                    " && window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=120_000)
        wait_all_drawn(page.page, 2, 116, edges, [3, 2])
        # A second tab on the same notebook and kernel; a change made there reaches the kernel and the first tab.
        second = page.context.new_page()
        second.goto(f"{jupyter_server.url}/lab/tree/explorer_twice.ipynb?token={jupyter_server.token}")
        # JupyterLab opens the second tab in a new workspace (auto-*): wait for the notebook's session there
        # first, as after the reload, so a slow start under load does not eat the drawing's time budget.
        second.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                 " && window.jupyterapp.shell.currentWidget.sessionContext"
                                 " && window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=180_000)
        wait_all_drawn(second, 2, 116, edges, [3, 2])
        second.locator("[data-testid=control-head]").first.focus()
        second.locator("[data-testid=control-head]").first.press("ArrowRight")
        page.wait_for_python("print(ex.head)", "3")
        edges = page.kernel_edges("ex.structure_view")
        wait_all_drawn(page.page, 2, 116, edges, [3, 3])
        wait_all_drawn(second, 2, 116, edges, [3, 3])
        assert page.errors() == [], "\n".join(page.errors())
    finally:
        page.close()


def test_hovering_an_edge_names_its_pair_and_weight(lab):
    """Issue 19 defect 11: the tooltip over an edge names both residues and the edge's weight."""
    lab.run_python("ex.layer, ex.head, ex.threshold, ex.mode, ex.selected_residue = 3, 5, 0.3, 'max', None")
    n, _ = lab.kernel_edges("ex.structure_view")
    lab.wait_for_ngl_frame(NGL_VIEW, f"s.edges === {n}")
    lab.page.locator("[data-testid=view-structure]").first.scroll_into_view_if_needed()
    canvas = lab.page.locator("[data-testid=structure-canvas]").first.bounding_box()
    edges = eval(lab.run_python("print([(int(i), int(j), round(float(w), 2)) for i, j, w in ex.structure_view.edges])"))  # noqa: S307
    names = eval(lab.run_python("print([ex.structure_view.residue_name(i) for i in range(len(ex.chain_obj))])"))  # noqa: S307
    found = 0
    for k in range(len(edges)):
        mid = lab.page.evaluate(f"() => ({NGL_VIEW})().protattn.edgeMidpoint({k})")
        if not mid or not (10 < mid[0] < canvas["width"] - 10 and 40 < mid[1] < canvas["height"] - 60):
            continue
        lab.page.mouse.move(canvas["x"] + mid[0] - 6, canvas["y"] + mid[1] - 6)
        lab.page.mouse.move(canvas["x"] + mid[0], canvas["y"] + mid[1], steps=2)
        try:
            lab.page.wait_for_function(f"() => {{ const t = ({NGL_VIEW})().protattn.summary().tooltip;"
                                       " return t && t.includes('\u2194'); }", timeout=3000)
        except Exception:
            continue  # another edge or the overlay in front of this one's middle
        tip = lab.ngl_summary(NGL_VIEW)["tooltip"]
        # The edge under the pointer (this one, or a neighbour crossing the same pixels): a real edge
        # of the kernel's, named by both residues, with its weight.
        assert WEIGHT.fullmatch(tip.split(": ")[1].split()[0]), tip  # the one weight format (defect 9)
        shown = float(tip.split(": ")[1].split()[0])
        matches = [(i, j, w) for i, j, w in edges
                   if tip.startswith(f"{names[i]} \u2194 {names[j]}: ") and abs(shown - w) <= 0.011]
        assert matches, (tip, edges[k])
        found += 1
        if found == 2:
            break
    assert found >= 1, "no edge could be hovered"
    lab.page.mouse.move(0, 0)
