import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  asBytes, bitAt, codeValue, dequantize, float32s, quantize, thresholdCode, uint32s, unpackBits,
} from "../lib/buffers.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/encoding.json", import.meta.url)));
const b64 = (s) => new Uint8Array(Buffer.from(s, "base64"));

test("Python's quantised codes decode within the error bound", () => {
  const codes = b64(fixture.codes);
  assert.equal(codes.length, fixture.values.length);
  const decoded = dequantize(new DataView(codes.buffer), fixture.scale);
  fixture.values.forEach((v, k) => {
    assert.ok(Math.abs(decoded[k] - v) <= fixture.max_error + 1e-7, `value ${k}: ${decoded[k]} vs ${v}`);
  });
  assert.equal(decoded[0], 0);
  assert.ok(Math.abs(Math.max(...decoded) - fixture.scale) < 1e-6, "code 255 is the scale");
});

test("quantise -> dequantise round trip stays within scale / 510", () => {
  const values = Float32Array.from({ length: 1000 }, (_, k) => Math.sin(k) ** 2 * 0.37);
  const scale = Math.max(...values);
  const back = dequantize(quantize(values, scale), scale);
  let worst = 0;
  for (let k = 0; k < values.length; k++) worst = Math.max(worst, Math.abs(back[k] - values[k]));
  assert.ok(worst <= scale / 510 + 1e-7, `worst error ${worst}`);
  assert.deepEqual([...quantize([1, 2], 0)], [0, 0], "scale 0 encodes zeros");
});

test("JS quantise agrees with Python's codes", () => {
  const ours = quantize(Float32Array.from(fixture.values), fixture.scale);
  const theirs = b64(fixture.codes);
  for (let k = 0; k < ours.length; k++) assert.ok(Math.abs(ours[k] - theirs[k]) <= 1, `code ${k}`);
});

test("thresholdCode is the first code whose value reaches the threshold", () => {
  const scale = 0.6;
  for (const t of [0, 0.05, 0.3, 0.59, 0.6]) {
    const q = thresholdCode(t, scale);
    assert.ok(codeValue(q, scale) >= t - 1e-9, `t=${t}`);
    if (q > 0) assert.ok(codeValue(q - 1, scale) < t, `t=${t}`);
  }
  assert.ok(thresholdCode(0.7, 0.6) > 255, "a threshold above the maximum keeps nothing");
  assert.equal(thresholdCode(0.1, 0), 256);
});

test("bitsets packed by numpy (little bit order) unpack to the mask", () => {
  const bits = b64(fixture.bits);
  const n = fixture.mask.length;
  assert.equal(bits.length, Math.ceil(n / 8));
  assert.deepEqual([...unpackBits(bits, n)], fixture.mask);
  fixture.mask.forEach((m, k) => assert.equal(bitAt(bits, k), m === 1));
  assert.equal(bitAt(bits, 10_000), false, "beyond the end is false");
});

test("float32 (NaN = masked) and uint32 buffers decode at any alignment", () => {
  const raw = b64(fixture.share);
  const shifted = new Uint8Array(raw.length + 1);
  shifted.set(raw, 1);
  const share = float32s(new DataView(shifted.buffer, 1, raw.length));
  assert.equal(share.length, 4);
  assert.equal(share[0], 0.25);
  assert.ok(Number.isNaN(share[1]));
  assert.deepEqual([...share.slice(2)], [0.125, 1]);
  assert.deepEqual([...uint32s(b64(fixture.counts))], [3, 0, 70000, 4294967295]);
});

test("asBytes accepts DataView, ArrayBuffer, typed arrays and null", () => {
  const u8 = Uint8Array.of(1, 2, 3, 4);
  assert.deepEqual([...asBytes(new DataView(u8.buffer, 1, 2))], [2, 3]);
  assert.deepEqual([...asBytes(u8.buffer)], [1, 2, 3, 4]);
  assert.deepEqual([...asBytes(new Uint16Array([0x0201]))], [1, 2]);
  assert.equal(asBytes(null).length, 0);
});
