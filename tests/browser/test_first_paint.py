"""Displaying the explorer paints every view, the first time and each time it is shown again
(JupyterLab 4), next to one heatmap view of the same chain as the reference.

A cell is run with JupyterLab's own "run cell" command; the page then waits until the new
view has drawn (explorer: heatmap, head grid and sequence track drawn, NGL loaded the
structure and painted the head; reference: the heatmap drawn) and two animation frames
more (the frame is on screen).  The test checks that each display paints completely;
bench/bench_widgets.py (``--browser``) runs it with ``PROTATTN_BENCH_OUT`` set and reports
the times (ms, performance.now() from the run command): no timing is asserted here.
"""

from __future__ import annotations

import json
import os
import statistics

import pytest

from frontends import Notebook

STRUCTURE = os.environ.get("PROTATTN_BENCH_STRUCTURE")
CHAIN = os.environ.get("PROTATTN_BENCH_CHAIN", "B")
SOURCE = repr(STRUCTURE) if STRUCTURE else 'paw.example_path("1vfb_complex")'
SETUP = f"""\
import protattn_widgets as paw
from protattn_widgets.widgets.explorer import AttentionExplorer
from protattn_widgets.widgets.heatmap import AttentionHeatmap
ex = AttentionExplorer({SOURCE}, model="antiberty", chain={CHAIN!r}, layer=3, head=5, threshold=0.3)
heatmap = AttentionHeatmap(ex.attention, ex.chain_obj, layer=3, head=5)
"""
DOC = Notebook("first_paint", SETUP, ["ex", "heatmap"])
SHOWN = 4  # the first display, then three more (re-running the cell shows the same widget again)

#: JS: run cell ``index`` and resolve with the ms until a new view, found by ``views()``, passes ``done(view)``.
TIME_DISPLAY = """async ([index, kind]) => {
  const all = (sel) => [...document.querySelectorAll(sel)];
  const views = kind === 'explorer' ? () => all('[data-testid=protattn-explorer]')
                                    : () => all('.protattn-heatmap').map(e => e.parentElement);
  const done = kind === 'explorer'
    ? (r) => { const s = r.protattnExplorer && r.protattnExplorer.summary();
               return s && s.heatmap && s.heatmap.draws > 0 && s.grid && s.grid.draws > 0 && s.sequenceDraws > 0
                      && s.structure && s.structure.ready && s.structure.painted && s.structure.edges > 0; }
    : (e) => e.protattnView && e.protattnView.draws > 0;
  const before = new Set(views());
  const nb = window.jupyterapp.shell.currentWidget.content;
  nb.activeCellIndex = index;
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const start = performance.now();
  await window.jupyterapp.commands.execute('notebook:run-cell');
  const deadline = start + 120000;
  for (;;) {
    const fresh = views().filter(v => !before.has(v));
    if (fresh.length && fresh.every(done)) break;
    if (performance.now() > deadline) return null;
    await frame();
  }
  await frame(); await frame();
  return performance.now() - start;
}"""


@pytest.fixture(scope="module")
def lab(frontend_servers, browser):
    # the notebook only: each display below is timed from its own "run cell"
    from frontends import JupyterPage

    page = JupyterPage(frontend_servers.jupyter(), browser, DOC, "lab", {"width": 1366, "height": 900})
    try:
        page.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")  # the set-up cell
        page.wait_for_python("print('ex' in globals())", "True", timeout_s=300)
        yield page
    finally:
        page.close()


def test_every_display_paints_the_explorer_and_the_reference(lab):
    times = {"explorer": [], "heatmap": []}
    for _ in range(SHOWN):
        for index, kind in ((1, "explorer"), (2, "heatmap")):
            ms = lab.page.evaluate(TIME_DISPLAY, [index, kind])
            assert ms is not None, f"{kind}: a display did not paint within 120 s"
            times[kind].append(ms)
    summary = {"first_explorer_ms": times["explorer"][0], "first_heatmap_ms": times["heatmap"][0],
               "again_explorer_ms": statistics.median(times["explorer"][1:]),
               "again_heatmap_ms": statistics.median(times["heatmap"][1:]),
               "n": int(lab.run_python("print(len(ex.attention))")), "displays": SHOWN, "raw": times}
    print("first paint (ms):", summary)
    out = os.environ.get("PROTATTN_BENCH_OUT")
    if out:
        with open(out, "w") as handle:
            json.dump(summary, handle, indent=1)
    assert lab.errors() == [], "\n".join(lab.errors())
