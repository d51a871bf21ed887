// Reading the data a standalone page embeds (written by protattn_widgets/widgets/standalone.py).
//
// The page holds one JSON script tag: plain values, plus "arrays", an index
// {name: {offset, dtype, shape}} into one binary blob ("blob": base64, deflated
// when "compression" is "deflate").  dtypes are little-endian "u1", "u2", "u4", "f4";
// offsets are multiples of 8, so every array is a typed view of the blob, no copy.

const TYPES = { u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, f4: Float32Array };

export function base64Bytes(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let k = 0; k < binary.length; k++) out[k] = binary.charCodeAt(k);
  return out;
}

/** zlib ("deflate" in the Compression Streams API) -> bytes, with the browser's own inflater. */
export async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The blob's arrays as typed arrays: {name: TypedArray} (shapes are in data.arrays). */
export async function decodeArrays(data) {
  let blob = base64Bytes(data.blob || "");
  if (data.compression === "deflate") blob = await inflate(blob);
  else if (data.compression) throw new Error(`unknown compression ${data.compression}`);
  const arrays = {};
  for (const [name, { offset, dtype, shape }] of Object.entries(data.arrays || {})) {
    const Type = TYPES[dtype];
    if (!Type) throw new Error(`array ${name}: unknown dtype ${dtype}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset % Type.BYTES_PER_ELEMENT || offset + count * Type.BYTES_PER_ELEMENT > blob.byteLength) {
      throw new Error(`array ${name} does not fit the blob`);
    }
    arrays[name] = new Type(blob.buffer, blob.byteOffset + offset, count);
  }
  return arrays;
}
