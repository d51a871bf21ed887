// residueStats: what the page's 3D hover says per residue, as StructureAttentionView sends it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { residueStats } from "../lib/edges.js";

test("received from its codes, the strongest target and its weight from the rows", () => {
  const n = 3;
  const codes = Uint8Array.from([0, 255, 51, 102, 0, 102, 0, 0, 0]); // row 1 ties: first wins
  const received = Uint8Array.from([255, 0, 128]);
  const s = residueStats(codes, n, 0.5, received, 2.0);
  assert.deepEqual(Array.from(s.subarray(0, 3)).map((v) => +v.toFixed(4)), [2, 0, +(128 / 255 * 2).toFixed(4)]);
  assert.deepEqual(Array.from(s.subarray(3, 6)), [1, 0, 0]);
  assert.deepEqual(Array.from(s.subarray(6, 9)).map((v) => +v.toFixed(4)), [0.5, 0.2, 0]);
});
