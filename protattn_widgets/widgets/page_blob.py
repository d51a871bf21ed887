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

__all__ = ["MAX_PAGE_DATA_BYTES", "decode_page_arrays"]

#: The most bytes a page's arrays may expand to (the largest pages written, every head of
#: a 36 x 40 model at L = 1,022, hold a few hundred MB).
MAX_PAGE_DATA_BYTES = 1 << 30


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _layout(index, dtypes: dict[str, str], max_bytes: int) -> tuple[dict[str, tuple[np.dtype, tuple, int]], int]:
    """``{name: (dtype, shape, offset)}`` and the bytes the blob must hold, from a checked index."""
    if not isinstance(index, dict):
        raise StandalonePageError(f"the page's array index is a {type(index).__name__}, not an object")
    layout, end = {}, 0
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
        layout[name] = (np.dtype(dtypes[dtype]), tuple(shape), offset)
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
    for name, (dtype, shape, offset) in layout.items():
        count = 1
        for n in shape:
            count *= n
        arrays[name] = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(shape)
    return arrays
