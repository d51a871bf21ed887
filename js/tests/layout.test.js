import assert from "node:assert/strict";
import { test } from "node:test";

import { headLabel, headTooltip, pairTooltip, formatWeight, residueLabel, residueTooltip } from "../lib/format.js";
import { stepHead } from "../lib/keys.js";
import { cellAt, gridLayout, matrixLayout, tileAt } from "../lib/layout.js";
import { SQRT_INDEX, paintMatrix } from "../heatmap.js";
import { tileCodes } from "../head_grid.js";
import { lut } from "../lib/colormaps.js";

test("heatmap hit-testing: the cell under a pixel", () => {
  const layout = matrixLayout(100, 400, 30); // 4 px per cell
  assert.deepEqual(cellAt(layout, 30, 30), { row: 0, col: 0 });
  assert.deepEqual(cellAt(layout, 33.9, 30), { row: 0, col: 0 });
  assert.deepEqual(cellAt(layout, 34, 30), { row: 0, col: 1 });
  assert.deepEqual(cellAt(layout, 30 + 4 * 52 + 1, 30 + 4 * 7 + 2), { row: 7, col: 52 });
  assert.deepEqual(cellAt(layout, 429.9, 429.9), { row: 99, col: 99 });
  assert.equal(cellAt(layout, 29, 50), null);
  assert.equal(cellAt(layout, 430, 50), null);
  assert.equal(cellAt(matrixLayout(0, 400), 10, 10), null);
});

test("heatmap hit-testing with more residues than pixels (fractional cells)", () => {
  const layout = matrixLayout(500, 420, 34);
  const c = cellAt(layout, 34 + 420 * 0.5, 34 + 420 * 0.25);
  assert.deepEqual(c, { row: 125, col: 250 });
});

test("head grid hit-testing and layout", () => {
  const layout = gridLayout(8, 8, 28, 30);
  assert.deepEqual(tileAt(layout, 30 + 28 * 4 + 3, 30 + 28 * 2 + 27), { layer: 2, head: 4 });
  assert.equal(tileAt(layout, 10, 40), null);
  assert.equal(tileAt(layout, 30 + 28 * 8, 40), null);
  assert.equal(layout.width, 30 + 8 * 28 + 2);
});

test("tooltips: residue names, author ids, 1-based heads", () => {
  const names = ["TYR", "ASP"];
  const ids = ["52A", "101"];
  assert.equal(residueLabel("H", names, ids, 0), "H TYR 52A");
  assert.equal(pairTooltip("H", names, ids, 0, 1, 0.3412), "H TYR 52A -> H ASP 101: 0.341");
  assert.equal(formatWeight(0.0042), "0.004");
  assert.equal(formatWeight(0), "0.000");
  assert.equal(headLabel(2, 4), "3-5");
  assert.equal(headTooltip(2, 4, 0.123, 94), "3-5: 12.3% (94 strong edges i\u2192j)");
  assert.equal(headTooltip(0, 0, NaN, 4), "1-1: no value (4 strong edges i\u2192j)");
  assert.equal(headTooltip(0, 1, 0.5, null, "number"), "1-2: 0.500");
  assert.equal(headTooltip(1, 6, 9 / 57, 57, "percent", [0.0748, 0.2793]),
               "2-7: 15.8% (9 of 57 strong edges i\u2192j, 95% CI 7.5-27.9%)");
  assert.equal(headTooltip(0, 0, NaN, 4, "percent", [NaN, NaN]), "1-1: no value (4 strong edges i\u2192j)");
  assert.equal(residueTooltip("H", names, ids, 1, 1.234, ["CDR-H3"]), "H ASP 101: received 1.234 · CDR-H3");
});

test("arrow keys step through heads and layers, stopping at the edges", () => {
  assert.deepEqual(stepHead("ArrowRight", 2, 3, 8, 8), { layer: 2, head: 4 });
  assert.deepEqual(stepHead("ArrowLeft", 2, 0, 8, 8), { layer: 2, head: 0 });
  assert.deepEqual(stepHead("ArrowDown", 7, 3, 8, 8), { layer: 7, head: 3 });
  assert.deepEqual(stepHead("ArrowUp", 2, 3, 8, 8), { layer: 1, head: 3 });
  assert.equal(stepHead("Enter", 2, 3, 8, 8), null);
});

test("paintMatrix: colour by code, faded below the threshold per mode, contacts tinted", () => {
  const table = lut("Blues");
  const codes = Uint8Array.of(0, 200, 10, 255); // 2 x 2: a01 = 200, a10 = 10
  const rgba = new Uint8ClampedArray(16);
  paintMatrix(rgba, codes, 2, table, { thresholdQ: 100, mode: "directed" });
  assert.deepEqual([...rgba.slice(12, 15)], [...table.slice(765, 768)], "strong cell at full colour");
  const faded10 = [...rgba.slice(8, 11)];
  paintMatrix(rgba, codes, 2, table, { thresholdQ: 100, mode: "max" });
  const c10 = SQRT_INDEX[10] * 3;
  assert.deepEqual([...rgba.slice(8, 11)], [...table.slice(c10, c10 + 3)], "max mode: a10 is strong through a01");
  assert.notDeepEqual(faded10, [...rgba.slice(8, 11)]);
  paintMatrix(rgba, codes, 2, table, { thresholdQ: 106, mode: "mean" });
  assert.notDeepEqual([...rgba.slice(8, 11)], [...table.slice(c10, c10 + 3)], "mean (105) is below 106");
  paintMatrix(rgba, codes, 2, table, { thresholdQ: 0, mode: "directed", contacts: Uint8Array.of(1, 0, 0, 0) });
  assert.ok(rgba[0] > rgba[2], "contact cells are tinted red");
  assert.equal(rgba[3], 255);
});

test("square-root colour scale keeps the endpoints and lifts weak attention", () => {
  assert.equal(SQRT_INDEX[0], 0);
  assert.equal(SQRT_INDEX[255], 255);
  assert.equal(SQRT_INDEX[64], 128);
});

test("head grid colour codes: scaled to the best head, -1 for no value", () => {
  const { codes, top } = tileCodes(Float32Array.of(0.1, NaN, 0.4, 0));
  assert.equal(top, Math.fround(0.4));
  assert.deepEqual([...codes], [64, -1, 255, 0]);
});
