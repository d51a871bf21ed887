// Text shown to people: residue labels, tooltips, head labels (1-based, as the paper).

/** E.g. "H TYR 52A". */
export function residueLabel(chainId, names, ids, i) {
  const parts = [];
  if (chainId) parts.push(chainId);
  if (names && names[i]) parts.push(names[i]);
  parts.push(ids && ids[i] != null ? ids[i] : String(i + 1));
  return parts.join(" ");
}

// One format per kind of number, for every view (heatmap, head grid, sequence track, 3D view,
// captions, the standalone page):
//   attention (a weight a_ij, a residue's received sum, a head's largest weight)  formatWeight: "0.342"
//   a share (the head grid's statistic, backgrounds, top heads)                   formatPercent: "10.6%"
//   any other statistic (mean |i - j|, entropy, mean attention to a residue)      formatNumber: "0.00234"
//   a threshold as the user set it                                               formatThreshold: "0.0015"
//   colour-bar ticks                                                              roundTicks + formatTick

/** Decimals of every attention amount shown (weights are in [0, 1]: 0.001 is the finest step shown). */
export const WEIGHT_DECIMALS = 3;

/**
 * An attention amount, always with 3 decimals: 0.3412 -> "0.341", 0.0015 -> "0.002", 0 -> "0.000",
 * 1.234 (a received sum) -> "1.234".  ``step`` is the resolution the value is known to (a uint8 code
 * of ``scale``: ``scale / 255``): a value below half a step is shown as a bound, "< 0.002", not "0".
 */
export function formatWeight(value, step = 0) {
  const v = Number(value);
  if (!Number.isFinite(v)) return "n/a";
  const half = step > 0 ? step / 2 : 0;
  if (half > 0 && v < half) {
    const unit = 10 ** -WEIGHT_DECIMALS;
    if (half >= unit / 2) return `< ${(Math.ceil(half / unit) * unit).toFixed(WEIGHT_DECIMALS)}`;
  }
  return v.toFixed(WEIGHT_DECIMALS);
}

/** A head's largest weight in a caption: the same format as every weight. */
export function formatLargest(value) {
  return formatWeight(value);
}

/** A share as a percentage with one decimal: 0.1 -> "10.0%", 0.106 -> "10.6%"; null/NaN -> "n/a". */
export function formatPercent(share) {
  const v = share == null ? NaN : Number(share);
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "n/a";
}

/** Any other statistic with 3 significant digits, never in exponent form: 12.345 -> "12.3", 0.002345 -> "0.00235". */
export function formatNumber(value) {
  const v = Number(value);
  if (!Number.isFinite(v)) return "n/a";
  if (v === 0) return "0";
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v))));
  return v.toFixed(Math.min(digits, 20));
}

/**
 * Round ticks for a colour bar from 0 to ``top``: steps of 1, 2 or 5 x 10^k (at least 3 steps), all
 * with the same number of decimals (0.0 0.2 0.4 0.6 0.8; 0.0000 0.0002 0.0004).
 */
export function roundTicks(top) {
  if (!(top > 0)) return { values: [0], decimals: 0 };
  const power = 10 ** Math.floor(Math.log10(top));
  const step = [5, 2, 1, 0.5, 0.2, 0.1].map((m) => m * power).find((v) => top / v >= 3 - 1e-9);
  const values = [];
  for (let k = 0; k * step <= top * (1 + 1e-9); k++) values.push(+(k * step).toPrecision(12));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { values, decimals };
}

/** The labels of ``roundTicks(top)``: one precision for all. */
export function tickLabels(top) {
  const ticks = roundTicks(top);
  return ticks.values.map((t) => t.toFixed(ticks.decimals));
}

/** E.g. "H TYR 52A -> H ASP 101: 0.341" (row i attends to column j); ``step`` as in formatWeight. */
export function pairTooltip(chainId, names, ids, i, j, value, step = 0) {
  return `${residueLabel(chainId, names, ids, i)} -> ${residueLabel(chainId, names, ids, j)}: ${formatWeight(value, step)}`;
}

/** The paper's 1-based label of a 0-based head: (2, 4) -> "3-5". */
export function headLabel(layer, head) {
  return `${layer + 1}-${head + 1}`;
}

/** A head grid value in its format ("percent" | "number" | "weight"). */
export function formatGridValue(value, format = "percent") {
  if (format === "percent") return formatPercent(value);
  if (format === "weight") return formatWeight(value);
  return formatNumber(value);
}

/**
 * The unit every count of attention is given in: a strong edge is an ordered pair i -> j (query i,
 * key j, self-attention i -> i included) with a_ij >= the threshold, the paper's count.  The head
 * grid, its tooltip, the 3D caption and the analysis tables count in it.
 */
export const STRONG_EDGES = "strong edges i\u2192j";

/** E.g. "3-5: 12.3% (94 strong edges i→j)"; a head without a value: "3-5: no value (4 strong edges i→j)". */
export function headTooltip(layer, head, value, n, format = "percent", ci = null) {
  const missing = value == null || Number.isNaN(value);
  const shown = missing ? "no value" : formatGridValue(value, format);
  let count = n == null ? "" : ` (${n} ${STRONG_EDGES})`;
  if (n != null && ci && !missing) {
    // The evidence behind a share: how many strong edges, and the exact 95% interval.
    const hits = Math.round(value * n);
    const pct = (x) => (x * 100).toFixed(1);
    count = ` (${hits} of ${n} ${STRONG_EDGES}, 95% CI ${pct(ci[0])}-${pct(ci[1])}%)`;
  }
  return `${headLabel(layer, head)}: ${shown}${count}`;
}

/** E.g. "H TYR 52A: received 1.234 · CDR-H2"; ``step`` as in formatWeight. */
export function residueTooltip(chainId, names, ids, i, received, tracks = [], step = 0) {
  const extra = tracks.length ? ` · ${tracks.join(", ")}` : "";
  return `${residueLabel(chainId, names, ids, i)}: received ${formatWeight(received, step)}${extra}`;
}

/** A threshold as set, not rounded: 0.3 -> "0.3", 0.0015 -> "0.0015", 0 -> "0" (at most 4 significant digits). */
export function formatThreshold(value) {
  const v = Number(value);
  if (!Number.isFinite(v)) return String(value);
  return String(Number(v.toPrecision(4)));
}
