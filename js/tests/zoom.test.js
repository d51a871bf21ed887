import assert from "node:assert/strict";
import test from "node:test";

import { clampView, fullView, isFull, niceTicks, panBy, residueAtPixel, viewWindow, zoomAt } from "../lib/zoom.js";
import { paintMatrix, paintWindow, poolBits } from "../heatmap.js";
import { niceTop, tileSize, topHeads } from "../head_grid.js";
import { csrPairs, sparseEdges, strongEdges } from "../lib/edges.js";
import { lut } from "../lib/colormaps.js";

test("zoom keeps the residue under the cursor and stays inside the matrix", () => {
  const n = 1000;
  let view = fullView(n);
  assert.ok(isFull(view, n));
  view = zoomAt(view, n, 0.5, 0.25, 0.75); // zoom in around column 250, row 750
  assert.equal(view.span, 500);
  assert.equal(view.c0 + 0.25 * view.span, 250);
  assert.equal(view.r0 + 0.75 * view.span, 750);
  assert.ok(!isFull(view, n));
  for (let k = 0; k < 50; k++) view = zoomAt(view, n, 0.5, 0.5, 0.5);
  assert.equal(view.span, 12); // MIN_SPAN
  assert.deepEqual(clampView({ r0: -5, c0: 2000, span: 100 }, n), { r0: 0, c0: 900, span: 100 });
  assert.deepEqual(zoomAt(fullView(n), n, 4, 0.5, 0.5), fullView(n)); // cannot zoom out past the matrix
});

test("drag pans by pixels of the drawn matrix; hit-testing follows the view", () => {
  const n = 400;
  const view = { r0: 100, c0: 100, span: 100 }; // 4 px per residue on 400 px
  const moved = panBy(view, n, 40, -20, 400); // drag right 10 residues, up 5
  assert.deepEqual(moved, { r0: 105, c0: 90, span: 100 });
  assert.deepEqual(residueAtPixel(view, n, 30, 30, 400, 30, 30), { row: 100, col: 100 });
  assert.deepEqual(residueAtPixel(view, n, 30, 30, 400, 30 + 4 * 7 + 1, 30 + 4 * 3 + 3), { row: 103, col: 107 });
  assert.equal(residueAtPixel(view, n, 30, 30, 400, 29, 100), null);
  assert.deepEqual(viewWindow({ r0: 10.5, c0: 0, span: 20 }, 25), [10, 25, 0, 20]);
});

test("ticks follow the zoom on 1-2-5 steps", () => {
  assert.deepEqual(niceTicks(0, 1000, 8), { step: 200, ticks: [0, 200, 400, 600, 800] });
  const zoomed = niceTicks(103, 40, 8);
  assert.equal(zoomed.step, 5);
  assert.deepEqual(zoomed.ticks, [105, 110, 115, 120, 125, 130, 135, 140]);
  assert.deepEqual(niceTicks(0, 12, 8).ticks.slice(0, 3), [0, 2, 4]);
});

test("pooled overlay: a cell is set when any pair of its block is", () => {
  const n = 5;
  const bits = new Uint8Array(n * n);
  bits[4 * n + 0] = 1; bits[1 * n + 3] = 1;
  assert.deepEqual([...poolBits(bits, n, 2)], [0, 1, 0, 0, 0, 0, 1, 0, 0]);
  assert.equal(poolBits(bits, n, 1), bits);
});

test("paintWindow fades a window's cells by mode from the partner codes, like paintMatrix", () => {
  const table = lut("Blues", 0, 1);
  const codes = Uint8Array.of(10, 200, 90, 30); // 2 x 2 full matrix
  const whole = new Uint8ClampedArray(16);
  paintMatrix(whole, codes, 2, table, { thresholdQ: 100, mode: "max" });
  const partner = Uint8Array.of(10, 90, 200, 30); // transpose
  const part = new Uint8ClampedArray(16);
  paintWindow(part, codes, partner, 2, 2, table, { thresholdQ: 100, mode: "max" });
  assert.deepEqual([...part], [...whole]);
  const tinted = new Uint8ClampedArray(16), tintedWhole = new Uint8ClampedArray(16);
  paintWindow(tinted, codes, partner, 2, 2, table, { thresholdQ: 0, mode: "directed", contacts: Uint8Array.of(0, 1, 0, 0) });
  paintMatrix(tintedWhole, codes, 2, table, { thresholdQ: 0, mode: "directed", contacts: Uint8Array.of(0, 1, 0, 0) });
  assert.deepEqual([...tinted], [...tintedWhole]);
  assert.notDeepEqual([...tinted.subarray(4, 8)], [...part.subarray(4, 8)]);
});

test("grid tiles shrink with the head count, the scale top is round, top heads are sorted", () => {
  assert.equal(tileSize(8, 8), 28);
  assert.equal(tileSize(33, 20), 13);
  assert.equal(tileSize(36, 40), 11);
  assert.ok(tileSize(36, 40) * 40 <= 440 && tileSize(36, 40) >= 8);
  assert.equal(niceTop(0.37), 0.5);
  assert.equal(niceTop(0.12), 0.2);
  assert.equal(niceTop(0.25), 0.25);
  assert.equal(niceTop(0), 1);
  const values = Float32Array.of(0.1, NaN, 0.4, 0.4, 0.2, 0);
  const top = topHeads(values, Uint32Array.of(50, 0, 12, 99, 7, 3), 3, 3);
  assert.deepEqual(top.map((t) => [t.layer, t.head, t.count]), [[0, 2, 12], [1, 0, 99], [1, 1, 7]]);
});

test("sparse edges from the page's CSR pairs equal strongEdges on the dense codes above the floor", () => {
  const n = 6;
  const codes = new Uint8Array(n * n);
  const set = (i, j, q) => { codes[i * n + j] = q; };
  set(0, 3, 200); set(3, 0, 40); set(1, 2, 120); set(2, 1, 130); set(4, 5, 255); set(5, 4, 0); set(2, 2, 250);
  const floorQ = 30; // pairs under it are not embedded
  const rows = new Uint16Array(n), cols = [], kept = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    if (i !== j && codes[i * n + j] >= floorQ) { rows[i] += 1; cols.push(j); kept.push(codes[i * n + j]); }
  }
  const pairs = csrPairs(rows, Uint16Array.from(cols));
  assert.deepEqual([...pairs.subarray(0, 4)], [0, 3, 1, 2]);
  for (const mode of ["max", "directed"]) {
    for (const t of [0.2, 0.45, 0.9]) {
      const dense = strongEdges(codes, n, 1, t, mode, null, 100);
      const sparse = sparseEdges(pairs, Uint8Array.from(kept), n, 1, t, mode, null, 100);
      assert.deepEqual(sparse, dense, `${mode} ${t}`);
    }
  }
  const capped = sparseEdges(pairs, Uint8Array.from(kept), n, 1, 0.2, "max", null, 1);
  assert.equal(capped.total, 3);
  assert.deepEqual([...capped.pairs], [4, 5]);
});
