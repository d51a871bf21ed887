"""Reading a standalone page's binary blob within stated limits.

A page's ``"arrays"`` index says where each array lies in the blob, so the
blob's expanded size is known before anything is expanded: the index is
checked first (shapes of whole numbers >= 0, known dtypes, offsets inside the
blob, at most :data:`MAX_PAGE_DATA_BYTES` in all), and the blob is expanded
only up to that size.  A blob that expands further, a ``shape: [-1]`` or an
array past the end is a :class:`~protattn_widgets.errors.StandalonePageError`,
never gigabytes of memory.
"""

from __future__ import annotations

import base64
import binascii
import zlib

import numpy as np

from ..errors import StandalonePageError

__all__ = ["MAX_PAGE_DATA_BYTES", "decode_page_arrays", "FILTERS", "predict_encode", "predict_decode"]

#: Filters an array of a page may be stored with (its index entry's ``"filter"``); the reader undoes them.
#: ``"avg2d"``: uint8 images (last two axes) stored as differences from a prediction, which deflate
#: compresses far better (attention codes vary smoothly between neighbouring cells).
FILTERS = ("avg2d",)


def _prediction(left: np.ndarray, up: np.ndarray, r, c) -> np.ndarray:
    """The ``avg2d`` prediction of cells ``(r, c)`` from their left and upper neighbours (int16):
    ``(left + up) >> 1``; ``left`` in the first row, ``up`` in the first column, 0 at the corner."""
    r, c = np.asarray(r), np.asarray(c)
    both = (left + up) >> 1
    return np.where((r == 0) & (c == 0), 0, np.where(r == 0, left, np.where(c == 0, up, both)))


def predict_encode(images: np.ndarray, chunk: int = 8) -> np.ndarray:
    """uint8 ``(..., rows, cols)`` -> the ``avg2d`` residuals ``(x - prediction) mod 256`` (uint8, same shape).

    ``chunk`` images at a time through two reused int16 buffers: fresh memory for a whole page's
    heads (hundreds of MB as int16) costs more in page faults than the arithmetic."""
    images = np.asarray(images, dtype=np.uint8)
    shape = images.shape
    flat = images.reshape((-1,) + shape[-2:])
    out = np.empty_like(flat)
    x = np.empty((chunk,) + shape[-2:], dtype=np.int16)
    res = np.empty_like(x)
    for start in range(0, len(flat), chunk):
        n = min(chunk, len(flat) - start)
        xs, rs = x[:n], res[:n]
        xs[...] = flat[start:start + n]
        np.add(xs[:, 1:, :-1], xs[:, :-1, 1:], out=rs[:, 1:, 1:])
        rs[:, 1:, 1:] >>= 1
        np.subtract(xs[:, 1:, 1:], rs[:, 1:, 1:], out=rs[:, 1:, 1:])
        np.subtract(xs[:, 0, 1:], xs[:, 0, :-1], out=rs[:, 0, 1:])
        np.subtract(xs[:, 1:, 0], xs[:, :-1, 0], out=rs[:, 1:, 0])
        rs[:, 0, 0] = xs[:, 0, 0]
        rs &= 255
        out[start:start + n] = rs
    return out.reshape(shape)


def predict_decode(residuals: np.ndarray) -> np.ndarray:
    """Undo :func:`predict_encode`: one anti-diagonal of every image at a time (its cells depend only
    on the previous diagonal), vectorised over the images and the diagonal."""
    d = np.asarray(residuals, dtype=np.int16)
    shape = d.shape
    d = d.reshape((-1,) + shape[-2:])
    rows, cols = shape[-2:]
    x = np.zeros_like(d)
    for s in range(rows + cols - 1):
        r = np.arange(max(0, s - cols + 1), min(s, rows - 1) + 1)
        c = s - r
        left = np.where(c > 0, x[:, r, np.maximum(c - 1, 0)], 0)
        up = np.where(r > 0, x[:, np.maximum(r - 1, 0), c], 0)
        x[:, r, c] = (d[:, r, c] + _prediction(left, up, r, c)) & 255
    return x.astype(np.uint8).reshape(shape)

#: The most bytes a page's arrays may expand to (the largest pages written, every head of
#: a 36 x 40 model at L = 1,022, hold a few hundred MB).
MAX_PAGE_DATA_BYTES = 1 << 30


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _layout(index, dtypes: dict[str, str], max_bytes: int) -> tuple[dict[str, tuple], int]:
    """``{name: (dtype, shape, offset, filter)}`` and the bytes the blob must hold, from a checked index."""
    if not isinstance(index, dict):
        raise StandalonePageError(f"the page's array index is a {type(index).__name__}, not an object")
    layout, end = {}, 0  # name -> (dtype, shape, offset, filter)
    for name, entry in index.items():
        if not isinstance(entry, dict):
            raise StandalonePageError(f"array {name!r}: its index entry is not an object")
        dtype, shape, offset = entry.get("dtype"), entry.get("shape"), entry.get("offset")
        if dtype not in dtypes:
            raise StandalonePageError(f"array {name!r}: unknown dtype {dtype!r} (known: {', '.join(dtypes)})")
        if not isinstance(shape, list) or not all(_whole(n) for n in shape):
            raise StandalonePageError(f"array {name!r}: shape {shape!r} is not a list of whole numbers >= 0")
        if not _whole(offset):
            raise StandalonePageError(f"array {name!r}: offset {offset!r} is not a whole number >= 0")
        itemsize = np.dtype(dtypes[dtype]).itemsize
        nbytes = itemsize
        for n in shape:  # Python ints: no overflow, and a huge shape stops at the limit
            nbytes *= n
            if nbytes > max_bytes:
                break
        if offset + nbytes > max_bytes:
            raise StandalonePageError(f"array {name!r} ({dtype}{shape} at offset {offset}) lies beyond the "
                                      f"{max_bytes / 2**20:.0f} MiB a page's data may hold")
        filtered = entry.get("filter")
        if filtered is not None and (filtered not in FILTERS or dtype != "u1" or len(shape) < 2):
            raise StandalonePageError(f"array {name!r}: unknown filter {filtered!r} for {dtype}{shape} "
                                      f"(known: {', '.join(FILTERS)} on u1 images)")
        layout[name] = (np.dtype(dtypes[dtype]), tuple(shape), offset, filtered)
        end = max(end, offset + nbytes)
    return layout, end


def decode_page_arrays(blob, compression, index, dtypes: dict[str, str], *,
                       max_bytes: int = MAX_PAGE_DATA_BYTES) -> dict[str, np.ndarray]:
    """The arrays of a page: ``blob`` (base64 text, deflated when ``compression == "deflate"``)
    cut up as ``index`` says (``{name: {"dtype", "shape", "offset"}}``), read-only views.

    Raises
    ------
    StandalonePageError
        A malformed index, or a blob that does not hold what the index says (too short, or
        expanding beyond it), or more than ``max_bytes`` of arrays.
    """
    layout, needed = _layout(index, dtypes, max_bytes)
    if not isinstance(blob, str):
        raise StandalonePageError(f"the page's blob is a {type(blob).__name__}, not base64 text")
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as error:
        raise StandalonePageError(f"the page's blob is not base64: {error}") from None
    if compression == "deflate":
        inflater = zlib.decompressobj()
        allowed = needed + 8  # the writer pads each array to 8 bytes
        try:
            raw = inflater.decompress(raw, allowed)
        except zlib.error as error:
            raise StandalonePageError(f"the page's blob is not deflate data: {error}") from None
        if inflater.unconsumed_tail:
            raise StandalonePageError(f"the page's blob expands beyond the {allowed} bytes its arrays need; "
                                      "stopped expanding")
    elif compression not in (None, "none"):
        raise StandalonePageError(f"unknown compression {compression!r}")
    if len(raw) < needed:
        raise StandalonePageError(f"the page's blob holds {len(raw)} bytes, its arrays need {needed}")
    arrays = {}
    for name, (dtype, shape, offset, filtered) in layout.items():
        count = 1
        for n in shape:
            count *= n
        arrays[name] = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(shape)
        if filtered == "avg2d":
            arrays[name] = predict_decode(arrays[name])
            arrays[name].flags.writeable = False
    return arrays
