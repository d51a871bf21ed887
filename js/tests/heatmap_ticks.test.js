import assert from "node:assert/strict";
import { test } from "node:test";

import { formatLargest, roundTicks, tickLabels } from "../lib/format.js";

test("colour-bar ticks stay distinct when the largest weight is small (a long chain, a flat head)", () => {
  for (const scale of [0.001, 0.0042, 0.009, 0.05, 0.16, 0.88]) {
    const labels = tickLabels(scale);
    assert.ok(labels.length >= 3, `${scale}: ${labels.join(" ")}`);
    assert.equal(new Set(labels).size, labels.length, `${scale}: ${labels.join(" ")}`);
  }
});

test("the standalone page's caption states a small largest weight in the weight format, not 0.00", () => {
  assert.equal(formatLargest(0.0011), "0.001");
  assert.equal(formatLargest(0.16), "0.160");
  assert.equal(formatLargest(0), "0.000");
});

test("colour-bar ticks are round and share one precision (issue 19, defect 9)", () => {
  assert.deepEqual(roundTicks(0.94), { values: [0, 0.2, 0.4, 0.6, 0.8], decimals: 1 });
  assert.deepEqual(roundTicks(0.00104), { values: [0, 0.0002, 0.0004, 0.0006, 0.0008, 0.001], decimals: 4 });
  assert.deepEqual(tickLabels(0.47), ["0.0", "0.1", "0.2", "0.3", "0.4"]);
  // the mixed precision (0.000, 0.24, 0.47; 0.00052, 0.0010) is gone: one decimals count per bar
  for (const top of [0.94, 0.47, 0.00104, 0.0021, 1]) {
    const labels = tickLabels(top);
    assert.equal(new Set(labels.map((l) => (l.split(".")[1] || "").length)).size, 1, labels.join(" "));
  }
});
