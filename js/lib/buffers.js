// Decoding the binary traits the Python widgets send (see protattn_widgets/widgets/encoding.py).
//
// ipywidgets hands binary traits to the front-end as DataView (kernel) or, in some
// embedders, ArrayBuffer / typed arrays; everything here accepts all of them.
// Multi-byte values are little-endian on the wire; they are read through a
// DataView, so neither alignment nor the host's byte order matters.

/** Any binary value (DataView, ArrayBuffer, typed array, null) as a Uint8Array view (no copy). */
export function asBytes(value) {
  if (value == null) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(0);
}

/** uint8 codes -> values: ``q / 255 * scale`` (the inverse of Python's ``quantize``). */
export function dequantize(codes, scale) {
  const q = asBytes(codes);
  const out = new Float32Array(q.length);
  const step = scale / 255;
  for (let k = 0; k < q.length; k++) out[k] = q[k] * step;
  return out;
}

/** One uint8 code -> value. */
export function codeValue(code, scale) {
  return (code / 255) * scale;
}

/** values -> uint8 codes, as Python does it: round(clip(v / scale, 0, 1) * 255); scale <= 0 gives zeros. */
export function quantize(values, scale) {
  const out = new Uint8Array(values.length);
  if (!(scale > 0)) return out;
  for (let k = 0; k < values.length; k++) {
    const t = Math.min(Math.max(values[k] / scale, 0), 1);
    out[k] = Math.round(t * 255);
  }
  return out;
}

/** The smallest code whose value is >= threshold (codes below it are weaker than the threshold). */
export function thresholdCode(threshold, scale) {
  if (!(scale > 0)) return threshold <= 0 ? 0 : 256;
  return Math.ceil((threshold / scale) * 255 - 1e-9);
}

/** Bit ``index`` of a bitset packed like numpy's ``packbits(bitorder="little")``. */
export function bitAt(bits, index) {
  const b = asBytes(bits);
  const byte = index >> 3;
  return byte < b.length && ((b[byte] >> (index & 7)) & 1) === 1;
}

/** The first ``n`` bits of a little-bit-order packed bitset, as 0/1 bytes. */
export function unpackBits(bits, n) {
  const b = asBytes(bits);
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = (b[k >> 3] >> (k & 7)) & 1;
  return out;
}

function typed(value, size, read, Type) {
  const u8 = asBytes(value);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = Math.floor(u8.byteLength / size);
  const out = new Type(n);
  for (let k = 0; k < n; k++) out[k] = read(view, k * size);
  return out;
}

/** Little-endian float32 bytes -> Float32Array (NaN stays NaN: "no value"). */
export function float32s(value) {
  return typed(value, 4, (v, o) => v.getFloat32(o, true), Float32Array);
}

/** Little-endian uint32 bytes -> Uint32Array. */
export function uint32s(value) {
  return typed(value, 4, (v, o) => v.getUint32(o, true), Uint32Array);
}
