// Text shown to people: residue labels, tooltips, head labels (1-based, as the paper).

/** E.g. "H TYR 52A". */
export function residueLabel(chainId, names, ids, i) {
  const parts = [];
  if (chainId) parts.push(chainId);
  if (names && names[i]) parts.push(names[i]);
  parts.push(ids && ids[i] != null ? ids[i] : String(i + 1));
  return parts.join(" ");
}

/** An attention weight with the digits it deserves: "0.34", "0.004", "0". */
/** A head's largest weight: 2 decimals, 2 significant digits below 0.01 (a flat head is not "0.00"). */
export function formatLargest(value) {
  const v = Number(value);
  return v > 0 && v < 0.01 ? v.toPrecision(2) : v.toFixed(2);
}

export function formatWeight(value) {
  if (!(value > 0)) return "0";
  if (value >= 0.995) return value.toFixed(2);
  return value >= 0.01 ? value.toFixed(2) : value.toFixed(3);
}

/** E.g. "H TYR 52A -> H ASP 101: 0.34" (row i attends to column j). */
export function pairTooltip(chainId, names, ids, i, j, value) {
  return `${residueLabel(chainId, names, ids, i)} -> ${residueLabel(chainId, names, ids, j)}: ${formatWeight(value)}`;
}

/** The paper's 1-based label of a 0-based head: (2, 4) -> "3-5". */
export function headLabel(layer, head) {
  return `${layer + 1}-${head + 1}`;
}

/** E.g. "3-5: 12.3% (n=94)"; a head without a value: "3-5: no value (n=4)". */
export function headTooltip(layer, head, value, n, format = "percent", ci = null) {
  let shown;
  if (value == null || Number.isNaN(value)) shown = "no value";
  else if (format === "percent") shown = `${(value * 100).toFixed(1)}%`;
  else shown = Number(value).toPrecision(3);
  let count = n == null ? "" : ` (n=${n})`;
  if (n != null && ci && value != null && !Number.isNaN(value)) {
    // The evidence behind a share: how many strong pairs, and the exact 95% interval.
    const hits = Math.round(value * n);
    const pct = (x) => (x * 100).toFixed(1);
    count = ` (${hits} of ${n} strong pairs, 95% CI ${pct(ci[0])}-${pct(ci[1])}%)`;
  }
  return `${headLabel(layer, head)}: ${shown}${count}`;
}

/** E.g. "H TYR 52A: received 1.23 · CDR-H2". */
export function residueTooltip(chainId, names, ids, i, received, tracks = []) {
  const extra = tracks.length ? ` · ${tracks.join(", ")}` : "";
  return `${residueLabel(chainId, names, ids, i)}: received ${received.toFixed(2)}${extra}`;
}

/** A threshold as set, not rounded: 0.3 -> "0.3", 0.0015 -> "0.0015", 0 -> "0" (at most 4 significant digits). */
export function formatThreshold(value) {
  const v = Number(value);
  if (!Number.isFinite(v)) return String(value);
  return String(Number(v.toPrecision(4)));
}
