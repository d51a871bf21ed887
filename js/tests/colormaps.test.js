import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { ANCHORS, cssColor, hexToRgb, lut, sample, textColorOn } from "../lib/colormaps.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/encoding.json", import.meta.url)));

test("colour map endpoints are the first and last anchors", () => {
  for (const name of Object.keys(ANCHORS)) {
    const table = lut(name);
    assert.deepEqual([...table.slice(0, 3)], hexToRgb(ANCHORS[name][0]), name);
    assert.deepEqual([...table.slice(765, 768)], hexToRgb(ANCHORS[name].at(-1)), name);
  }
  assert.deepEqual([...lut("Blues").slice(0, 3)], [247, 251, 255]);
  assert.deepEqual([...lut("Blues").slice(765)], [8, 48, 107]);
});

test("Blues 0.12..1 matches matplotlib (the NGL view's residue colours) to within rounding", () => {
  const table = lut("Blues", 0.12, 1);
  [0, 64, 128, 255].forEach((q, k) => {
    const expected = fixture.blues_0_12[k];
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(table[q * 3 + c] - expected[c]) <= 2, `entry ${q}: ${table.slice(q * 3, q * 3 + 3)} vs ${expected}`);
    }
  });
});

test("sampling clamps, and an unknown map is a clear error", () => {
  assert.deepEqual(sample("Blues", -1), sample("Blues", 0));
  assert.deepEqual(sample("Blues", 2), sample("Blues", 1));
  assert.throws(() => sample("nope", 0.5), /unknown colour map nope/);
});

test("css colours and readable text colour", () => {
  const table = lut("Blues");
  assert.equal(cssColor(table, 0), "rgb(247,251,255)");
  assert.equal(textColorOn(table, 0), "#111111");
  assert.equal(textColorOn(table, 255), "#ffffff");
});
