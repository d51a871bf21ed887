// Reading the data a standalone page embeds (written by protattn_widgets/widgets/standalone.py).
//
// The page holds one JSON script tag: plain values, plus "arrays", an index
// {name: {offset, dtype, shape}} into one binary blob ("blob": base64, deflated
// when "compression" is "deflate").  dtypes are little-endian "u1", "u2", "u4", "f4";
// offsets are multiples of 8, so every array is a typed view of the blob, no copy, except an
// array stored with a filter ("filter": "avg2d", page_blob.py predict_encode), decoded into its own.

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

/**
 * Undo the "avg2d" filter: uint8 images (the last two axes of ``shape``) stored as (x - prediction)
 * mod 256, the prediction being (left + up) >> 1 (left in the first row, up in the first column,
 * 0 at the corner), exactly as protattn_widgets/widgets/page_blob.py predict_encode writes them.
 */
export function predictDecode(residuals, shape) {
  const rows = shape[shape.length - 2], cols = shape[shape.length - 1];
  const out = new Uint8Array(residuals.length);
  for (let base = 0; base < residuals.length; base += rows * cols) {
    for (let r = 0; r < rows; r++) {
      const row = base + r * cols;
      for (let c = 0; c < cols; c++) {
        const k = row + c;
        let pred;
        if (r === 0) pred = c === 0 ? 0 : out[k - 1];
        else if (c === 0) pred = out[k - cols];
        else pred = (out[k - 1] + out[k - cols]) >> 1;
        out[k] = (residuals[k] + pred) & 255;
      }
    }
  }
  return out;
}

/** The blob's arrays as typed arrays: {name: TypedArray} (shapes are in data.arrays). */
export async function decodeArrays(data) {
  let blob = base64Bytes(data.blob || "");
  if (data.compression === "deflate") blob = await inflate(blob);
  else if (data.compression) throw new Error(`unknown compression ${data.compression}`);
  const arrays = {};
  for (const [name, { offset, dtype, shape, filter }] of Object.entries(data.arrays || {})) {
    const Type = TYPES[dtype];
    if (!Type) throw new Error(`array ${name}: unknown dtype ${dtype}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset % Type.BYTES_PER_ELEMENT || offset + count * Type.BYTES_PER_ELEMENT > blob.byteLength) {
      throw new Error(`array ${name} does not fit the blob`);
    }
    arrays[name] = new Type(blob.buffer, blob.byteOffset + offset, count);
    if (filter === "avg2d" && dtype === "u1" && shape.length >= 2) arrays[name] = predictDecode(arrays[name], shape);
    else if (filter != null) throw new Error(`array ${name}: unknown filter ${filter} for ${dtype}`);
  }
  return arrays;
}
