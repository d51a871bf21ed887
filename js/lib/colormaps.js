// Colour maps as 256-entry lookup tables (Uint8Array, 256 x RGB).
//
// The anchors are ColorBrewer's 9-class schemes, which matplotlib's "Blues" and
// "YlOrRd" interpolate linearly too; so lut("Blues", 0.12, 1) matches the residue
// colours of the NGL view (structure_view.RECEIVED_COLORMAP) to within rounding.

export const ANCHORS = {
  Blues: ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"],
  YlOrRd: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"],
  Greys: ["#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525", "#000000"],
};

/** Selection / highlight colour, the NGL view's too. */
export const HIGHLIGHT = "#e7298a";
/** Colour of heads without a value (masked statistic). */
export const MISSING = "#e0e0e0";

export function hexToRgb(hex) {
  const h = hex.replace("#", "");
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/** Colour of map ``name`` at ``t`` in [0, 1] (linear between anchors), as [r, g, b] floats. */
export function sample(name, t) {
  const anchors = ANCHORS[name];
  if (!anchors) throw new Error(`unknown colour map ${name}; known: ${Object.keys(ANCHORS).join(", ")}`);
  const x = Math.min(Math.max(t, 0), 1) * (anchors.length - 1);
  const k = Math.min(Math.floor(x), anchors.length - 2);
  const f = x - k;
  const a = hexToRgb(anchors[k]);
  const b = hexToRgb(anchors[k + 1]);
  return [0, 1, 2].map((c) => a[c] + (b[c] - a[c]) * f);
}

/** 256-entry LUT of map ``name`` restricted to [low, high] of it: entry q is t = low + (high - low) q / 255. */
export function lut(name, low = 0, high = 1) {
  const out = new Uint8Array(256 * 3);
  for (let q = 0; q < 256; q++) {
    const rgb = sample(name, low + ((high - low) * q) / 255);
    for (let c = 0; c < 3; c++) out[q * 3 + c] = Math.round(rgb[c]);
  }
  return out;
}

/** Entry q of a LUT as a CSS colour. */
export function cssColor(table, q) {
  const k = Math.min(Math.max(Math.round(q), 0), 255) * 3;
  return `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
}

/** Black or white, whichever reads better on entry q of a LUT. */
export function textColorOn(table, q) {
  const k = Math.min(Math.max(Math.round(q), 0), 255) * 3;
  const luma = 0.299 * table[k] + 0.587 * table[k + 1] + 0.114 * table[k + 2];
  return luma < 140 ? "#ffffff" : "#111111";
}
