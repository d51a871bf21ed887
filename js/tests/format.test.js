// One formatting module for every number the views show (issue 19, defect 9).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  STRONG_EDGES, formatGridValue, formatNumber, formatPercent, formatWeight, headTooltip, pairTooltip, residueTooltip,
} from "../lib/format.js";

test("every attention weight has 3 decimals: no ': 0' next to ': 0.002'", () => {
  assert.equal(formatWeight(0.3412), "0.341");
  assert.equal(formatWeight(0.0015), "0.002");
  assert.equal(formatWeight(0.0042), "0.004");
  assert.equal(formatWeight(0), "0.000");
  assert.equal(formatWeight(1), "1.000");
  assert.equal(formatWeight(1.2345), "1.234", "a received sum: the same format");
  assert.equal(formatWeight(NaN), "n/a");
  for (const v of [0, 0.0004, 0.002, 0.02, 0.2, 0.9999]) assert.match(formatWeight(v), /^\d+\.\d{3}$/);
});

test("a uint8-coded weight below half a step is a bound, not a made-up zero", () => {
  const scale = 0.9;  // codes of 0.9 / 255 = 0.0035 per step
  assert.equal(formatWeight(0, scale / 255), "< 0.002");
  assert.equal(formatWeight(scale / 255, scale / 255), "0.004");
  // a step too small to show in 3 decimals: zero is shown as 0.000
  assert.equal(formatWeight(0, 0.0001 / 255), "0.000");
});

test("shares: one decimal everywhere, '10.0%' next to '10.6%'", () => {
  assert.equal(formatPercent(0.1), "10.0%");
  assert.equal(formatPercent(0.106), "10.6%");
  assert.equal(formatPercent(null), "n/a");
  assert.equal(formatGridValue(0.1, "percent"), "10.0%");
});

test("other statistics: 3 significant digits, no exponent", () => {
  assert.equal(formatNumber(12.345), "12.3");
  assert.equal(formatNumber(0.002346), "0.00235");
  assert.equal(formatNumber(0.5), "0.500");
  assert.equal(formatNumber(123.4), "123");
  assert.equal(formatNumber(0), "0");
  assert.equal(formatGridValue(0.5, "number"), "0.500");
  assert.equal(formatGridValue(0.0015, "weight"), "0.002");
});

test("tooltips of every view use these formats and one count unit", () => {
  const names = ["TYR", "ASP"], ids = ["52A", "101"];
  assert.equal(pairTooltip("H", names, ids, 0, 1, 0.3412), "H TYR 52A -> H ASP 101: 0.341");
  assert.equal(pairTooltip("H", names, ids, 0, 1, 0, 0.5 / 255), "H TYR 52A -> H ASP 101: < 0.001");
  assert.equal(residueTooltip("H", names, ids, 1, 1.2345, ["CDR-H3"]), "H ASP 101: received 1.234 · CDR-H3");
  assert.equal(STRONG_EDGES, "strong edges i\u2192j");
  assert.equal(headTooltip(1, 6, 9 / 57, 57, "percent", [0.0748, 0.2793]),
               "2-7: 15.8% (9 of 57 strong edges i\u2192j, 95% CI 7.5-27.9%)");
  assert.equal(headTooltip(2, 4, 0.123, 94), "3-5: 12.3% (94 strong edges i\u2192j)");
  assert.equal(headTooltip(0, 1, 0.5, null, "number"), "1-2: 0.500");
});
