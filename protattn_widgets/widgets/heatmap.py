"""The attention matrix of the current head, on a canvas.

What crosses the wire
---------------------
* per head change: ``_matrix``, the head's ``(L, L)`` matrix as uint8 codes
  relative to its maximum (``L * L`` bytes: 250 kB at L = 500), ``_scale`` (that
  maximum) and the caption, in one message;
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
from traitlets import Bool, Bytes, Float, Int, Unicode

from ._base import STATIC, AttentionViewBase
from .encoding import dequantize, pack_bits, quantize, unpack_bits

__all__ = ["AttentionHeatmap"]


class AttentionHeatmap(AttentionViewBase):
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
    """

    _esm = STATIC / "heatmap.js"

    _matrix = Bytes(b"").tag(sync=True)
    _scale = Float(0.0).tag(sync=True)
    _contacts = Bytes(b"").tag(sync=True)
    show_contacts = Bool(True).tag(sync=True)
    overlay_label = Unicode("contacts").tag(sync=True)
    size = Int(420).tag(sync=True)

    def __init__(self, attention, chain=None, *, show_contacts: bool = True, size: int = 420,
                 contact_cutoff: float = 8.0, **kwargs) -> None:
        self.contact_cutoff = float(contact_cutoff)
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
        with self.hold_sync():
            self._contacts = pack_bits(pairs)
            self.overlay_label = label
            self.show_contacts = True

    def _send_data(self) -> None:
        codes, scale = quantize(self.attention.head(self.layer, self.head))
        self._matrix, self._scale = codes, scale
        self.caption = f"{self._title()} · max {scale:.2f}"

    @property
    def matrix(self) -> np.ndarray:
        """The matrix the front-end has now (decoded codes), shape=(L, L), float32."""
        n = len(self.attention)
        return dequantize(self._matrix, self._scale, (n, n))

    @property
    def contacts(self) -> np.ndarray | None:
        """The overlay the front-end has, shape=(L, L) bool, or None without a chain."""
        n = len(self.attention)
        return unpack_bits(self._contacts, (n, n)) if self._contacts else None
