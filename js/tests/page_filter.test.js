// The page's "avg2d" array filter: the JS reader undoes exactly what Python's predict_encode writes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { deflateSync } from "node:zlib";

import { decodeArrays, predictDecode } from "../lib/page_data.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/avg2d.json", import.meta.url)));

test("predictDecode undoes page_blob.predict_encode (fixture written by Python)", () => {
  const out = predictDecode(Uint8Array.from(fixture.residuals), fixture.shape);
  assert.deepEqual([...out], fixture.images);
  // the smooth image's residuals are small: what makes deflate shrink the page
  const [, rows, cols] = fixture.shape;
  const smooth = fixture.residuals.slice(rows * cols, 2 * rows * cols).slice(1);
  assert.ok(smooth.filter((v) => v > 40 && v < 216).length <= rows + cols, smooth.join(" "));
});

test("decodeArrays applies an array's filter and refuses an unknown one", async () => {
  const residuals = Uint8Array.from(fixture.residuals);
  const blob = Buffer.from(deflateSync(Buffer.from(residuals))).toString("base64");
  const arrays = { m: { offset: 0, dtype: "u1", shape: fixture.shape, filter: "avg2d" } };
  const decoded = await decodeArrays({ blob, compression: "deflate", arrays });
  assert.deepEqual([...decoded.m], fixture.images);
  await assert.rejects(decodeArrays({ blob, compression: "deflate", arrays: { m: { ...arrays.m, filter: "png" } } }),
                       /unknown filter png/);
});
