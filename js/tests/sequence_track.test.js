import assert from "node:assert/strict";
import { test } from "node:test";

import { trackLayout, residueOrigin } from "../lib/layout.js";
import { gapMarks } from "../sequence_track.js";

test("sequence track: one gap mark between each pair of neighbours with missing residues", () => {
  const layout = trackLayout(205, 50, 1);
  const marks = gapMarks(layout, [99, 126], [4, 7]);
  assert.equal(marks.length, 2);
  assert.deepEqual(marks.map((m) => [m.after, m.missing]), [[99, 4], [126, 7]]);
  for (const mark of marks) {
    const left = residueOrigin(layout, mark.after);
    // the bar sits on the boundary between cell ``after`` and the next one, over the whole cell height
    assert.ok(mark.x > left.x + layout.cellW / 2 && mark.x < left.x + layout.cellW + 1);
    assert.ok(mark.y < left.y && mark.y + mark.h > left.y + layout.cellH);
  }
  // residue 99 ends line 2 of 50-residue lines; its mark is on that line, not the next
  assert.equal(marks[0].y, residueOrigin(layout, 99).y - 2);
});

test("sequence track: no gaps, out-of-range gaps and missing traits draw nothing", () => {
  const layout = trackLayout(10, 50, 0);
  assert.deepEqual(gapMarks(layout, [], []), []);
  assert.deepEqual(gapMarks(layout, undefined, undefined), []);
  assert.deepEqual(gapMarks(layout, [9, -1, 42], [1, 1, 1]), []); // after the last residue is not between two
});
