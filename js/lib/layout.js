// Geometry and hit-testing of the canvases: pure functions of sizes and pixels.
// Coordinates are CSS pixels relative to the canvas' top-left corner.

/**
 * Layout of an n x n matrix drawn in a square of ``size`` px after a margin.
 * @returns {{n, left, top, cell, size}}  ``cell`` may be fractional (n > size).
 */
export function matrixLayout(n, size, margin = 32) {
  const cell = n > 0 ? size / n : 0;
  return { n, left: margin, top: margin, cell, size: n * cell };
}

/** The matrix cell under pixel (x, y): {row, col}, or null outside the matrix. */
export function cellAt(layout, x, y) {
  const { n, left, top, cell } = layout;
  if (!(cell > 0)) return null;
  const col = Math.floor((x - left) / cell);
  const row = Math.floor((y - top) / cell);
  if (row < 0 || col < 0 || row >= n || col >= n) return null;
  return { row, col };
}

/** Layout of the head grid: ``nLayers`` rows x ``nHeads`` columns of square tiles. */
export function gridLayout(nLayers, nHeads, tile = 28, margin = 30) {
  return { nLayers, nHeads, left: margin, top: margin, tile,
           width: margin + nHeads * tile + 2, height: margin + nLayers * tile + 2 };
}

/** The head under pixel (x, y): {layer, head} (0-based), or null. */
export function tileAt(layout, x, y) {
  const { nLayers, nHeads, left, top, tile } = layout;
  const head = Math.floor((x - left) / tile);
  const layer = Math.floor((y - top) / tile);
  if (layer < 0 || head < 0 || layer >= nLayers || head >= nHeads) return null;
  return { layer, head };
}
