// Edges of one head from its uint8 codes: what StructureAttentionView computes in Python
// (Attention.edges, then the CA filter and max_edges), for the standalone page.
//
// The rule is the heatmap's (js/heatmap.js paintMatrix): a pair is an edge when its
// combined code reaches the threshold's code, so the page's 3D edges are exactly the
// heatmap's unfaded cells.  Codes are the head's values quantised relative to its
// maximum (encoding.py), so a pair within scale / 510 of the threshold may fall on
// the other side of it than in the kernel.

import { thresholdCode } from "./buffers.js";

/**
 * @param {Uint8Array} codes   (n, n) row-major: row i attends to column j
 * @param {number} n
 * @param {number} scale       value of code 255
 * @param {number} threshold   in [0, 1]
 * @param {"max"|"mean"|"directed"} mode
 * @param {Uint8Array|null} hasCa (n,) 1 where the residue has a CA atom (others get no edge)
 * @param {number} maxEdges    keep the strongest this many
 * @returns {{pairs: Uint16Array, weights: Uint8Array, total: number}}
 *   pairs (k, 2) strongest first (ties in row-major order, as numpy's stable sort);
 *   weights (k,) round(clip(weight, 0, 1) * 255); total: edges before maxEdges.
 *   "max" and "mean" give each unordered pair once with i < j; no self-pairs.
 */
export function strongEdges(codes, n, scale, threshold, mode, hasCa, maxEdges) {
  const tq = thresholdCode(threshold, scale);
  const directed = mode === "directed";
  // Keys are twice the combined code (0..510), so that the mean of two codes stays whole.
  const buckets = new Uint32Array(511);
  const keyOf = (i, j) => {
    const a = codes[i * n + j];
    if (directed) return 2 * a;
    const b = codes[j * n + i];
    return mode === "mean" ? a + b : 2 * Math.max(a, b);
  };
  const visit = (fn) => {
    for (let i = 0; i < n; i++) {
      if (hasCa && !hasCa[i]) continue;
      for (let j = directed ? 0 : i + 1; j < n; j++) {
        if (j === i || (hasCa && !hasCa[j])) continue;
        const key = keyOf(i, j);
        if (key >= 2 * tq) fn(i, j, key);
      }
    }
  };
  let total = 0;
  visit((i, j, key) => { buckets[key] += 1; total += 1; });
  const k = Math.min(total, Math.max(0, maxEdges | 0));
  // Counting sort, strongest key first; within a key, row-major order.
  const start = new Uint32Array(511);
  for (let key = 509, acc = buckets[510]; key >= 0; key--) { start[key] = acc; acc += buckets[key]; }
  const pairs = new Uint16Array(2 * k);
  const weights = new Uint8Array(k);
  const step = scale / 255 / 2;
  visit((i, j, key) => {
    const e = start[key]++;
    if (e >= k) return;
    pairs[2 * e] = i;
    pairs[2 * e + 1] = j;
    weights[e] = Math.round(Math.min(Math.max(key * step, 0), 1) * 255);
  });
  return { pairs, weights, total };
}

/**
 * What the 3D view's hover tooltip says of each residue in one head, as
 * StructureAttentionView sends it (``_pa_residue_stats``): float32 (3, n) rows
 * attention received, the residue it attends to most (row argmax, first on ties) and that weight.
 * @param {Uint8Array} codes (n, n) row-major, code 255 = ``scale``
 * @param {Uint8Array} receivedCodes (n,), code 255 = ``receivedScale``
 */
export function residueStats(codes, n, scale, receivedCodes, receivedScale) {
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = (receivedCodes[i] / 255) * receivedScale;
    let best = 0, top = -1;
    for (let j = 0; j < n; j++) {
      const c = codes[i * n + j];
      if (c > top) { top = c; best = j; }
    }
    out[n + i] = best;
    out[2 * n + i] = (top / 255) * scale;
  }
  return out;
}

/**
 * strongEdges from a sparse list of directed pairs (the standalone page of a long chain embeds
 * only pairs at or above a floor): same rule, same order, same output.
 * @param {Uint16Array} pairs (k, 2) directed (i, j), i != j
 * @param {Uint8Array} codes (k,) their codes
 * A pair whose other direction is not listed takes code 0 for it ("mean" only differs).
 */
export function sparseEdges(pairs, codes, n, scale, threshold, mode, hasCa, maxEdges) {
  const tq = thresholdCode(threshold, scale);
  const directed = mode === "directed";
  const byPair = new Map(); // i * n + j (i < j unless directed) -> [code ij, code ji]
  for (let e = 0; e < codes.length; e++) {
    const i = pairs[2 * e], j = pairs[2 * e + 1];
    if (i === j || (hasCa && (!hasCa[i] || !hasCa[j]))) continue;
    const lo = directed || i < j ? i : j, hi = directed || i < j ? j : i;
    const key = lo * n + hi;
    let entry = byPair.get(key);
    if (!entry) { entry = [0, 0]; byPair.set(key, entry); }
    entry[directed || i < j ? 0 : 1] = codes[e];
  }
  const found = [];
  for (const [key, [a, b]] of byPair) {
    const k2 = directed ? 2 * a : mode === "mean" ? a + b : 2 * Math.max(a, b);
    if (k2 >= 2 * tq) found.push([k2, key]);
  }
  found.sort((x, y) => y[0] - x[0] || x[1] - y[1]); // strongest first, then row-major
  const k = Math.min(found.length, Math.max(0, maxEdges | 0));
  const out = new Uint16Array(2 * k);
  const weights = new Uint8Array(k);
  const step = scale / 255 / 2;
  for (let e = 0; e < k; e++) {
    const [k2, key] = found[e];
    out[2 * e] = Math.floor(key / n);
    out[2 * e + 1] = key % n;
    weights[e] = Math.round(Math.min(Math.max(k2 * step, 0), 1) * 255);
  }
  return { pairs: out, weights, total: found.length };
}

/** Compressed sparse rows (how many pairs in each row, then their columns) -> (k, 2) pairs. */
export function csrPairs(rowCounts, cols) {
  const pairs = new Uint16Array(2 * cols.length);
  let e = 0;
  for (let i = 0; i < rowCounts.length; i++) {
    for (let c = 0; c < rowCounts[i]; c++, e++) { pairs[2 * e] = i; pairs[2 * e + 1] = cols[e]; }
  }
  return pairs;
}
