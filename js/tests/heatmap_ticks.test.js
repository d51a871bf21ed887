import assert from "node:assert/strict";
import { test } from "node:test";

import { fmt } from "../heatmap.js";

test("colour-bar ticks stay distinct when the largest weight is small (a long chain, a flat head)", () => {
  for (const scale of [0.001, 0.0042, 0.009, 0.05, 0.16, 0.88]) {
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => fmt(scale * f));
    assert.equal(new Set(ticks).size, 5, `${scale}: ${ticks.join(" ")}`);
  }
  assert.equal(fmt(0), "0.000");
  assert.equal(fmt(0.079), "0.079");
  assert.equal(fmt(1), "1.00");
});

test("the standalone page's caption states a small largest weight, not 0.00", async () => {
  const { formatLargest } = await import("../lib/format.js");
  assert.equal(formatLargest(0.0011), "0.0011");
  assert.equal(formatLargest(0.16), "0.16");
  assert.equal(formatLargest(0), "0.00");
});

test("colour-bar ticks are round and share one precision (issue 19, defect 9)", async () => {
  const { roundTicks } = await import("../heatmap.js");
  assert.deepEqual(roundTicks(0.94), { values: [0, 0.2, 0.4, 0.6, 0.8], decimals: 1 });
  assert.deepEqual(roundTicks(0.00104), { values: [0, 0.0002, 0.0004, 0.0006, 0.0008, 0.001], decimals: 4 });
  const t = roundTicks(0.47);
  assert.deepEqual(t.values.map((v) => v.toFixed(t.decimals)), ["0.0", "0.1", "0.2", "0.3", "0.4"]);
});
