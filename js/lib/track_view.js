// The sequence track's geometry: one line of residues, zoomed and panned, under an overview of the
// whole chain.  Pure functions of sizes, a view and pixels (CSS px relative to the canvas).
//
// A view is {start, span}: residues start .. start + span (fractional) fill the line's width.
//
//   y = 0            overview: every residue of the chain squeezed into the width, its tracks
//                    under it, the gap marks, and the window the line shows (a frame)
//   y = mainTop      ruler (author ids at round steps), then the line's residue cells (letters
//                    when a cell is wide enough) and one strip per annotation track

/** Widest cell (px) the line zooms in to. */
export const MAX_CELL = 32;
/** Cell width (px) the line opens at when the whole chain does not fit with letters. */
export const DEFAULT_CELL = 14;
/** Narrowest cell (px) that gets its one-letter code. */
export const LETTER_CELL = 9;

/**
 * Layout of a ``width`` px track of ``n`` residues with ``nTracks`` annotation tracks.
 * @returns {{n, nTracks, width, left, plotW, overviewH, overviewStripH, mainTop, ruler, cellH, stripH, height}}
 */
export function lineLayout(n, width, nTracks, opts = {}) {
  const left = opts.left ?? 8;
  const cellH = opts.cellH ?? 18;
  const stripH = opts.stripH ?? 6;
  const ruler = opts.ruler ?? 13;
  const overviewStripH = opts.overviewStripH ?? 3;
  const overviewH = 10 + nTracks * (overviewStripH + 1);
  const mainTop = overviewH + 6;
  const plotW = Math.max(1, width - 2 * left);
  const height = mainTop + ruler + cellH + nTracks * (stripH + 1) + 2;
  return { n, nTracks, width, left, plotW, overviewH, overviewStripH, mainTop, ruler, cellH, stripH, height };
}

/** Smallest span the line zooms in to (cells at most MAX_CELL px, at least 4 residues). */
export function minSpan(layout) {
  return Math.min(layout.n, Math.max(4, layout.plotW / MAX_CELL));
}

/** ``view`` kept inside the chain: minSpan <= span <= n, 0 <= start <= n - span. */
export function clampTrackView(view, layout) {
  const n = Math.max(layout.n, 1);
  const span = Math.min(Math.max(view.span, minSpan(layout)), n);
  const start = Math.min(Math.max(view.start, 0), Math.max(n - span, 0));
  return { start, span };
}

/** The view a track opens at: the whole chain when its letters fit, else DEFAULT_CELL px cells from ``start``. */
export function openingView(layout, start = 0) {
  const whole = layout.plotW / Math.max(layout.n, 1) >= LETTER_CELL;
  return clampTrackView({ start, span: whole ? layout.n : layout.plotW / DEFAULT_CELL }, layout);
}

/** The whole chain on the line. */
export function wholeView(layout) {
  return clampTrackView({ start: 0, span: layout.n }, layout);
}

/** Width of one residue's cell (px) in ``view``. */
export function cellWidth(layout, view) {
  return layout.plotW / view.span;
}

/** Left edge (px) of residue ``i``'s cell on the line. */
export function residueX(layout, view, i) {
  return layout.left + (i - view.start) * cellWidth(layout, view);
}

/** Residues drawn (partly visible) in ``view``: [first, last] inclusive. */
export function visibleRange(layout, view) {
  const first = Math.max(0, Math.floor(view.start));
  const last = Math.min(layout.n - 1, Math.ceil(view.start + view.span) - 1);
  return [first, last];
}

/** True when residue ``i``'s whole cell is on the line. */
export function isVisible(layout, view, i) {
  return i >= view.start - 1e-9 && i + 1 <= view.start + view.span + 1e-9;
}

/** Zoom by ``factor`` (< 1 zooms in) keeping the residue under the pointer (``fx``: fraction of the width) fixed. */
export function zoomTrack(view, layout, factor, fx = 0.5) {
  const span = Math.min(Math.max(view.span * factor, minSpan(layout)), layout.n);
  return clampTrackView({ start: view.start + fx * (view.span - span), span }, layout);
}

/** Pan by ``dx`` px (dragging right shows residues to the left). */
export function panTrack(view, layout, dx) {
  return clampTrackView({ start: view.start - dx / cellWidth(layout, view), span: view.span }, layout);
}

/** ``view`` moved as little as needed to show residue ``i`` whole (with ``margin`` residues around it when it moves). */
export function revealResidue(view, layout, i, margin = 2) {
  if (i == null || i < 0 || i >= layout.n || isVisible(layout, view, i)) return view;
  const m = Math.min(margin, Math.max(0, (view.span - 1) / 2));
  const start = i < view.start ? i - m : i + 1 + m - view.span;
  return clampTrackView({ start, span: view.span }, layout);
}

/** ``view`` centred on residue position ``x`` (fractional residues). */
export function centreOn(view, layout, x) {
  return clampTrackView({ start: x - view.span / 2, span: view.span }, layout);
}

/** The residue under pixel (x, y) of the line (its cell or its annotation strips), or null. */
export function residueAt(layout, view, x, y) {
  const top = layout.mainTop + layout.ruler;
  const bottom = top + layout.cellH + layout.nTracks * (layout.stripH + 1);
  if (y < top || y >= bottom || x < layout.left || x >= layout.left + layout.plotW) return null;
  const i = Math.floor(view.start + (x - layout.left) / cellWidth(layout, view));
  return i >= 0 && i < layout.n ? i : null;
}

/** Residue position (fractional) under pixel ``x`` of the overview, or null when (x, y) is not on it. */
export function overviewAt(layout, x, y) {
  if (y < 0 || y >= layout.overviewH || x < layout.left - 4 || x > layout.left + layout.plotW + 4) return null;
  return Math.min(Math.max((x - layout.left) / layout.plotW, 0), 1) * layout.n;
}

/** Left edge (px) of residue ``i`` on the overview. */
export function overviewX(layout, i) {
  return layout.left + (i / Math.max(layout.n, 1)) * layout.plotW;
}

/**
 * The gap marks of the line: a bar on the boundary between residue ``after`` and ``after + 1``
 * for each gap in view, over the cells and strips, with the number missing.
 * @returns {{x, y, w, h, after, missing}[]}
 */
export function gapMarks(layout, view, gapAfter, gapMissing) {
  const marks = [];
  const top = layout.mainTop + layout.ruler - 2;
  const h = layout.cellH + layout.nTracks * (layout.stripH + 1) + 3;
  (gapAfter || []).forEach((after, g) => {
    if (!(after >= 0 && after < layout.n - 1)) return;
    const x = residueX(layout, view, after + 1);
    if (x < layout.left - 1 || x > layout.left + layout.plotW + 1) return;
    marks.push({ x: x - 1.5, y: top, w: 3, h, after, missing: (gapMissing || [])[g] ?? 0 });
  });
  return marks;
}
