"""AttentionExplorer in a real JupyterLab 4 in Chromium: the anywidget views draw and talk to the kernel.

One notebook for the module (JupyterLab and the kernel are slow to start on a
small machine); each test acts like a person (slider keys, clicks) and checks the
canvas and the kernel.  ``test_redraw_time`` also serves bench/bench_widgets.py:
with ``PROTATTN_BENCH_OUT`` set it writes its timings there as JSON, and
``PROTATTN_BENCH_STRUCTURE`` / ``PROTATTN_BENCH_CHAIN`` choose the protein.
"""

from __future__ import annotations

import json
import os
import statistics

import pytest

from browser_harness import LabPage, changed_fraction, distinct_colors, wait_for_pixels

STRUCTURE = os.environ.get("PROTATTN_BENCH_STRUCTURE")
CHAIN = os.environ.get("PROTATTN_BENCH_CHAIN", "B")
SOURCE = repr(STRUCTURE) if STRUCTURE else 'paw.example_path("1vfb_complex")'

SETUP_CELLS = [
    "import protattn_widgets as paw\nfrom protattn_widgets.widgets.explorer import AttentionExplorer",
    f"ex = AttentionExplorer({SOURCE}, model='antiberty', chain={CHAIN!r}, layer=3, head=5, threshold=0.3)\nex",
]

#: The anywidget views' API (js/lib/dom.js `stamp`): kind -> the element holding it.
VIEW = """(kind) => [...document.querySelectorAll('.protattn-heatmap, .protattn-grid, .protattn-track')]
                     .map(e => e.parentElement).find(e => e.protattnView && e.protattnView.kind === kind)"""
HEATMAP_CANVAS = ".protattn-heatmap canvas"
#: The NGL view's API (js/ngl_attention.js).
NGL_VIEW = "() => [...document.querySelectorAll('div')].find(e => e.protattn)"
#: Median time from the kernel setting ``ex.head`` to the first animation frame after the
#: heatmap drew the new head (the frame that shows it).  The README's target is 100 ms
#: (bench/bench_widgets.py, L=500, an idle machine); this bound leaves room for 2 shared cores
#: running server, kernel and browser (about 50 ms here, idle), and still fails when a change
#: takes something like a second.
REDRAW_MEDIAN_BOUND_MS = 250
#: The same to the frame after that, i.e. once that frame has been painted.  Here that frame
#: also holds NGL's redraw of the new edges, which SwiftShader (software WebGL) takes 100+ ms
#: over on this CPU (about 200 ms in all, idle): a looser bound, still failing at a second.
PAINTED_MEDIAN_BOUND_MS = 500


@pytest.fixture(scope="module")
def lab(jupyter_server, browser):
    page = LabPage(jupyter_server, browser, "explorer.ipynb", SETUP_CELLS)
    try:
        page.run_all(timeout_s=300)
        for kind in ("heatmap", "head_grid", "sequence_track"):
            page.page.wait_for_function(f"() => {{ const e = ({VIEW})('{kind}'); return e && e.protattnView.draws > 0; }}",
                                        timeout=120_000)
        page.wait_for_ngl_view(NGL_VIEW)  # the 3D view (nglview) loaded the structure and drew on it
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
        timeout=30_000)


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
    assert distinct_colors(structure) > 200, "the NGL canvas is (nearly) blank"
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
    weight = float(expected.split(": ")[1])
    shown = float(text.split(": ")[1].split()[0])
    assert abs(shown - weight) <= 0.006, (text, expected)


def test_head_slider_changes_heatmap_pixels_and_edges(lab):
    wait_for_head(lab, "heatmap", 3, 5)
    ngl_before = lab.wait_for_ngl_frame(NGL_VIEW)
    assert (ngl_before["edges"], ngl_before["edgeChecksum"]) == lab.kernel_edges("ex.structure_view")
    structure_before = ngl_pixels(lab)
    before = lab.canvas_pixels(HEATMAP_CANVAS)
    draws = api(lab, "heatmap")["draws"]
    slider = lab.page.locator(".widget-hslider", has_text="head").first
    handle = slider.locator(".noUi-handle").first
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
    ngl_after = lab.wait_for_ngl_frame(
        NGL_VIEW, f"s.drawnEdges > {ngl_before['drawnEdges']} && s.edges === {n_edges}")
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
    point = api(lab, "head_grid", "tileCenter(1, 2)")
    lab.page.mouse.click(point["x"], point["y"])
    lab.wait_for_python("print(ex.layer, ex.head)", "1 2")
    wait_for_head(lab, "heatmap", 1, 2)
    lab.page.keyboard.press("ArrowDown")  # the clicked grid has the focus
    lab.wait_for_python("print(ex.layer, ex.head)", "2 2")
    assert lab.run_python("print(ex.controls.layer_slider.label)").strip() == "3"


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
    assert summary["frame"] <= REDRAW_MEDIAN_BOUND_MS, summary
    assert summary["painted"] <= PAINTED_MEDIAN_BOUND_MS, summary


def test_no_errors_in_the_browser_console(lab):
    assert lab.errors() == [], "\n".join(lab.errors())
    assert lab.page.locator(".protattn-error").count() == 0, lab.page.locator(".protattn-error").all_inner_texts()
