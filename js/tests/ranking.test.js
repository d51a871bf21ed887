import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_ROWS, rankProteins } from "../lib/ranking.js";

// 4 proteins x 1 layer x 2 heads; head 1 (flat) is ranked.
const counts = {
  hits: Uint32Array.from([0, 3, 0, 3, 0, 0, 0, 6]),
  total: Uint32Array.from([0, 10, 0, 6, 0, 0, 0, 20]),
  topEdges: Uint32Array.from([0, 4, 0, 2, 0, 0, 0, 9]),
  topIndex: Uint32Array.from([0, 2, 0, 1, 0, 0, 0, 0]),  // index + 1; 0: none
};
const proteins = ["a", "b", "c", "d"];
const residues = [["MET 1", "GLY 2"], ["TYR 50"], [], ["SER 7"]];

test("most hits first, ties by share, then input order; only proteins with strong edges", () => {
  const { rows, listed } = rankProteins(counts, proteins, residues, 1, 2);
  assert.equal(listed, 3);
  assert.deepEqual(rows.map((r) => r.protein), ["d", "b", "a"]);  // 6 hits; 3 hits at 50 % before 3 at 30 %
  assert.deepEqual(rows.map((r) => r.rank), [1, 2, 3]);
  assert.deepEqual(rows[0], { rank: 1, protein: "d", hits: 6, total: 20, share: 0.3, hits_share: 0.5,
                              top_residue: "", top_residue_edges: 9 });
  assert.equal(rows[1].top_residue, "TYR 50");
  assert.equal(rows[2].top_residue, "GLY 2");
  assert.equal(rows[1].hits_share, 0.25);
});

test("at most maxRows rows; listed counts them all", () => {
  const { rows, listed } = rankProteins(counts, proteins, residues, 1, 2, 2);
  assert.equal(listed, 3);
  assert.equal(rows.length, 2);
  assert.equal(MAX_ROWS, 200);
});

test("a head without hits has no hits share", () => {
  const none = { ...counts, hits: new Uint32Array(8) };
  const { rows } = rankProteins(none, proteins, residues, 1, 2);
  assert.ok(rows.every((r) => r.hits_share === null));
  assert.deepEqual(rows.map((r) => r.protein), ["a", "b", "d"]);  // all 0 hits and 0 share: input order
});
