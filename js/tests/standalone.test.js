// The standalone page's pure parts: the in-page model and the edges computed from codes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { strongEdges } from "../lib/edges.js";
import { PageModel } from "../lib/page_model.js";
import { decodeArrays } from "../lib/page_data.js";
import { deflateSync } from "node:zlib";

test("PageModel: change events like Backbone's, one 'change' per set", () => {
  const model = new PageModel({ layer: 0, head: 1 });
  const seen = [];
  const onLayer = (m, value) => seen.push(["layer", value, m.hasChanged("head")]);
  model.on("change:layer", onLayer);
  model.on("change:head change:layer", () => seen.push(["either"]));
  model.on("change", () => seen.push(["change", model.hasChanged("layer"), model.hasChanged("head")]));
  model.set({ layer: 2, head: 3 });
  assert.deepEqual(seen, [["layer", 2, true], ["either"], ["either"], ["change", true, true]]);
  seen.length = 0;
  model.set("head", 3); // no change, no event
  assert.deepEqual(seen, []);
  model.off("change:layer", onLayer);
  model.set("layer", 5);
  assert.deepEqual(seen, [["either"], ["change", true, false]]);
  assert.equal(model.get("layer"), 5);
  model.save_changes(); // nothing to save to: must not throw
  model.send({});
});

/** Attention.edges on the dequantised codes, written the slow way. */
function naiveEdges(codes, n, scale, threshold, mode, hasCa, maxEdges) {
  const tq = Math.ceil((threshold / scale) * 255 - 1e-9);
  const rows = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || (mode !== "directed" && j < i) || !hasCa[i] || !hasCa[j]) continue;
      const a = codes[i * n + j], b = codes[j * n + i];
      const key = mode === "directed" ? 2 * a : mode === "mean" ? a + b : 2 * Math.max(a, b);
      if (key >= 2 * tq) rows.push([i, j, key]);
    }
  }
  rows.sort((x, y) => y[2] - x[2]); // stable: row-major order within a key
  return rows.slice(0, maxEdges);
}

test("strongEdges: the kernel's edges (threshold, mode, CA filter, strongest first, max_edges)", () => {
  const n = 23;
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const codes = Uint8Array.from({ length: n * n }, () => Math.floor(random() ** 3 * 256));
  const hasCa = Uint8Array.from({ length: n }, (_, i) => (i === 4 ? 0 : 1));
  const scale = 0.8;
  for (const mode of ["max", "mean", "directed"]) {
    for (const threshold of [0, 0.1, 0.3, 0.79, 0.81]) {
      const got = strongEdges(codes, n, scale, threshold, mode, hasCa, 40);
      const want = naiveEdges(codes, n, scale, threshold, mode, hasCa, 40);
      assert.equal(got.weights.length, want.length, `${mode} ${threshold}`);
      assert.deepEqual([...got.pairs], want.flatMap(([i, j]) => [i, j]), `${mode} ${threshold}`);
      assert.deepEqual([...got.weights], want.map(([, , key]) => Math.round(Math.min((key / 510) * scale, 1) * 255)));
      assert.ok(got.total >= got.weights.length);
      for (let e = 0; e < got.weights.length; e++) {
        assert.notEqual(got.pairs[2 * e], 4);
        assert.notEqual(got.pairs[2 * e + 1], 4);
      }
    }
  }
  assert.equal(strongEdges(codes, n, scale, 0, "max", null, 1e9).total, (n * (n - 1)) / 2);
  assert.equal(strongEdges(codes, n, 0, 0.1, "max", null, 10).total, 0); // an all-zero head has no edges
});

test("decodeArrays: a deflated blob of aligned little-endian arrays", async () => {
  const raw = Buffer.alloc(16);
  raw.writeUInt8(7, 0);
  raw.writeFloatLE(0.5, 8);
  raw.writeFloatLE(-2, 12);
  const data = {
    compression: "deflate",
    blob: deflateSync(raw).toString("base64"),
    arrays: { a: { offset: 0, dtype: "u1", shape: [1] }, b: { offset: 8, dtype: "f4", shape: [2] } },
  };
  const arrays = await decodeArrays(data);
  assert.deepEqual([...arrays.a], [7]);
  assert.deepEqual([...arrays.b], [0.5, -2]);
  await assert.rejects(decodeArrays({ ...data, arrays: { c: { offset: 12, dtype: "f4", shape: [4] } } }), /does not fit/);
});
