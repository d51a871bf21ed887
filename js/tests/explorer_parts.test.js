// Pure parts of the one front-end: the scoped view models, the 3D caption and legend, thresholds.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatThreshold } from "../lib/format.js";
import { captionText, legendLines, segmentDistance } from "../lib/ngl_overlay.js";
import { PageModel } from "../lib/page_model.js";
import { scopedModel } from "../lib/scoped_model.js";

test("a view's model is the explorer's: shared traits by name, its own as _<view>_<name>", () => {
  const explorer = new PageModel({ layer: 1, _heatmap__matrix: "m", _grid__matrix: "g" });
  const heatmap = scopedModel(explorer, "_heatmap_", ["layer"]);
  const grid = scopedModel(explorer, "_grid_", ["layer"]);
  assert.equal(heatmap.get("_matrix"), "m");
  assert.equal(grid.get("_matrix"), "g");
  const seen = [];
  const onLayer = () => seen.push(["grid saw layer", explorer.get("layer")]);
  grid.on("change:layer", onLayer);
  heatmap.on("change:_matrix", () => seen.push(["heatmap matrix"]));
  heatmap.set("layer", 4); // an arrow key in the heatmap: every view sees it
  explorer.set("_heatmap__matrix", "m2");
  explorer.set("_grid__matrix", "g2"); // not the heatmap's
  assert.deepEqual(seen, [["grid saw layer", 4], ["heatmap matrix"]]);
  grid.off("change:layer", onLayer);
  heatmap.set({ layer: 5, zoom: [1, 2] });
  assert.equal(explorer.get("_heatmap_zoom").length, 2);
  assert.equal(seen.length, 2);
});

test("thresholds are shown as set, not rounded (issue 19, defect 4)", () => {
  assert.equal(formatThreshold(0.3), "0.3");
  assert.equal(formatThreshold(0.0015), "0.0015");
  assert.equal(formatThreshold(0), "0");
  assert.equal(formatThreshold(1), "1");
  assert.equal(formatThreshold(0.123456), "0.1235");
});

test("the 3D caption follows focus and names its two counts: lines drawn, strong edges i->j (defects 1, 3)", () => {
  const base = { head: "AntiBERTy 4-6 (max)", shown: 12, total: 12, threshold: 0.3, cap: 2000, directed: false };
  assert.equal(captionText(base), "AntiBERTy 4-6 (max): 12 lines \u2265 0.3");
  assert.equal(captionText({ ...base, strong: 14 }), "AntiBERTy 4-6 (max): 12 lines \u2265 0.3 \u00b7 14 strong edges i\u2192j");
  assert.equal(captionText({ ...base, strong: 14, strongThreshold: 0.3 }),
               "AntiBERTy 4-6 (max): 12 lines \u2265 0.3 \u00b7 14 strong edges i\u2192j");
  // the standalone page counts strong edges at the grid's stored threshold: it says which
  assert.equal(captionText({ ...base, threshold: 0.27, strong: 14, strongThreshold: 0.3 }),
               "AntiBERTy 4-6 (max): 12 lines \u2265 0.27 \u00b7 14 strong edges i\u2192j \u2265 0.3");
  assert.equal(captionText({ ...base, focusName: "B GLY 53", focusCount: 1, selectedName: "B GLY 53" }),
               "AntiBERTy 4-6 (max): 1 of 12 lines \u2265 0.3 touch B GLY 53");
  assert.equal(captionText({ ...base, shown: 50, total: 80, cap: 50 }),
               "AntiBERTy 4-6 (max): 50 strongest of 80 lines \u2265 0.3 (cap 50)");
  assert.match(captionText({ ...base, shown: 0, total: 0, strong: 0 }),
               /0 lines \u2265 0.3 \u00b7 0 strong edges i\u2192j \(move the threshold slider down to see lines\)/);
  assert.equal(captionText({ ...base, shown: 1, total: 1, directed: true, selectedName: "B TYR 52A" }),
               "AntiBERTy 4-6 (max): 1 arrow \u2265 0.3 | selected B TYR 52A");
});

test("the chain legend is capped and says how many chains it leaves out", () => {
  const chains = Array.from({ length: 500 }, (_, k) => ({ id: `c${k}`, label: `c${k}`, attention: k === 321 }));
  const { shown, hidden } = legendLines(chains, 8);
  assert.equal(shown.length, 8);
  assert.equal(hidden, 492);
  assert.ok(shown.some((c) => c.attention), "the attention chain is always listed");
  assert.deepEqual(legendLines(chains.slice(0, 3), 8), { shown: chains.slice(0, 3), hidden: 0 });
});

test("hovering near an edge's middle finds it; its ends belong to the residues", () => {
  const mid = segmentDistance([50, 3], [0, 0], [100, 0]);
  assert.equal(mid.d2, 9);
  assert.equal(mid.t, 0.5);
  assert.equal(segmentDistance([-10, 0], [0, 0], [100, 0]).t, 0);
});

test("keyboard: arrows step the selected residue (defect 10)", async () => {
  const { stepResidue } = await import("../lib/keys.js");
  assert.equal(stepResidue("ArrowRight", 4, 10), 5);
  assert.equal(stepResidue("ArrowLeft", 0, 10), 0);
  assert.equal(stepResidue("ArrowRight", 9, 10), 9);
  assert.equal(stepResidue("ArrowRight", null, 10), 0);
  assert.equal(stepResidue("End", 3, 10), 9);
  assert.equal(stepResidue("a", 3, 10), undefined);
});
