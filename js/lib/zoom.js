// Zoom and pan of the heatmap: a square window of the L x L matrix, in residue units.
// Pure functions; a view is {r0, c0, span}: rows r0 .. r0 + span and columns c0 .. c0 + span.

/** Fewest residues a side the heatmap zooms in to. */
export const MIN_SPAN = 12;

/** The whole matrix. */
export function fullView(n) {
  return { r0: 0, c0: 0, span: Math.max(n, 1) };
}

/** ``view`` kept inside the matrix, with MIN_SPAN <= span <= n. */
export function clampView(view, n) {
  const span = Math.min(Math.max(view.span, Math.min(MIN_SPAN, n)), Math.max(n, 1));
  const clamp = (x) => Math.min(Math.max(x, 0), Math.max(n - span, 0));
  return { r0: clamp(view.r0), c0: clamp(view.c0), span };
}

/** Zoom by ``factor`` (< 1 zooms in) keeping the residue under (fx, fy) (fractions of the side) fixed. */
export function zoomAt(view, n, factor, fx, fy) {
  const span = view.span * factor;
  const next = { r0: view.r0 + fy * (view.span - span), c0: view.c0 + fx * (view.span - span), span };
  return clampView(next, n);
}

/** Pan by (dx, dy) CSS pixels of a ``size`` px matrix (dragging right shows columns to the left). */
export function panBy(view, n, dx, dy, size) {
  const per = view.span / size;
  return clampView({ r0: view.r0 - dy * per, c0: view.c0 - dx * per, span: view.span }, n);
}

/** True when ``view`` shows the whole matrix. */
export function isFull(view, n) {
  return view.span >= n && view.r0 <= 0 && view.c0 <= 0;
}

/** The residue (row, col) under pixel (x, y) of a matrix drawn at (left, top), ``size`` px; null outside. */
export function residueAtPixel(view, n, left, top, size, x, y) {
  if (!(size > 0) || n <= 0) return null;
  const fx = (x - left) / size, fy = (y - top) / size;
  if (fx < 0 || fy < 0 || fx >= 1 || fy >= 1) return null;
  const row = Math.floor(view.r0 + fy * view.span), col = Math.floor(view.c0 + fx * view.span);
  if (row < 0 || col < 0 || row >= n || col >= n) return null;
  return { row, col };
}

/** Pixel offset (from the matrix's left or top) of residue position ``x`` along an axis starting at ``start``. */
export function pixelOf(x, start, span, size) {
  return ((x - start) / span) * size;
}

/** Tick positions (0-based residue indices) for an axis showing start .. start + span: about ``count``, on 1-2-5 steps. */
export function niceTicks(start, span, count = 8) {
  const raw = span / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || 10 * power;
  const first = Math.ceil(start / step) * step;
  const ticks = [];
  for (let t = first; t < start + span; t += step) ticks.push(t);
  return { step, ticks };
}

/** The residue window a view shows, as integers [r0, r1, c0, c1] (end exclusive) clipped to n. */
export function viewWindow(view, n) {
  const r0 = Math.max(0, Math.floor(view.r0)), c0 = Math.max(0, Math.floor(view.c0));
  return [r0, Math.min(n, Math.ceil(view.r0 + view.span)), c0, Math.min(n, Math.ceil(view.c0 + view.span))];
}
