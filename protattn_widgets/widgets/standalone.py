"""A standalone HTML page of an :class:`~.explorer.AttentionExplorer`: one file, no kernel, no network.

:func:`standalone_html` writes the page that :meth:`AttentionExplorer.to_html`
saves.  Everything is inlined: the front-end (``static/standalone.js``, built
from ``js/standalone.js`` with NGL and three.js bundled in) and the data, so the
page opens from ``file://`` on a machine without Python or internet access.

The page is interactive without a kernel: it runs the notebook explorer's own
front-end (``js/explorer.js``: layout, controls, views, NGL drawing) on an in-page
model whose data source (``js/standalone.js``) computes, from the embedded heads,
the traits the kernel would send.  Changing chain or model needs the kernel.

What the page holds
-------------------
One ``<script type="application/json" id="protattn-data">`` with plain values
(residue ids and names, captions' parts, the state, the threshold steps) and
one binary blob, zlib-compressed and base64-encoded, indexed by ``"arrays"``
(``{name: {offset, dtype, shape[, filter]}}``, little-endian ``u1``/``u2``/``u4``/``f4``;
``"filter": "avg2d"``: stored as differences from the mean of the left and upper
neighbours, :func:`~.page_blob.predict_encode`, undone by both readers):

``matrices`` : uint8, shape=(k, m, m)
    The ``k`` embedded heads (``embedded_heads``, flat ``layer * n_heads + head``),
    each quantised relative to its maximum (``matrix_scales``), as the
    heatmap's ``_matrix``; ``m = ceil(L / block)``; stored with the ``avg2d``
    filter where that compresses smaller (every head at 33 x 20, L = 1,000 from a
    random ESM-2-shaped model: a quarter smaller, see bench/results_widgets.md; real
    AntiBERTy heads at L = 116: 7 % larger, stored plain).  Up to ``L = cells``
    (:data:`PAGE_CELLS`: 256 for ``heads="all"``, 512 otherwise) ``block`` is 1
    and the matrix is the head's; longer chains are block-max pooled (a cell is
    the strongest pair of its ``block x block`` block).
``edge_row_counts``, ``edge_cols``, ``edge_codes``, ``edge_offsets`` : uint16 (k, L), uint16 (N,), uint8 (N,), uint32 (k + 1,)
    Only when ``block > 1``: per embedded head, every directed pair ``i != j``
    with ``a_ij >= floor`` (``edge_floor``, the head grid's floor, 0.05), in
    row-major order, as compressed sparse rows: how many in each row ``i``,
    then each one's column ``j`` and weight quantised like the matrix; head
    ``k``'s are ``edge_offsets[k]:edge_offsets[k + 1]``.  The page's 3D edges come from
    these, and its threshold slider starts at the floor.
``received`` : uint8, shape=(n_layers, n_heads, L)
    Attention received, per head quantised relative to its maximum
    (``received_scales``).
``grid_values``, ``grid_counts`` : float32 / uint32, shape=(T, n_layers, n_heads)
    The head grid's statistic (NaN: no value) and its counts at each of the
    ``T`` threshold steps the page offers (``thresholds``), from the grid's
    :class:`~.grid_counts.StrongPairIndex` (the same integers as
    :func:`~protattn_widgets.analysis.accumulator.contact_accumulator`).
``has_ca`` : uint8, shape=(L,)
    Residues with a CA atom (the others get no edge in 3D).
``<trait>``
    The explorer's binary traits that do not change with the head (contacts
    bitset, annotation masks, CA coordinates, colour maps), by their names
    (e.g. ``_heatmap__contacts``); ``"traits"`` holds the explorer's other synced
    traits (the structure's text included) as the kernel would sync them.

Edges in 3D are computed in the page from the matrix codes (``block == 1``) or
the embedded pairs, by the heatmap's rule (an edge is an unfaded heatmap
cell), so they may differ from the kernel's for pairs within ``scale / 510`` of
the threshold; with embedded pairs, a "mean" edge whose other direction is
below the floor counts that direction as 0.
"""

from __future__ import annotations

import base64
import html
import json
import re
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np

from ..attention import EDGE_MODES
from ..errors import StandalonePageError
from ..errors import warn as warn_user
from ..jsonable import finite_or_none
from ._base import STATIC
from .page_blob import decode_page_arrays, predict_encode
from .encoding import as_float32, float32_bytes, quantize, uint32_bytes
from .heatmap import block_max, block_size

if TYPE_CHECKING:  # pragma: no cover
    from .explorer import AttentionExplorer

__all__ = ["standalone_html", "read_standalone_data", "HEADS", "THRESHOLD_STEP", "LARGE_PAGE_BYTES",
           "PAGE_BUDGET_BYTES", "StandalonePageError"]

#: Which heads a page embeds: every head, the current layer's heads, or the current head only.
HEADS = ("all", "layer", "current")
#: Step of the page's threshold slider (the head grid's statistic is stored for every step).
THRESHOLD_STEP = 0.01
#: Longest side, in cells, of each embedded matrix (longer chains are block-max pooled).
PAGE_CELLS = {"all": 256, "layer": 512, "current": 512}
#: Pages larger than this (bytes) are written with a warning that names ``heads="layer"``.
LARGE_PAGE_BYTES = 20_000_000
#: A page aims to stay within this many bytes: where its heatmaps would take it over, they are
#: pooled coarser (fewer cells a side, each the strongest pair of its block), never dropped.
PAGE_BUDGET_BYTES = 40_000_000
#: Fewest cells a side the budget pools a heatmap down to (a page may exceed the budget there).
MIN_PAGE_CELLS = 64
FORMAT = "protattn-standalone"
VERSION = 2  # 2: arrays may carry a filter (avg2d); a version-1 reader would misread them

_DATA_TAG = re.compile(r'<script type="application/json" id="protattn-data">(.*?)</script>', re.S)
_DTYPES = {"u1": "<u1", "u2": "<u2", "u4": "<u4", "f4": "<f4"}
# What the page computes per state (the kernel sends these per change, js/standalone.js
# PageSource computes them): not embedded.
_PER_HEAD = {
    "layer", "head", "threshold", "mode", "selected_residue", "chain", "_status", "_exports", "_threshold_min",
    "_heatmap__matrix", "_heatmap__scale", "_heatmap__block", "_heatmap_caption", "_heatmap_zoom",
    "_heatmap__detail", "_heatmap__detail_window",
    "_grid__values", "_grid__counts", "_grid__ci", "_grid_caption",
    "_sequence__received", "_sequence__received_scale", "_sequence_caption",
    "_structure__pa_edges", "_structure__pa_weights", "_structure__pa_total", "_structure__pa_strong",
    "_structure__pa_strong_threshold", "_structure__pa_received",
    "_structure__pa_residue_stats", "_structure__pa_head_label",
}


# anywidget's per-instance traits: the page bundles the front-end itself.
_PLUMBING = {"_esm", "_css", "_anywidget_id"}


class _Blob:
    """Arrays packed into one byte string, each at an offset that is a multiple of 8."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.index: dict[str, dict] = {}

    def add(self, name: str, data: bytes | np.ndarray, dtype: str = "u1", shape: tuple[int, ...] | None = None,
            filter: str | None = None) -> dict:
        raw = np.ascontiguousarray(data, dtype=_DTYPES[dtype]).tobytes() if isinstance(data, np.ndarray) else bytes(data)
        if shape is None:
            shape = data.shape if isinstance(data, np.ndarray) else (len(raw) // np.dtype(_DTYPES[dtype]).itemsize,)
        self.index[name] = {"offset": self.size, "dtype": dtype, "shape": [int(s) for s in shape]}
        if filter == "avg2d":  # stored as prediction residuals (page_blob.predict_encode), read back decoded
            filtered = predict_encode(np.frombuffer(raw, dtype=np.uint8).reshape(shape)).tobytes()
            # ... where that compresses smaller: it does for smooth (random-model) heads, not for real
            # AntiBERTy heads (1vfb B, 64 heads at L = 116: 7 % larger), so each array is checked.
            if len(zlib.compress(filtered, 1)) < len(zlib.compress(raw, 1)):
                raw = filtered
                self.index[name]["filter"] = filter
        pad = -len(raw) % 8
        self.parts.append(raw + bytes(pad))
        self.size += len(raw) + pad
        return {"$array": name}

    def encoded(self) -> str:
        # Big pages: run-length matches only (Z_RLE).  Attention codes are mostly short-range
        # noise with runs of zeros, so distant matches gain little: on 660 heads at L = 1,022 this
        # is ~20 % smaller than level 1 and ~2x faster (and far faster than level 6).
        data = b"".join(self.parts)
        if len(data) < 8_000_000:
            return base64.b64encode(zlib.compress(data, 6)).decode("ascii")
        packer = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
        return base64.b64encode(packer.compress(data) + packer.flush()).decode("ascii")


def _embedded_heads(explorer: "AttentionExplorer", heads: str) -> list[int]:
    n_layers, n_heads = explorer.attention.n_layers, explorer.attention.n_heads
    if heads == "all":
        return list(range(n_layers * n_heads))
    if heads == "layer":
        return [explorer.layer * n_heads + h for h in range(n_heads)]
    if heads == "current":
        return [explorer.layer * n_heads + explorer.head]
    if isinstance(heads, (list, tuple)) and heads and all(isinstance(h, int) and 0 <= h < n_layers * n_heads
                                                          for h in heads):
        return sorted(set(heads))  # flat heads chosen by the caller (the dataset browser's page)
    raise StandalonePageError(f"heads must be one of {HEADS}, got {heads!r}")


def _pooled_and_strong(heads: np.ndarray, block: int, floor: float):
    """Heads' block-max pooled matrices (float32, shape=(k, m, m)) and, when pooled, the flat
    indices into ``heads`` (C order) of their pairs ``i != j`` with ``a_ij >= floor``.

    Float16 heads are not converted whole: for non-negative float16 the order of the values is
    the order of their bit patterns, so pooling and the floor test run on the uint16 view.
    """
    heads = np.asarray(heads)
    length = heads.shape[-1]
    if heads.dtype == np.float16:
        keys = heads.view(np.uint16)
        pooled_keys = block_max(keys, block)
        if pooled_keys.size and pooled_keys.max() < 0x7C00:  # finite, non-negative: the shortcut holds
            low = np.float16(floor)
            if np.float32(low) < np.float32(floor):
                low = np.nextafter(low, np.float16(np.inf))
            strong = keys >= np.asarray(low, dtype=np.float16).view(np.uint16) if block > 1 else None
            return _pairs(as_float32(pooled_keys.view(np.float16)), strong, length)
    matrix = as_float32(heads)
    return _pairs(block_max(matrix, block), matrix >= np.float32(floor) if block > 1 else None, length)


def _pairs(pooled: np.ndarray, strong: np.ndarray | None, length: int):
    if strong is None:
        return pooled, None
    diagonal = np.arange(length)
    strong[:, diagonal, diagonal] = False  # a fresh array from the comparison
    return pooled, np.flatnonzero(strong)  # one flat pass: much faster than a 3-D nonzero


def _quantize_heads(values: np.ndarray, scales: np.ndarray, head: np.ndarray | None = None) -> np.ndarray:
    """:func:`~.encoding.quantize` of each head's values relative to its own scale (uint8 codes;
    a head whose scale is not positive and finite encodes as zeros); ``head`` maps values to heads
    (default: the first axis)."""
    scales = np.asarray(scales, dtype=np.float64)
    usable = (scales > 0) & np.isfinite(scales)
    factor = np.where(usable, 255.0 / np.where(usable, scales, 1.0), 0.0).astype(np.float32)
    factor = factor[head] if head is not None else factor.reshape((-1,) + (1,) * (values.ndim - 1))
    return np.rint(np.clip(values * factor, 0.0, 255.0)).astype(np.uint8)


def _scales(values: np.ndarray) -> list[float]:
    """Each row's maximum, the scale :func:`~.encoding.quantize` would use (0 when not positive and finite)."""
    top = values.max(axis=1) if values.size else np.zeros(len(values))
    return [float(v) if v > 0 and np.isfinite(v) else 0.0 for v in top]


def _layer_runs(embedded: list[int], n_heads: int) -> list[tuple[int, slice | list[int]]]:
    """The embedded heads (sorted) grouped by layer, as ``(layer, heads)``: a slice where they are
    consecutive (a view of the attention, no copy), else the list of heads."""
    runs: dict[int, list[int]] = {}
    for flat in embedded:
        runs.setdefault(flat // n_heads, []).append(flat % n_heads)
    return [(layer, slice(hs[0], hs[-1] + 1) if hs[-1] - hs[0] == len(hs) - 1 else hs) for layer, hs in runs.items()]


def _thresholds(current: float, floor: float = 0.0) -> list[float]:
    steps = [round(k * THRESHOLD_STEP, 6) for k in range(int(round(1 / THRESHOLD_STEP)) + 1)]
    steps = [t for t in steps if t >= floor - 1e-9]
    current = max(float(current), floor)
    if not any(abs(t - current) < 1e-9 for t in steps):
        steps = sorted(steps + [float(current)])
    return steps


def page_data(explorer: "AttentionExplorer", heads: str | list[int] = "all", title: str | None = None,
              cells: int | None = None) -> dict:
    """The JSON the page embeds (see the module docstring), for the explorer's current chain and state.

    ``heads``: one of :data:`HEADS`, or a list of flat 0-based heads (``layer * n_heads + head``).
    ``cells``: longest side of each embedded matrix (default :data:`PAGE_CELLS` for ``heads``).
    """
    from ..models import model_display_name

    attention, chain, structure = explorer.attention, explorer.chain_obj, explorer.structure
    n_layers, n_heads, length = attention.n_layers, attention.n_heads, len(attention)
    embedded = _embedded_heads(explorer, heads)
    blob = _Blob()

    grid = explorer.grid
    if cells is None:
        cells = PAGE_CELLS[heads] if isinstance(heads, str) else PAGE_CELLS["all" if len(embedded) > n_heads else "layer"]
    block = block_size(length, cells)
    floor = grid.floor if block > 1 else 0.0
    sums = attention.received_all().reshape(n_layers * n_heads, length)  # column sums, computed once
    received_scales = _scales(sums)
    received = _quantize_heads(sums, received_scales)
    matrices, matrix_scales, pairs, pair_codes, offsets, row_counts = [], [], [], [], [0], []
    for layer, hs in _layer_runs(embedded, n_heads):  # one batched pass per layer
        chunk = attention.values[layer, hs]
        pooled, strong = _pooled_and_strong(chunk, block, floor)
        scales = _scales(pooled.reshape(len(pooled), -1))
        matrices.append(_quantize_heads(pooled, scales).tobytes())
        matrix_scales.extend(scales)
        if block > 1:
            head, rest = np.divmod(strong, length * length)
            i, j = np.divmod(rest, length)
            row_counts.append(np.bincount(head * length + i, minlength=len(pooled) * length).astype("<u2").tobytes())
            pairs.append(j.astype("<u2").tobytes())
            pair_codes.append(_quantize_heads(as_float32(chunk.reshape(-1)[strong]), scales, head).tobytes())
            per_head = np.bincount(head, minlength=len(pooled))
            offsets.extend((offsets[-1] + np.cumsum(per_head)).tolist())
    side = -(-length // block)
    blob.add("matrices", b"".join(matrices), "u1", (len(embedded), side, side), filter="avg2d")
    blob.add("received", received, "u1", (n_layers, n_heads, length))
    if block > 1:
        blob.add("edge_row_counts", b"".join(row_counts), "u2", (len(embedded), length))
        blob.add("edge_cols", b"".join(pairs), "u2", (offsets[-1],))
        blob.add("edge_codes", b"".join(pair_codes), "u1", (offsets[-1],))
        blob.add("edge_offsets", np.asarray(offsets, dtype=np.uint32), "u4")

    thresholds = _thresholds(explorer.threshold, floor)
    accumulators = [grid.contact_accumulator(t) for t in thresholds]
    blob.add("grid_values", b"".join(float32_bytes(a.share) for a in accumulators), "f4",
             (len(thresholds), n_layers, n_heads))
    blob.add("grid_counts", b"".join(uint32_bytes(a.total) for a in accumulators), "u4",
             (len(thresholds), n_layers, n_heads))
    blob.add("has_ca", (~np.isnan(chain.ca).any(axis=1)).astype(np.uint8))

    # The explorer's synced traits as the kernel would sync them, less what the page computes.
    own = set(explorer.trait_names(sync=True)) - set(anywidget.AnyWidget.class_trait_names(sync=True)) - _PLUMBING
    page_traits = {}
    for name in sorted(own - _PER_HEAD):
        value = getattr(explorer, name)
        if value is None:
            continue
        page_traits[name] = (blob.add(name, value) if isinstance(value, (bytes, bytearray, memoryview)) else value)
    view = explorer.structure_view

    source = f"{structure.name}:{chain.chain_id}"
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": title or f"{model_display_name(attention.model_name)} attention · {source}",
        "note": (f"Standalone page of protattn_widgets' AttentionExplorer ({len(embedded)} of "
                 f"{n_layers * n_heads} heads embedded). "
                 "Everything here works offline; changing chain or model needs Python."
                 + (f" Heatmaps are reduced to {side} x {side} cells (each the strongest pair of "
                    f"{block} x {block} residues); 3D edges and thresholds from {floor:.2f} up."
                    if block > 1 else "")),
        "model": {"name": attention.model_name, "display_name": model_display_name(attention.model_name),
                  "n_layers": n_layers, "n_heads": n_heads},
        "source": source,
        "chain": chain.chain_id,
        "length": length,
        "heads": heads if isinstance(heads, str) else "selected",
        "embedded_heads": embedded,
        "matrix_scales": matrix_scales,
        "received_scales": received_scales,
        "thresholds": thresholds,
        "block": block,
        "edge_floor": floor,
        "grid": {"background": finite_or_none(accumulators[0].background), "min_total": grid.min_total},
        "modes": list(EDGE_MODES),
        "state": {"layer": explorer.layer, "head": explorer.head, "threshold": max(explorer.threshold, floor),
                  "mode": explorer.mode, "selected_residue": explorer.selected_residue},
        "max_edges": view.max_edges if view is not None else 0,
        "structure": view is not None,
        "traits": page_traits,
        "arrays": blob.index,
        "compression": "deflate",
        "blob": blob.encoded(),
    }


def _script_safe(text: str) -> str:
    # Inside <script>, "</script" (any case) ends the element early; "<\/" means "</" in JS strings.
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.I)


def _json_safe(data: dict) -> str:
    # "<" only occurs inside JSON strings, where \u003c reads back the same: no markup in the tag.
    return json.dumps(data, allow_nan=False).replace("<", "\\u003c")


def html_page(title: str, what: str, scripts: dict[str, dict]) -> str:
    """One self-contained HTML page: JSON ``scripts`` (``{element id: data}``) and the bundled front-end
    (``static/standalone.js``, which starts the explorer's or the dataset browser's page)."""
    script = (STATIC / "standalone.js").read_text(encoding="utf-8")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        "</head>",
        "<body>",
        f'<div id="protattn-app">Loading {what}…<noscript> This page needs JavaScript.</noscript></div>',
        *(f'<script type="application/json" id="{name}">{_json_safe(data)}</script>' for name, data in scripts.items()),
        f"<script>{_script_safe(script)}</script>",
        "</body>",
        "</html>",
        "",
    ])


def read_page_json(page: str | Path, tag: re.Pattern, fmt: str, what: str) -> tuple[dict, str]:
    """The JSON a page embeds in ``tag``'s script (its ``"format"`` must be ``fmt``), with its arrays
    decoded (bounded, :mod:`.page_blob`) and no ``"blob"``; and the page's text."""
    is_html = isinstance(page, str) and page.lstrip().startswith("<")
    text = page if is_html else Path(page).read_text(encoding="utf-8")
    match = tag.search(text)
    if match is None:
        element = re.search(r'id="([^"]+)"', tag.pattern).group(1)
        raise StandalonePageError(f"not a protattn {what}: no {element} script")
    data = json.loads(match.group(1))
    if data.get("format") != fmt:
        raise StandalonePageError(f"not a protattn {what} (format {data.get('format')!r})")
    # Bounded: the index is checked and the blob expanded only as far as it says (page_blob.py).
    data["arrays"] = decode_page_arrays(data.pop("blob", None), data.get("compression"), data.get("arrays"), _DTYPES)
    return data, text


def standalone_html(explorer: "AttentionExplorer", *, heads: str = "all", title: str | None = None) -> str:
    """The standalone page of ``explorer``'s current chain and state, as HTML text.

    Parameters
    ----------
    explorer : AttentionExplorer
    heads : {"all", "layer", "current"}
        Which heads the page embeds (the others cannot be chosen in it):
        ``n_layers * n_heads``, ``n_heads`` or one ``L x L`` uint8 matrix.
    title : str, optional
        Page title; default e.g. ``"AntiBERTy attention · 1vfb_complex:B"``.

    Warns
    -----
    UserWarning
        When the page is larger than :data:`LARGE_PAGE_BYTES` (with
        ``heads="all"`` from about L = 500 on a 64-head model).

    A page that would exceed :data:`PAGE_BUDGET_BYTES` is built again with its
    heatmaps pooled coarser (down to :data:`MIN_PAGE_CELLS` a side), and the
    warning says so.
    """
    if heads not in HEADS:
        raise StandalonePageError(f"heads must be one of {HEADS}, got {heads!r}")
    data, text, size = _built(explorer, heads, title)
    first_size, first_side = size, _side(data)
    while size > PAGE_BUDGET_BYTES and _side(data) > MIN_PAGE_CELLS:
        data, text, size = _built(explorer, heads, title, cells=_fewer_cells(_side(data), size))
    if size > LARGE_PAGE_BYTES:
        side = _side(data)
        pooled = (f"; its heatmaps are pooled to {side} x {side} cells ({data['block']} x {data['block']} residues "
                  f"each) to keep it under {PAGE_BUDGET_BYTES / 1e6:.0f} MB ({first_size / 1e6:.0f} MB at "
                  f"{first_side} x {first_side})" if side < first_side else "")
        warn_user(
            f"the standalone page is {size / 1e6:.0f} MB ({len(data['embedded_heads'])} heads of "
            f"{data['length']} x {data['length']}){pooled}; heads='layer' keeps only the current layer's heads",
            UserWarning)
    return text


def _built(explorer: "AttentionExplorer", heads: str, title: str | None,
           cells: int | None = None) -> tuple[dict, str, int]:
    """The page's data, its HTML text and that text's size as written (UTF-8 bytes)."""
    data = page_data(explorer, heads, title, cells)
    text = html_page(data["title"], "the attention explorer", {"protattn-data": data})
    return data, text, len(text.encode("utf-8"))


def _side(data: dict) -> int:
    """Cells a side of the page's embedded matrices."""
    return -(-data["length"] // data["block"])


def _fewer_cells(side: int, size: int) -> int:
    """Cells a side that should bring a page of ``size`` bytes with ``side``-cell matrices under
    :data:`PAGE_BUDGET_BYTES`, as if the whole page scaled with the cells (the matrices dominate;
    the rest does not shrink, so this overshoots a little), 5 % to spare; at least one fewer."""
    wanted = int(side * (0.95 * PAGE_BUDGET_BYTES / size) ** 0.5)
    return max(MIN_PAGE_CELLS, min(wanted, side - 1))


def read_standalone_data(page: str | Path) -> dict:
    """The data of a standalone page (a path or the HTML text), with its arrays decoded.

    Returns the embedded JSON with ``"arrays"`` replaced by ``{name: ndarray}``
    (shapes and dtypes as written; see the module docstring) and no ``"blob"``.
    """
    return read_page_json(page, _DATA_TAG, FORMAT, "standalone page")[0]
