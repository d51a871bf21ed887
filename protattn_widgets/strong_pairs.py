"""Every head's strong pairs in exact float32, captured while the model runs.

Attention above 64 MiB is stored in float16 (:mod:`.cache`), which moves values
near a threshold across it: counting ``a_ij >= 0.3`` on the float16 copy is not
the paper's float32 count.  So while each layer's float32 weights exist (in the
capture sink of ``ProteinLanguageModel.attention``), :class:`StrongPairCollector`
keeps every pair with ``a_ij >= floor`` and its float32 value.  The head grid's
statistic at any threshold ``>= floor`` is then exact and needs no pass over the
stored tensor (:class:`~protattn_widgets.widgets.grid_counts.StrongPairIndex`).

Cost per layer: one comparison and one ``flatnonzero`` over the stored copy
(float16 bit patterns, half the bytes of float32) and a gather of the
candidates from the float32 weights; a few percent of the forward pass.
Memory: 16 bytes per kept pair; rows sum to 1, so at most ``L / floor`` pairs
per head (20 L at the default floor), in practice far fewer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .attention import as_float32

__all__ = ["StrongPairs", "StrongPairCollector", "DEFAULT_FLOOR", "strong_pairs_of"]

#: Attention below this is not kept; thresholds under it need a pass over the stored values.
DEFAULT_FLOOR = 0.05


@dataclass(frozen=True, eq=False)
class StrongPairs:
    """The pairs of every head with attention ``>= floor``, sorted by head, then value.

    Attributes
    ----------
    floor : float
        Pairs below it are absent.
    keys : ndarray of float64, shape=(N,)
        ``flat_head + a_ij`` (flat head ``layer * n_heads + head``), ascending;
        exact, as ``a_ij`` is float32 and the head index is small.
    pairs : ndarray of int64, shape=(N,)
        ``i * L + j`` of each pair (query ``i``, key ``j``, 0-based residues).
    exact : bool
        Whether the values are the model's float32 weights (``False`` when
        rebuilt from a float16 copy, see :func:`strong_pairs_of`).
    """

    floor: float
    keys: np.ndarray
    pairs: np.ndarray
    exact: bool = True

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.pairs.nbytes)

    def to_array(self) -> np.ndarray:
        """``(2, N)`` float64 (keys, pairs): one plain array for the attention cache."""
        return np.stack([self.keys, self.pairs.astype(np.float64)])

    @classmethod
    def from_array(cls, array: np.ndarray, floor: float) -> "StrongPairs":
        array = np.asarray(array, dtype=np.float64)
        if array.ndim != 2 or array.shape[0] != 2:
            raise ValueError(f"strong pairs must have shape (2, N), got {array.shape}")
        return cls(float(floor), array[0], array[1].astype(np.int64))


class StrongPairCollector:
    """Collects :class:`StrongPairs` layer by layer from the capture sink.

    ``add(layer, weights, stored)``: ``weights`` is the layer's float32
    ``(n_heads, L, L)`` torch tensor (any device), ``stored`` the copy just
    written to the attention buffer (float32 or float16, possibly a memmap).
    """

    def __init__(self, n_heads: int, length: int, floor: float = DEFAULT_FLOOR) -> None:
        self.n_heads, self.length, self.floor = int(n_heads), int(length), float(floor)

        self._floor32 = np.float32(self.floor)
        self._floor16_bits = int(np.asarray(self.floor, dtype=np.float16).view(np.uint16))
        self._keys: list[np.ndarray] = []
        self._pairs: list[np.ndarray] = []

    def add(self, layer: int, weights, stored: np.ndarray) -> None:
        import torch

        flat = stored.reshape(-1)
        if stored.dtype == np.float16:
            # Rounding is monotone: a_ij >= floor implies float16(a_ij) >= float16(floor), and the bit
            # patterns of non-negative float16 values sort as the values.  NaN and negative values
            # (patterns above 0x7C00) become candidates too; the float32 comparison drops them.
            candidates = np.flatnonzero(flat.view(np.uint16) >= self._floor16_bits)
            head, pair = np.divmod(candidates, self.length * self.length)
            row, col = np.divmod(pair, self.length)
            index = [torch.as_tensor(a, device=weights.device) for a in (head, row, col)]
            values = weights[index[0], index[1], index[2]].float().cpu().numpy()
            keep = values >= self._floor32
            head, pair, values = head[keep], pair[keep], values[keep]
        else:
            candidates = np.flatnonzero(flat >= self._floor32)
            head, pair = np.divmod(candidates, self.length * self.length)
            values = np.asarray(flat[candidates], dtype=np.float32)
        keys = (layer * self.n_heads + head) + values.astype(np.float64)
        order = np.argsort(keys, kind="stable")
        self._keys.append(keys[order])
        self._pairs.append(pair[order])

    def result(self) -> StrongPairs:
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0)
        pairs = np.concatenate(self._pairs) if self._pairs else np.zeros(0, dtype=np.int64)
        return StrongPairs(self.floor, keys, pairs.astype(np.int64, copy=False))


def strong_pairs_of(values: np.ndarray, floor: float = DEFAULT_FLOOR) -> StrongPairs:
    """:class:`StrongPairs` from stored attention ``(n_layers, n_heads, L, L)``, one head at a time.

    Exact for float32 values; from a float16 copy the values (and so counts at
    thresholds within float16 rounding of a value) are those of the copy, and
    ``exact`` is ``False``.
    """
    n_layers, n_heads, length = values.shape[0], values.shape[1], values.shape[2]
    floor32 = np.float32(floor)
    keys, pairs = [], []
    for flat in range(n_layers * n_heads):
        head = as_float32(values[divmod(flat, n_heads)]).reshape(-1)
        kept = np.flatnonzero(head >= floor32)
        v = head[kept]
        order = np.argsort(v, kind="stable")
        keys.append(v[order].astype(np.float64) + flat)
        pairs.append(kept[order])
    return StrongPairs(float(floor), np.concatenate(keys) if keys else np.zeros(0),
                       np.concatenate(pairs).astype(np.int64) if pairs else np.zeros(0, dtype=np.int64),
                       exact=np.dtype(values.dtype) == np.float32)
