"""The attention matrix of the current head, on a canvas.

What crosses the wire
---------------------
* per head change: ``_matrix``, the head's matrix reduced to what the canvas
  can show: block-max pooled to at most ``max_cells`` cells a side (``_block``
  residues per cell; 1, i.e. the full ``(L, L)`` matrix, up to L = 512), as
  uint8 codes relative to the head's maximum, ``_scale`` (that maximum) and the
  caption, in one message (at most 262 kB whatever L);
* per zoom (the front-end sets ``zoom`` to the residue window it shows):
  ``_detail``, the full-resolution codes of that window and of its transposed
  partner (``a_ji`` at the place of ``a_ij``, for the "max"/"mean" fading), when
  it is at most ``max_cells`` a side, and ``_detail_window``; resent with each head change
  while zoomed in;
* per chain: ``_contacts``, the overlay (the contact map, or what
  :meth:`AttentionHeatmap.set_overlay` was given) as a bitset (``L * L / 8``
  bytes) and the residue ids and names;
* threshold and mode: only the new value.  The front-end fades the cells that
  are not edges under (threshold, mode) from the codes it already has.

>>> heatmap = AttentionHeatmap.from_model(paw.example_path("1vfb_complex"), "B")
>>> heatmap.layer, heatmap.head = 3, 5
"""

from __future__ import annotations

import numpy as np
from traitlets import Bool, Bytes, CaselessStrEnum, Float, Int, List, Unicode, observe

from ..definitions import CONTACT_CUTOFF
from ..head_statistics import HEATMAP_KINDS, heatmap_matrix
from ._base import STATIC, AttentionViewBase, hold_sync, SyncedWidget
from ._checks import format_weight
from .encoding import as_float32, dequantize, pack_bits, quantize, unpack_bits

__all__ = ["AttentionHeatmap", "HeatmapData", "block_size", "block_max", "detail_window"]


def block_size(length: int, max_cells: int) -> int:
    """Residues per heatmap cell so that ``ceil(length / block) <= max_cells``."""
    return max(1, -(-int(length) // int(max_cells)))


def block_max(matrix: np.ndarray, block: int) -> np.ndarray:
    """Block-max pooling of a square matrix (or of a stack of them: the last two axes),
    shape=(..., ceil(L / block), ceil(L / block)).

    Each cell holds the largest value of its ``block x block`` block (the last
    blocks are smaller when ``block`` does not divide ``L``): a strong pair never
    disappears.
    """
    if block <= 1:
        return matrix
    out = matrix[..., ::block, ::block].copy()  # every block has its top-left element
    for di in range(block):
        for dj in range(block):
            part = matrix[..., di::block, dj::block]
            view = out[..., :part.shape[-2], :part.shape[-1]]
            np.maximum(view, part, out=view)  # b*b strided passes: no padded copy, no slow axis reduce
    return out


def detail_window(zoom, length: int, max_cells: int) -> tuple[int, int, int, int] | None:
    """The residue window ``(r0, r1, c0, c1)`` asked for by ``zoom``, clipped to the
    matrix, or None when there is none or it is larger than ``max_cells`` a side."""
    if not zoom or len(zoom) != 4:
        return None
    r0, r1, c0, c1 = (int(v) for v in zoom)
    r0, c0 = max(0, r0), max(0, c0)
    r1, c1 = min(length, r1), min(length, c1)
    if r1 <= r0 or c1 <= c0 or r1 - r0 > max_cells or c1 - c0 > max_cells:
        return None
    return r0, r1, c0, c1


class HeatmapData(AttentionViewBase):
    """The current head's ``(L, L)`` matrix: row ``i`` attends to column ``j``.

    Hover shows e.g. ``"H TYR 52A -> H ASP 101: 0.34"``; a click selects the
    row's residue (shift-click the column's); arrow keys move through heads
    (left/right) and layers (up/down); the checkbox overlays 3D contacts.

    Parameters
    ----------
    attention, chain, layer, head, threshold, mode, selected_residue
        As in :class:`~._base.AttentionViewBase`.  ``chain`` supplies the
        contact map (CB < ``contact_cutoff`` Å, ``|i - j| >= 6``).
    show_contacts : bool
    size : int
        Side of the matrix in CSS pixels.
    contact_cutoff : float
    max_cells : int
        Longest side, in cells, of the matrix sent per head; longer chains are
        block-max pooled (a cell shows the strongest pair of its block) and
        the front-end asks for full detail of the window it zooms into.
    """


    _matrix = Bytes(b"").tag(sync=True)
    _scale = Float(0.0).tag(sync=True)
    _contacts = Bytes(b"").tag(sync=True)
    show_contacts = Bool(True).tag(sync=True)
    overlay_label = Unicode("contacts").tag(sync=True)
    size = Int(420).tag(sync=True)
    _block = Int(1).tag(sync=True)
    zoom = List(Int(), default_value=[]).tag(sync=True)
    _detail = Bytes(b"").tag(sync=True)
    _detail_window = List(Int(), default_value=[]).tag(sync=True)
    #: "raw" attention or "apc": the symmetrised, APC-corrected map (head_statistics.heatmap_matrix).
    kind = CaselessStrEnum(tuple(HEATMAP_KINDS), default_value="raw").tag(sync=True)

    def __init__(self, attention, chain=None, *, show_contacts: bool = True, size: int = 420,
                 contact_cutoff: float = CONTACT_CUTOFF, max_cells: int = 512, **kwargs) -> None:
        self.contact_cutoff = float(contact_cutoff)
        self.max_cells = max(16, int(max_cells))
        super().__init__(attention, chain, show_contacts=show_contacts, size=size, **kwargs)

    def _on_chain(self) -> None:
        self.overlay_label = "contacts"
        if self.chain is None:
            self._contacts = b""
            self.show_contacts = False
        else:
            self._contacts = pack_bits(self.chain.contact_map(self.contact_cutoff))

    def set_overlay(self, pairs: np.ndarray | None, label: str = "contacts") -> None:
        """Overlay other residue pairs, e.g. predicted contacts; ``None`` restores the 3D contacts.

        Parameters
        ----------
        pairs : ndarray of bool, shape=(L, L), or None
        label : str
            Shown by the overlay's checkbox and in the tooltip.
        """
        if pairs is None:
            self._on_chain()
            return
        pairs = np.asarray(pairs, dtype=bool)
        n = len(self.attention)
        if pairs.shape != (n, n):
            raise ValueError(f"the overlay must have shape ({n}, {n}), like the attention, got {pairs.shape}")
        with hold_sync(self):
            self._contacts = pack_bits(pairs)
            self.overlay_label = label
            self.show_contacts = True

    def _head32(self) -> np.ndarray:
        # One head at a time in float32: the stored tensor may be float16 or a memmap.
        layer, head = self.attention.check_head(self.layer, self.head)
        if self.kind != "raw":
            return heatmap_matrix(self.attention, layer, head, self.kind)
        return as_float32(self.attention.values[layer, head])

    @observe("kind")
    def _on_kind(self, change) -> None:
        if self._live:
            self._refresh()

    def _send_data(self) -> None:
        matrix = self._head32()
        block = block_size(len(matrix), self.max_cells)
        pooled = block_max(matrix, block)
        scale = float(pooled.max()) if pooled.size else 0.0  # the head's maximum: pooling keeps it
        codes, scale = quantize(pooled, scale)
        self._matrix, self._scale, self._block = codes, scale, block
        self.caption = f"{self._title()} · {HEATMAP_KINDS[self.kind]} (largest {format_weight(scale)})"
        self._send_detail(matrix)

    @observe("zoom")
    def _on_zoom(self, change) -> None:
        if self._live:
            self._send_detail(self._head32())

    def _send_detail(self, matrix: np.ndarray) -> None:
        window = detail_window(self.zoom, len(matrix), self.max_cells) if self._block > 1 else None
        with hold_sync(self):
            if window is None:
                self._detail, self._detail_window = b"", []
                return
            r0, r1, c0, c1 = window
            # The window, then its transposed partner cells (a_ji at the place of a_ij) for the modes.
            both = np.stack([matrix[r0:r1, c0:c1], matrix[c0:c1, r0:r1].T])
            self._detail = quantize(both, self._scale)[0]
            self._detail_window = [r0, r1, c0, c1]

    def _data_key(self) -> tuple:
        return (self.layer, self.head, len(self.attention), self.kind)

    @property
    def matrix(self) -> np.ndarray:
        """The matrix the front-end has now (decoded codes), shape=(m, m), float32, with
        ``m = ceil(L / block)``: the head's matrix itself when ``block == 1``."""
        m = -(-len(self.attention) // self._block)
        return dequantize(self._matrix, self._scale, (m, m))

    @property
    def detail(self) -> np.ndarray | None:
        """The zoomed window's full-resolution matrix the front-end has, or None."""
        if not self._detail_window:
            return None
        r0, r1, c0, c1 = self._detail_window
        return dequantize(self._detail, self._scale, (2, r1 - r0, c1 - c0))[0]

    @property
    def contacts(self) -> np.ndarray | None:
        """The overlay the front-end has, shape=(L, L) bool, or None without a chain."""
        n = len(self.attention)
        return unpack_bits(self._contacts, (n, n)) if self._contacts else None


class AttentionHeatmap(HeatmapData, SyncedWidget):
    """The current head's attention matrix as a widget (hover, zoom, click to select, arrow keys).

    Parameters and attributes as :class:`HeatmapData` (the same computation without the widget,
    which :class:`~.explorer.AttentionExplorer` uses as its part).
    """

    _esm = STATIC / "heatmap.js"