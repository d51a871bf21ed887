import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEFAULT_CELL, LETTER_CELL, MAX_CELL, cellWidth, centreOn, gapMarks, isVisible, lineLayout, openingView, overviewAt,
  overviewX, panTrack, residueAt, residueX, revealResidue, visibleRange, wholeView, zoomTrack,
} from "../lib/track_view.js";

test("sequence track: one line whatever the length; a long chain opens at readable cells, a short one whole", () => {
  const long = lineLayout(1001, 1000, 3);
  const short = lineLayout(116, 1200, 3);
  assert.equal(long.height, short.height, "the height does not grow with the chain");
  assert.ok(long.height < 110, long.height);
  const v = openingView(long);
  assert.equal(v.start, 0);
  assert.ok(Math.abs(cellWidth(long, v) - DEFAULT_CELL) < 1e-9 && cellWidth(long, v) >= LETTER_CELL);
  assert.deepEqual(openingView(short), { start: 0, span: 116 });
  assert.deepEqual(wholeView(long), { start: 0, span: 1001 });
});

test("sequence track: zoom keeps the residue under the pointer, stays inside the chain and its cell limits", () => {
  const layout = lineLayout(1001, 1000, 0);
  const view = { start: 300, span: 100 };
  const fx = 0.25; // residue 325 under the pointer
  const zoomed = zoomTrack(view, layout, 0.5, fx);
  assert.equal(zoomed.span, 50);
  assert.ok(Math.abs(zoomed.start + fx * zoomed.span - 325) < 1e-9);
  let v = view;
  for (let k = 0; k < 30; k++) v = zoomTrack(v, layout, 0.5, 0.5);
  assert.ok(Math.abs(cellWidth(layout, v) - MAX_CELL) < 1e-9, "zoom in stops at MAX_CELL px per residue");
  for (let k = 0; k < 30; k++) v = zoomTrack(v, layout, 2, 0.9);
  assert.deepEqual(v, { start: 0, span: 1001 }, "zoom out stops at the whole chain");
});

test("sequence track: pan, reveal and centre stay inside the chain", () => {
  const layout = lineLayout(1001, 1000, 0);
  const view = { start: 100, span: 50 };
  const cw = cellWidth(layout, view);
  assert.equal(panTrack(view, layout, 10 * cw).start, 90, "dragging right shows residues to the left");
  assert.equal(panTrack(view, layout, 1e6).start, 0);
  assert.equal(panTrack(view, layout, -1e6).start, 1001 - 50);
  assert.equal(revealResidue(view, layout, 120), view, "a residue in view does not move it");
  const right = revealResidue(view, layout, 150);
  assert.ok(isVisible(layout, right, 150) && right.start === 103, JSON.stringify(right));
  const left = revealResidue(view, layout, 99);
  assert.ok(isVisible(layout, left, 99) && left.start === 97, JSON.stringify(left));
  assert.equal(revealResidue(view, layout, 1000).start, 951);
  assert.equal(centreOn(view, layout, 500.5).start, 475.5);
  assert.equal(centreOn(view, layout, 3).start, 0);
});

test("sequence track hit-testing: cells and strips of the line, the overview, nothing elsewhere", () => {
  const layout = lineLayout(1001, 1016, 2); // plotW 1000
  const view = { start: 200.5, span: 50 }; // 20 px cells; residue 200 half shown
  const top = layout.mainTop + layout.ruler;
  const x = residueX(layout, view, 210);
  assert.equal(x, 8 + 9.5 * 20);
  assert.equal(residueAt(layout, view, x + 1, top + 1), 210);
  assert.equal(residueAt(layout, view, x + 19, top + layout.cellH + 2), 210, "annotation strip of the residue");
  assert.equal(residueAt(layout, view, x + 21, top + 1), 211);
  assert.equal(residueAt(layout, view, x + 1, top - 3), null, "ruler");
  assert.equal(residueAt(layout, view, 3, top + 1), null, "left margin");
  assert.equal(residueAt(layout, view, 8 + 5, top + 1), 200);
  assert.deepEqual(visibleRange(layout, view), [200, 250]);
  assert.equal(overviewAt(layout, 8 + 500, 4), 500.5);
  assert.equal(overviewAt(layout, 8 + 500, layout.overviewH + 1), null);
  assert.equal(overviewX(layout, 1001), 8 + 1000);
});

test("sequence track: one gap mark on the boundary after each residue followed by missing ones, in view only", () => {
  const layout = lineLayout(205, 716, 1); // plotW 700
  const view = { start: 90, span: 50 }; // 14 px cells
  const marks = gapMarks(layout, view, [99, 126, 180], [4, 7, 2]);
  assert.deepEqual(marks.map((m) => [m.after, m.missing]), [[99, 4], [126, 7]]);
  for (const mark of marks) {
    const boundary = residueX(layout, view, mark.after + 1);
    assert.ok(mark.x < boundary && mark.x + mark.w > boundary);
    const top = layout.mainTop + layout.ruler;
    assert.ok(mark.y < top && mark.y + mark.h > top + layout.cellH + layout.stripH, "over the cell and its strips");
  }
  assert.deepEqual(gapMarks(layout, view, [], []), []);
  assert.deepEqual(gapMarks(layout, view, undefined, undefined), []);
  assert.deepEqual(gapMarks(layout, wholeView(layout), [204, -1, 420], [1, 1, 1]), [], "after the last residue is not between two");
});
