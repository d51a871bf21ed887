"""Binary encodings of what the anywidget views draw: one small buffer per update.

Nothing here sends anything; the widgets put these bytes in ``Bytes`` traitlets,
which ipywidgets ships as binary buffers (never JSON lists of numbers).  The
front-end decoders are ``js/lib/buffers.js``; ``js/tests/fixtures/encoding.json``
(written by :func:`write_js_fixture`) pins the two sides together.

Formats
-------
* **quantised**: ``uint8`` codes ``q = round(clip(v / scale, 0, 1) * 255)``, read
  back as ``q / 255 * scale``.  With ``scale = max(v)`` the error is at most
  ``scale / 510``.  One byte per value: a 500 x 500 head is 250,000 bytes.
* **bitset**: a boolean array flattened in C order and packed eight to a byte,
  least significant bit first (``numpy.packbits(bitorder="little")``).
* **float32 / uint32**: little-endian; NaN marks "no value" in float32.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..attention import as_float32

__all__ = [
    "as_float32", "quantize", "dequantize", "max_quantization_error", "pack_bits", "unpack_bits",
    "float32_bytes", "uint32_bytes", "write_js_fixture",
]


def quantize(values: np.ndarray, scale: float | None = None) -> tuple[bytes, float]:
    """Encode non-negative values as uint8 codes relative to ``scale``.

    Parameters
    ----------
    values : ndarray, any shape
        Attention weights (or sums of them); negative values encode as 0.
    scale : float, optional
        The value of code 255; default the maximum of ``values`` (0 for an
        empty or all-zero array, which encodes as zeros).

    Returns
    -------
    codes : bytes
        ``values.size`` bytes, C order.
    scale : float
    """
    values = np.asarray(values, dtype=np.float32)
    if scale is None:
        scale = float(values.max()) if values.size else 0.0
    scale = float(scale)
    if not scale > 0 or not np.isfinite(scale):
        return bytes(values.size), 0.0
    codes = np.rint(np.clip(values * np.float32(255.0 / scale), 0.0, 255.0)).astype(np.uint8)
    return codes.tobytes(), scale


def dequantize(codes: bytes, scale: float, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Decode :func:`quantize`'s codes: ``q / 255 * scale`` (float32, in ``shape``)."""
    q = np.frombuffer(codes, dtype=np.uint8)
    out = q.astype(np.float32) * np.float32(scale / 255.0)
    return out.reshape(shape) if shape is not None else out


def max_quantization_error(scale: float) -> float:
    """The largest ``|dequantize(quantize(v)) - v|`` for ``0 <= v <= scale``."""
    return scale / 510.0


def pack_bits(mask: np.ndarray) -> bytes:
    """A boolean array as a little-bit-order bitset, ``ceil(mask.size / 8)`` bytes."""
    return np.packbits(np.asarray(mask, dtype=bool).ravel(), bitorder="little").tobytes()


def unpack_bits(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`pack_bits`."""
    n = int(np.prod(shape))
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little", count=n)
    return bits.astype(bool).reshape(shape)


def float32_bytes(values: np.ndarray) -> bytes:
    """Little-endian float32 bytes; a masked array's masked entries become NaN."""
    if isinstance(values, np.ma.MaskedArray):
        values = values.astype(np.float64).filled(np.nan)
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def uint32_bytes(values: np.ndarray) -> bytes:
    """Little-endian uint32 bytes (counts)."""
    return np.ascontiguousarray(values, dtype="<u4").tobytes()


def _fixture() -> dict:
    from base64 import b64encode

    from matplotlib import colormaps

    rng = np.random.default_rng(7)
    values = (rng.random(37) ** 3 * 0.8).astype(np.float32)
    values[[0, 5]] = 0.0
    codes, scale = quantize(values)
    mask = rng.random((5, 7)) < 0.3
    share = np.ma.masked_array([0.25, np.nan, 0.125, 1.0], mask=[False, True, False, False])
    blues = colormaps["Blues"](np.linspace(0.12, 1.0, 256))[:, :3]
    return {
        "values": [float(v) for v in values],
        "codes": b64encode(codes).decode(),
        "scale": scale,
        "max_error": max_quantization_error(scale),
        "mask_shape": list(mask.shape),
        "mask": [int(b) for b in mask.ravel()],
        "bits": b64encode(pack_bits(mask)).decode(),
        "share": b64encode(float32_bytes(share)).decode(),
        "counts": b64encode(uint32_bytes(np.array([3, 0, 70000, 4294967295], dtype=np.uint64))).decode(),
        "blues_0_12": [[round(float(c) * 255) for c in blues[q]] for q in (0, 64, 128, 255)],
    }


def write_js_fixture(path: str | Path | None = None) -> Path:
    """Write the cross-language test fixture the JS tests decode (``js/tests/fixtures/encoding.json``)."""
    path = Path(path) if path is not None else Path(__file__).resolve().parents[2] / "js/tests/fixtures/encoding.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_fixture(), indent=1) + "\n")
    return path
